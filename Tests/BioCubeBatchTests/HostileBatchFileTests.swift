import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeBatch

/// Crafted batch files a hostile or broken writer could produce: each is a clear error that
/// names the file (and tensor), never a trap, a stack overflow or an allocation sized from a
/// header.
@Suite struct HostileBatchFileTests {
    /// A safetensors file: the header JSON (with a BioCube `__metadata__`) and the data bytes.
    static func safetensors(_ tensors: [String: Any], data: [UInt8], in dir: TemporaryDirectory) throws -> String {
        var header: [String: Any] = tensors
        var groups: [[Any]] = VariableGroup.builtIn.map { [$0.rawValue, [String]()] }
        let surface = tensors.keys.sorted().filter { $0.hasPrefix("surface_variables/") }
        groups[0] = ["surface_variables", surface.map { String($0.dropFirst("surface_variables/".count)) }]
        func text(_ v: Any) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed]), as: UTF8.self)
        }
        header["__metadata__"] = [
            "groups": try text(groups), "timestamp": try text(["2000-01-01 00:00:00", "2000-02-01 00:00:00"]),
            "latitudes": try text([1.0, 2.0]), "longitudes": try text([1.0, 2.0]), "pressure_levels": "null",
            "species_list": "null",
        ]
        let json = try JSONSerialization.data(withJSONObject: header)
        var bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
        bytes += json
        bytes += data
        let path = dir.file("crafted-\(UUID().uuidString).safetensors")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static var cases: [(String, [String: Any], Int)] {
        [
            ("a shape whose product overflows", ["shape": [2, Int.max / 2, 3], "data_offsets": [0, 16]], 16),
            ("a negative extent", ["shape": [2, -2, 1], "data_offsets": [0, 16]], 16),
            ("offsets past the data", ["shape": [2, 2, 1], "data_offsets": [0, 1 << 40]], 16),
            ("offsets before the data", ["shape": [2, 2, 1], "data_offsets": [-8, 8]], 16),
            ("an end before the start", ["shape": [2, 2, 1], "data_offsets": [16, 0]], 16),
            ("a huge extent in a small file", ["shape": [2, 100_000, 100_000], "data_offsets": [0, 16]], 16),
        ]
    }

    @Test(arguments: 0..<6)
    func aSafetensorsHeaderThatLiesIsRefused(index: Int) throws {
        let (label, info, size) = Self.cases[index]
        let dir = TemporaryDirectory()
        var tensor = info
        tensor["dtype"] = "F32"
        let path = try Self.safetensors(
            ["surface_variables/t2m": tensor],
            data: [UInt8](repeating: 0, count: size),
            in: dir
        )
        let error = #expect(throws: BioCubeError.self, "\(label)") { try BatchFileReader.read(path: path) }
        #expect(error?.code == .corruptData && error?.file == path, "\(label): \(String(describing: error))")
    }

    @Test func overlappingSafetensorsTensorsAreRefused() throws {
        let dir = TemporaryDirectory()
        let t = ["dtype": "F32", "shape": [2, 2, 1], "data_offsets": [0, 16]] as [String: Any]
        let path = try Self.safetensors(
            ["surface_variables/t2m": t, "surface_variables/msl": t],
            data: [UInt8](repeating: 0, count: 16),
            in: dir
        )
        let error = #expect(throws: BioCubeError.self) { try BatchFileReader.read(path: path) }
        #expect(error?.code == .corruptData && error?.file == path)
    }

    @Test func aHeaderLengthBeyondTheFileIsRefused() throws {
        let dir = TemporaryDirectory()
        for length in [UInt64.max, 1 << 63, 1 << 40, 0] {
            let path = dir.file("len.safetensors")
            let bytes = withUnsafeBytes(of: length.littleEndian) { Array($0) } + Array("{}".utf8)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: BioCubeError.self) { try BatchFileReader.read(path: path) }
            #expect(error?.code == .corruptData && error?.file == path, "length \(length)")
        }
    }

    @Test(arguments: [UInt8(0x85), 0x51])  // TUPLE1, BINPERSID: one more level per opcode
    func aPickleNestedMillionsDeepIsRefusedWithoutOverflowingTheStack(opcode: UInt8) throws {
        let bytes: [UInt8] = [0x80, 0x02, 0x29] + [UInt8](repeating: opcode, count: 2_000_000) + [0x2E]
        var reader = PickleReader(bytes)
        let error = #expect(throws: BioCubeError.self) { try reader.read() }
        #expect(error?.code == .corruptData && error?.message.contains("nested deeper") == true)
        // Within the limit it reads.
        var shallow = PickleReader([0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: 10) + [0x2E])
        guard case .tuple = try shallow.read() else {
            Issue.record("not a tuple")
            return
        }
    }

    @Test func aDeepPickleInsideATorchFileNamesTheFile() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("deep.pt")
        let zip = try StoredZipWriter(path: path)
        try zip.add("archive/data.pkl", [0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: 100_000) + [0x2E])
        try zip.finish()
        let error = #expect(throws: BioCubeError.self) { try BatchFileReader.read(path: path) }
        #expect(error?.code == .corruptData && error?.file == path)
    }
}
