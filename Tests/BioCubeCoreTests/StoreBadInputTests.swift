import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeCore

/// Corrupt or unsupported stores: each must fail with a clear error naming the array and
/// chunk, never crash or return partial data.
@Suite struct StoreBadInputTests {
    func makeStore(_ dir: TemporaryDirectory, codecs: [ZarrCodec] = ZarrCodec.standard()) throws -> ZarrArray {
        let store = try CubeStore.create(at: dir.file("s.zarr"))
        let a = try store.createArray(
            "surface_variables/t2m",
            metadata: ArrayMetadata(
                shape: [2, 8, 8],
                dataType: .float32,
                chunkShape: [1, 8, 8],
                fillValue: nil,
                codecs: codecs
            )
        )
        try a.write((0..<128).map(Float.init), to: [.all, .all, .all])
        return a
    }

    func chunkPath(_ dir: TemporaryDirectory) -> String { dir.file("s.zarr/surface_variables/t2m/c/1/0/0") }

    func expectReadError(_ dir: TemporaryDirectory, code: BioCubeError.Code, mentioning words: [String]) throws {
        let a = try CubeStore.open(at: dir.file("s.zarr")).openArray("surface_variables/t2m")
        let error = #expect(throws: BioCubeError.self) { try a.read([.all, .all, .all], as: Float.self) }
        // A broad code matches any of its finer codes; a finer one only itself.
        #expect(code == code.category ? error?.code.category == code : error?.code == code)
        // The place is in the fields (the chunk file, the array), the words in the text people read.
        #expect(error?.file == chunkPath(dir) && error?.variable == "surface_variables/t2m")
        let text = error.map { "\($0)" } ?? ""
        for w in words { #expect(text.contains(w), "error lacks '\(w)': \(text)") }
    }

    func mutate(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
        var bytes = try FileIO.read(path)
        change(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// zstd alone, as stores written before the checksum (and zarr-python by default) have it:
    /// the decoder itself must refuse damaged frames.
    static let zstdOnly: [ZarrCodec] = [.bytes(endian: .little), .zstd(level: 3, checksum: false)]

    /// The default chain ends with crc32c: one flipped bit anywhere is refused by name.
    @Test(arguments: [0, 7, 40]) func aFlippedBitFailsTheChecksum(offset: Int) throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir)
        try mutate(chunkPath(dir)) { $0[min(offset, $0.count - 1)] ^= 0x04 }
        try expectReadError(dir, code: .checksumMismatch, mentioning: ["crc32c checksum mismatch", "c/1/0/0"])
    }

    @Test func truncatedZstdChunk() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir, codecs: Self.zstdOnly)
        try mutate(chunkPath(dir)) { $0.removeLast($0.count / 2) }
        try expectReadError(dir, code: .corruptData, mentioning: ["surface_variables/t2m", "c/1/0/0"])
    }

    @Test func corruptZstdChunk() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir, codecs: Self.zstdOnly)
        try mutate(chunkPath(dir)) { bytes in for i in 6..<bytes.count { bytes[i] ^= 0x5A } }
        try expectReadError(dir, code: .corruptData, mentioning: ["c/1/0/0"])
    }

    @Test func chunkOfTheWrongDecodedSize() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir)
        let coder = try ChunkCoder(codecs: ZarrCodec.standard(), dataType: .float32, context: "t")
        let wrong = try [Float](repeating: 1, count: 60).withUnsafeBytes { try coder.encode($0) }
        try Data(wrong).write(to: URL(fileURLWithPath: chunkPath(dir)))
        try expectReadError(dir, code: .corruptData, mentioning: ["c/1/0/0", "240", "256"])
    }

    @Test func uncompressedChunkOfTheWrongSize() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir, codecs: [.bytes(endian: .little)])
        try mutate(chunkPath(dir)) { $0.append(0) }
        try expectReadError(dir, code: .corruptData, mentioning: ["c/1/0/0", "257"])
    }

    @Test func crc32cMismatch() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir, codecs: [.bytes(endian: .little), .zstd(level: 3, checksum: false), .crc32c])
        try mutate(chunkPath(dir)) { $0[$0.count - 1] ^= 1 }
        try expectReadError(dir, code: .corruptData, mentioning: ["c/1/0/0", "crc32c"])
    }

    @Test func missingZarrJSON() throws {
        let dir = TemporaryDirectory()
        let store = try CubeStore.create(at: dir.file("s.zarr"))
        let error = #expect(throws: BioCubeError.self) { try store.openArray("nothing/here") }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("nothing/here/zarr.json") == true)
        #expect(throws: BioCubeError.self) { try CubeStore.open(at: dir.file("absent.zarr")) }
    }

    @Test(arguments: [
        ("{ not json", BioCubeError.Code.invalidMetadata, "not valid JSON"),
        (#"{"zarr_format": 3, "node_type": "array"}"#, .invalidMetadata, "lacks 'shape'"),
        (#"[1, 2]"#, .invalidMetadata, "node_type"),
    ])
    func malformedZarrJSON(text: String, code: BioCubeError.Code, phrase: String) throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir)
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir.file("s.zarr/surface_variables/t2m/zarr.json")))
        let store = try CubeStore.open(at: dir.file("s.zarr"))
        let error = #expect(throws: BioCubeError.self) { try store.openArray("surface_variables/t2m") }
        #expect(error?.code == code)
        #expect(error?.message.contains(phrase) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("surface_variables/t2m") == true)
    }

    func editMetadata(_ dir: TemporaryDirectory, _ edit: (inout [String: JSONValue]) -> Void) throws -> BioCubeError? {
        let path = dir.file("s.zarr/surface_variables/t2m/zarr.json")
        var doc = try JSONValue.decode(Data(contentsOf: URL(fileURLWithPath: path))).objectValue!
        edit(&doc)
        try JSONValue.object(doc).encoded().write(to: URL(fileURLWithPath: path))
        let store = try CubeStore.open(at: dir.file("s.zarr"))
        return #expect(throws: BioCubeError.self) { try store.openArray("surface_variables/t2m") }
    }

    @Test func unknownCodec() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir)
        let error = try editMetadata(dir) {
            $0["codecs"] = [["name": "bytes"], ["name": "lz4hc", "configuration": [:]]]
        }
        #expect(error?.code == .unsupportedEncoding && error?.code.category == .unsupported)
        #expect(error?.message.contains("'lz4hc'") == true && error?.message.contains("surface_variables/t2m") == true)
    }

    @Test func unknownDataType() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir)
        let error = try editMetadata(dir) { $0["data_type"] = "complex64" }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("complex64") == true)
    }

    @Test func unknownMandatoryExtensionAndShardingAreRefused() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir)
        let ext = try editMetadata(dir) { $0["my_extension"] = ["must_understand": true] }
        #expect(ext?.message.contains("my_extension") == true)
        let sharding = try editMetadata(dir) {
            $0["my_extension"] = nil
            $0["codecs"] = [["name": "sharding_indexed", "configuration": ["chunk_shape": [1, 4, 4]]]]
        }
        #expect(sharding?.message.contains("sharding_indexed") == true)
    }

    /// A chunk is decoded whole: a chunk shape of 23 000 × 23 000 is refused from the
    /// metadata, before a 2 GB buffer is allocated.
    @Test func aHugeChunkShapeIsRefusedBeforeAllocating() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir)
        let error = try editMetadata(dir) {
            $0["shape"] = [1, 23000, 23000]
            $0["chunk_grid"] = ["name": "regular", "configuration": ["chunk_shape": [1, 23000, 23000]]]
        }
        #expect(error?.code == .unsupported && error?.message.contains("512 MiB") == true)
    }

    @Test(arguments: [[Int.max, 8, 8], [1 << 30, 1 << 30, 8]])
    func aShapeBeyondAnyStoreIsRefusedBeforeItIsUsed(shape: [Int]) throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir)
        let error = try editMetadata(dir) { $0["shape"] = .array(shape.map { .int(Int64($0)) }) }
        #expect(error?.code == .invalidMetadata)
    }

    /// The root's grid and time-axis attributes are what batches size everything from: a count
    /// beyond any store, or one the coordinate arrays contradict, is refused by name.
    @Test(arguments: [
        ("grid", "latitude", Int64(1_000_000_000_000)), ("time_axis", nil, 1_000_000_000_000_000),
        ("grid", "longitude", 5), ("time_axis", nil, 3),
    ])
    func coordinateCountsAreCheckedAgainstLimitsAndArrays(key: String, axis: String?, count: Int64) throws {
        let dir = TemporaryDirectory()
        let store = try CubeStore.create(at: dir.file("s.zarr"))
        let grid = try Grid(
            latitude: GridAxis(first: 40, step: 0.25, count: 4),
            longitude: GridAxis(first: 0, step: 0.25, count: 6)
        )
        try store.writeCoordinates(
            grid: grid,
            time: TimeAxis(cadence: .monthly, start: UTCDateTime(year: 2000, month: 1), count: 2),
            pressureLevels: nil
        )
        var root = try store.attributes(of: "")
        var entry = try #require(root[key]?.objectValue)
        if let axis {
            var a = try #require(entry[axis]?.objectValue)
            a["count"] = .int(count)
            entry[axis] = .object(a)
        } else {
            entry["count"] = .int(count)
        }
        root[key] = .object(entry)
        try store.setAttributes(root, of: "")
        let reopened = try CubeStore.open(at: dir.file("s.zarr"))
        let error = #expect(throws: BioCubeError.self) {
            if key == "grid" { _ = try reopened.grid() } else { _ = try reopened.timeAxis() }
        }
        #expect(error?.file == dir.file("s.zarr/zarr.json"), "\(String(describing: error))")
        #expect(error?.code == .invalidArgument || error?.code == .invalidMetadata)
    }

    @Test func optionalExtensionIsIgnored() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir)
        let path = dir.file("s.zarr/surface_variables/t2m/zarr.json")
        var doc = try JSONValue.decode(Data(contentsOf: URL(fileURLWithPath: path))).objectValue!
        doc["something_new"] = ["must_understand": false, "x": 1]
        try JSONValue.object(doc).encoded().write(to: URL(fileURLWithPath: path))
        let a = try CubeStore.open(at: dir.file("s.zarr")).openArray("surface_variables/t2m")
        #expect(try a.read([.index(0), .index(0), .all], as: Float.self) == (0..<8).map(Float.init))
    }

    @Test func failedReadLeavesTheStoreUntouched() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir)
        try mutate(chunkPath(dir)) { $0.removeLast(10) }
        let before = dir.allFiles()
        try expectReadError(dir, code: .corruptData, mentioning: ["c/1/0/0"])
        #expect(dir.allFiles() == before)
        // The intact chunk still reads.
        let a = try CubeStore.open(at: dir.file("s.zarr")).openArray("surface_variables/t2m")
        #expect(try a.read([.index(0), .all, .all], as: Float.self) == (0..<64).map(Float.init))
    }
}

/// A folder, FIFO or other non-file where a file is expected: a clear error naming the path,
/// never an allocation sized from a folder's end offset or a blocking `open`.
@Suite struct NotAFileTests {
    enum Kind: String, CaseIterable { case folder, fifo }

    static func make(_ kind: Kind, at path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        switch kind {
        case .folder: try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        case .fifo: #expect(mkfifo(path, 0o644) == 0)
        }
    }

    @Test(arguments: Kind.allCases)
    func fileReadersRefuseIt(kind: Kind) throws {
        let dir = TemporaryDirectory()
        let path = dir.file("thing.pt")
        try Self.make(kind, at: path)
        let read = #expect(throws: BioCubeError.self) { try FileIO.read(path) }
        #expect(read?.code == .notAFile && read?.file == path)
        var buffer: [UInt8] = []
        let into = #expect(throws: BioCubeError.self) { try FileIO.read(path, into: &buffer) }
        #expect(into?.code == .notAFile)
        let mapped = #expect(throws: BioCubeError.self) { try ByteStorage(mapping: path) }
        #expect(mapped?.code == .notAFile && mapped?.file == path)
        #expect(FileIO.readPrefix(path, count: 8) == nil)
    }

    @Test(arguments: Kind.allCases)
    func aChunkOrMetadataDocumentThatIsNotAFileIsAnError(kind: Kind) throws {
        let dir = TemporaryDirectory()
        _ = try StoreBadInputTests().makeStore(dir)
        let chunk = StoreBadInputTests().chunkPath(dir)
        try Self.make(kind, at: chunk)
        let a = try CubeStore.open(at: dir.file("s.zarr")).openArray("surface_variables/t2m")
        let error = #expect(throws: BioCubeError.self) { try a.read([.all, .all, .all], as: Float.self) }
        #expect(error?.code == .notAFile && error?.file == chunk)
        let metadata = dir.file("s.zarr/surface_variables/t2m/zarr.json")
        try Self.make(kind, at: metadata)
        let store = try CubeStore.open(at: dir.file("s.zarr"))
        let opening = #expect(throws: BioCubeError.self) { try store.openArray("surface_variables/t2m") }
        #expect(opening?.code == .notAFile && opening?.file == metadata)
    }
}
