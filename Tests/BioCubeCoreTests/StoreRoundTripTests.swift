import BioCubeTestSupport
import Testing

@testable import BioCubeCore

/// Random values of every scalar type, NaN included for floats.
func randomValues<T: ZarrScalar>(_: T.Type, count: Int, seed: UInt64) -> [T] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { i -> T in
        let r = rng.next()
        switch T.zarrDataType! {
        case .float32: return (i % 41 == 5 ? Float.nan : Float(Int64(bitPattern: r) >> 40) / 1024) as! T
        case .float64: return (i % 41 == 5 ? Double.nan : Double(Int64(bitPattern: r)) / 1e9) as! T
        case .int8: return Int8(truncatingIfNeeded: r) as! T
        case .int16: return Int16(truncatingIfNeeded: r) as! T
        case .int32: return Int32(truncatingIfNeeded: r) as! T
        case .int64: return Int64(bitPattern: r) as! T
        case .uint8: return UInt8(truncatingIfNeeded: r) as! T
        case .uint16: return UInt16(truncatingIfNeeded: r) as! T
        case .uint32: return UInt32(truncatingIfNeeded: r) as! T
        case .uint64: return r as! T
        case .bool: return (r & 1 == 1) as! T
        }
    }
}

func bitwiseEqual<T>(_ a: [T], _ b: [T]) -> Bool {
    a.count == b.count && a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.elementsEqual(y) } }
}

/// A reference hyperslab of a row-major array held in memory.
func referenceSlab<T>(_ values: [T], shape: [Int], _ selection: [[Int]]) -> [T] {
    var strides = [Int](repeating: 1, count: shape.count)
    for d in stride(from: shape.count - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * shape[d + 1] }
    var out: [T] = []
    func walk(_ d: Int, _ offset: Int) {
        if d == shape.count {
            out.append(values[offset])
            return
        }
        for i in selection[d] { walk(d + 1, offset + i * strides[d]) }
    }
    walk(0, 0)
    return out
}

let chains: [(String, [ZarrCodec])] = [
    ("zstd", ZarrCodec.standard()),
    ("gzip+crc32c", [.bytes(endian: .little), .gzip(level: 5), .crc32c]),
    ("raw-big-endian", [.bytes(endian: .big)]),
]

@Suite struct StoreRoundTripTests {
    func roundTrip<T: ZarrScalar>(_ type: T.Type, shape: [Int], chunks: [Int], codecs: [ZarrCodec]) async throws {
        let dir = TemporaryDirectory()
        let store = try CubeStore.create(at: dir.file("s.zarr"))
        let a = try store.createArray(
            "g/a",
            metadata: ArrayMetadata(
                shape: shape,
                dataType: T.zarrDataType!,
                chunkShape: chunks,
                fillValue: nil,
                codecs: codecs
            )
        )
        let n = shape.reduce(1, *)
        let values = randomValues(T.self, count: n, seed: UInt64(n))
        let all = Array(repeating: DimensionSelection.all, count: shape.count)
        try await a.write(values, to: all, maxConcurrency: 3)
        let reopened = try CubeStore.open(at: dir.file("s.zarr")).openArray("g/a")
        #expect(bitwiseEqual(try reopened.read(all, as: T.self), values))
        #expect(bitwiseEqual(try await reopened.readAll(as: T.self), values))
        // Every chunk on disk holds a full chunk (edge chunks padded), readable on its own.
        let grid = a.metadata.chunkGridShape
        #expect(dir.allFiles().filter { $0.contains("/c/") }.count == grid.reduce(1, *))
        #expect(!dir.allFiles().contains { $0.hasSuffix(".tmp") })
    }

    @Test(arguments: ZarrDataType.allCases, chains.map(\.0))
    func everyTypeAndChainRoundTrips(type: ZarrDataType, chain: String) async throws {
        let codecs = chains.first { $0.0 == chain }!.1
        let shape = [5, 9, 7]
        let chunks = [2, 4, 3]
        switch type {
        case .bool: try await roundTrip(Bool.self, shape: shape, chunks: chunks, codecs: codecs)
        case .int8: try await roundTrip(Int8.self, shape: shape, chunks: chunks, codecs: codecs)
        case .int16: try await roundTrip(Int16.self, shape: shape, chunks: chunks, codecs: codecs)
        case .int32: try await roundTrip(Int32.self, shape: shape, chunks: chunks, codecs: codecs)
        case .int64: try await roundTrip(Int64.self, shape: shape, chunks: chunks, codecs: codecs)
        case .uint8: try await roundTrip(UInt8.self, shape: shape, chunks: chunks, codecs: codecs)
        case .uint16: try await roundTrip(UInt16.self, shape: shape, chunks: chunks, codecs: codecs)
        case .uint32: try await roundTrip(UInt32.self, shape: shape, chunks: chunks, codecs: codecs)
        case .uint64: try await roundTrip(UInt64.self, shape: shape, chunks: chunks, codecs: codecs)
        case .float32: try await roundTrip(Float.self, shape: shape, chunks: chunks, codecs: codecs)
        case .float64: try await roundTrip(Double.self, shape: shape, chunks: chunks, codecs: codecs)
        }
    }

    @Test(arguments: [
        ([10], [10]), ([10], [3]), ([1], [4]), ([4, 161, 281], [1, 161, 281]), ([3, 13, 20, 30], [1, 13, 20, 30]),
        ([2, 3, 4, 5, 6], [1, 2, 3, 2, 4]), ([6, 6], [7, 7]),
    ])
    func shapesAndEdgeChunks(shape: [Int], chunks: [Int]) async throws {
        try await roundTrip(Float.self, shape: shape, chunks: chunks, codecs: ZarrCodec.standard())
    }

    @Test func emptyArrayReadsEmpty() async throws {
        let dir = TemporaryDirectory()
        let store = try CubeStore.create(at: dir.file("s.zarr"))
        let a = try store.createArray(
            "e",
            metadata: ArrayMetadata(shape: [0, 4], dataType: .float32, chunkShape: [1, 4])
        )
        #expect(try a.read([.all, .all], as: Float.self).isEmpty)
        #expect(try await a.readAll(as: Float.self).isEmpty)
    }

    @Test func hyperslabsMatchTheReference() async throws {
        let dir = TemporaryDirectory()
        let store = try CubeStore.create(at: dir.file("s.zarr"))
        let shape = [7, 13, 10, 3]
        let a = try store.createArray(
            "a",
            metadata: ArrayMetadata(shape: shape, dataType: .float64, chunkShape: [3, 5, 4, 2])
        )
        let values = randomValues(Double.self, count: shape.reduce(1, *), seed: 11)
        try a.write(values, to: Array(repeating: .all, count: 4))
        var rng = SplitMix64(seed: 5)
        for trial in 0..<60 {
            var selection: [DimensionSelection] = []
            var indices: [[Int]] = []
            for extent in shape {
                switch (rng.next() % 4, trial) {
                case (0, _):
                    selection.append(.all)
                    indices.append(Array(0..<extent))
                case (1, _):
                    let lo = Int(rng.next() % UInt64(extent))
                    let hi = lo + 1 + Int(rng.next() % UInt64(extent - lo))
                    selection.append(.range(lo..<hi))
                    indices.append(Array(lo..<hi))
                case (2, _):
                    let list = (0..<(1 + Int(rng.next() % 4))).map { _ in Int(rng.next() % UInt64(extent)) }
                    selection.append(.indices(list))
                    indices.append(list)
                default:
                    let i = Int(rng.next() % UInt64(extent))
                    selection.append(.index(i))
                    indices.append([i])
                }
            }
            let want = referenceSlab(values, shape: shape, indices)
            #expect(bitwiseEqual(try a.read(selection, as: Double.self), want), "selection \(selection)")
            #expect(bitwiseEqual(try await a.read(selection, as: Double.self, maxConcurrency: 3), want))
        }
    }

    @Test func unwrittenChunksReadAsFillValue() async throws {
        let dir = TemporaryDirectory()
        let store = try CubeStore.create(at: dir.file("s.zarr"))
        let nanArray = try store.createArray(
            "n",
            metadata: ArrayMetadata(shape: [4, 5], dataType: .float32, chunkShape: [2, 2])
        )
        #expect(try nanArray.read([.all, .all], as: Float.self).allSatisfy(\.isNaN))
        let custom = try store.createArray(
            "c",
            metadata: ArrayMetadata(
                shape: [4, 5],
                dataType: .int32,
                chunkShape: [2, 2],
                fillValue: FillValue(.int32, int: -9)
            )
        )
        try custom.writeChunk([1, 2, 3, 4] as [Int32], at: [0, 0])
        #expect(
            try custom.read([.all, .all], as: Int32.self) == [
                1, 2, -9, -9, -9,
                3, 4, -9, -9, -9,
                -9, -9, -9, -9, -9,
                -9, -9, -9, -9, -9,
            ]
        )
        #expect(custom.chunkExists([0, 0]) && !custom.chunkExists([1, 1]))
        // Edge chunk: in-bounds part is 2 × 1.
        try custom.writeChunk([7, 8] as [Int32], at: [1, 2])
        #expect(try custom.readChunk(at: [1, 2], as: Int32.self) == [7, 8])
        #expect(throws: BioCubeError.self) { try custom.writeChunk([1, 2, 3] as [Int32], at: [1, 2]) }
        #expect(throws: BioCubeError.self) { try custom.readChunk(at: [2, 0], as: Int32.self) }
    }

    @Test func partialWritesKeepNeighbouringValues() throws {
        let dir = TemporaryDirectory()
        let store = try CubeStore.create(at: dir.file("s.zarr"))
        let a = try store.createArray(
            "a",
            metadata: ArrayMetadata(shape: [6, 6], dataType: .float32, chunkShape: [4, 4])
        )
        let base = (0..<36).map(Float.init)
        try a.write(base, to: [.all, .all])
        try a.write([-1, -2, -3, -4] as [Float], to: [.range(3..<5), .range(3..<5)])
        var want = base
        want[3 * 6 + 3] = -1
        want[3 * 6 + 4] = -2
        want[4 * 6 + 3] = -3
        want[4 * 6 + 4] = -4
        #expect(try a.read([.all, .all], as: Float.self) == want)
    }

    @Test func wrongElementTypeOrCountIsAnError() throws {
        let dir = TemporaryDirectory()
        let store = try CubeStore.create(at: dir.file("s.zarr"))
        let a = try store.createArray("a", metadata: ArrayMetadata(shape: [4], dataType: .float32, chunkShape: [2]))
        #expect(throws: BioCubeError.self) { try a.read([.all], as: Double.self) }
        #expect(throws: BioCubeError.self) { try a.write([1.0, 2.0] as [Float], to: [.all]) }
        #expect(throws: BioCubeError.self) { try a.read([.range(2..<5)], as: Float.self) }
        #expect(throws: BioCubeError.self) { try a.read([.all, .all], as: Float.self) }
        #expect(throws: BioCubeError.self) { try a.read([.indices([4])], as: Float.self) }
        #expect(dir.allFiles().filter { $0.contains("/c/") }.isEmpty)
    }

    @Test func concurrentTasksWritingDisjointChunks() async throws {
        let dir = TemporaryDirectory()
        let store = try CubeStore.create(at: dir.file("s.zarr"))
        let a = try store.createArray(
            "a",
            metadata: ArrayMetadata(shape: [40, 30, 20], dataType: .float32, chunkShape: [1, 30, 20])
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for t in stride(from: worker, to: 40, by: 4) {
                        try a.write([Float](repeating: Float(t), count: 600), to: [.index(t), .all, .all])
                    }
                }
            }
            try await group.waitForAll()
        }
        let back: [Float] = try await a.readAll()
        #expect(back == (0..<40).flatMap { [Float](repeating: Float($0), count: 600) })
    }
}
