import ArgumentParser
import BioCube
import Foundation

struct StoreDump: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Write a hyperslab of an array as raw little-endian values.",
        discussion: """
            The selection has one entry per dimension, separated by commas: `all`, an index `5`, \
            a range `2:7` (end excluded), or indices `1;4;9`. Example: `--select 0:2,all,10:20`. \
            The output is row-major; its shape and data type are printed.
            """
    )

    @Argument(help: "The store folder.")
    var store: String
    @Argument(help: "The array path inside the store (e.g. surface_variables/t2m).")
    var array: String
    @Option(help: "The hyperslab (default: the whole array).")
    var select: String?
    @Option(help: "Output file for the raw values.")
    var out: String
    @Option(help: "Decode chunks on this many tasks (1 = the calling thread only).")
    var jobs: Int = 2

    func run() async throws {
        try await reportingErrors {
            let a = try CubeStore.open(at: store).openArray(array)
            let selection =
                try select.map { try DimensionSelection.parse($0, rank: a.shape.count) }
                ?? Array(repeating: .all, count: a.shape.count)
            let bytes: Data
            switch a.metadata.dataType {
            case .float32: bytes = try await raw(a, selection, Float.self)
            case .float64: bytes = try await raw(a, selection, Double.self)
            case .int8: bytes = try await raw(a, selection, Int8.self)
            case .int16: bytes = try await raw(a, selection, Int16.self)
            case .int32: bytes = try await raw(a, selection, Int32.self)
            case .int64: bytes = try await raw(a, selection, Int64.self)
            case .uint8: bytes = try await raw(a, selection, UInt8.self)
            case .uint16: bytes = try await raw(a, selection, UInt16.self)
            case .uint32: bytes = try await raw(a, selection, UInt32.self)
            case .uint64: bytes = try await raw(a, selection, UInt64.self)
            case .bool: bytes = try await raw(a, selection, Bool.self)
            }
            do { try bytes.write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                throw BioCubeError(.io, "\(out): cannot write: \(error.localizedDescription)")
            }
            print("wrote \(bytes.count) bytes of \(a.metadata.dataType.rawValue) to \(out)")
        }
    }

    private func raw<T: ZarrScalar>(_ a: ZarrArray, _ s: [DimensionSelection], _: T.Type) async throws -> Data {
        let values: [T] = jobs <= 1 ? try a.read(s) : try await a.read(s, maxConcurrency: jobs)
        return values.withUnsafeBytes { Data($0) }
    }
}
