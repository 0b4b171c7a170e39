/// A Zarr v3 array in a ``CubeStore``: typed chunk and hyperslab reads and writes.
///
/// Reads touch only the chunks that intersect the selection; a chunk that was never
/// written reads as the fill value. Writes are atomic per chunk (temporary file, then
/// rename), so readers never see a partial chunk and processes writing disjoint chunks
/// never interfere.
///
/// ```swift
/// let t2m = try store.openArray("surface_variables/t2m")
/// let plane: [Float] = try t2m.read([.index(0), .all, .all])        // one time step
/// let box: [Float] = try t2m.read([.range(0..<2), .range(10..<20), .range(5..<9)])
/// ```
public struct ZarrArray: Sendable {
    /// The node path inside the store (`"surface_variables/t2m"`).
    public let path: String
    /// The array's folder on disk.
    package let directory: String
    /// The array's metadata.
    public let metadata: ArrayMetadata

    init(path: String, directory: String, metadata: ArrayMetadata) {
        self.path = path
        self.directory = directory
        self.metadata = metadata
    }

    /// The array extent.
    public var shape: [Int] { metadata.shape }
    /// The chunk extent.
    public var chunkShape: [Int] { metadata.chunkShape }

    /// The store key of a chunk, relative to the array (`c/0/3/1`).
    package func chunkKey(_ coordinates: [Int]) -> String {
        let parts = coordinates.map(String.init)
        switch metadata.chunkKeyEncoding {
        case .default(let s): return (["c"] + parts).joined(separator: String(s))
        case .v2(let s): return parts.isEmpty ? "0" : parts.joined(separator: String(s))
        }
    }

    package func chunkFile(_ coordinates: [Int]) -> String { directory + "/" + chunkKey(coordinates) }

    func context(_ coordinates: [Int]? = nil) -> String {
        var s = "array '\(path)'"
        if let c = coordinates { s += " chunk \(chunkKey(c))" }
        return s + " (\(directory))"
    }

    /// Whether a chunk has been written.
    package func chunkExists(_ coordinates: [Int]) -> Bool { FileIO.exists(chunkFile(coordinates)) }

    /// Whether a chunk has been written and, when the codec chain ends with `crc32c`, its
    /// stored bytes still match the checksum: a chunk left empty or partial by a power cut
    /// (renamed into place before its data reached the disk) counts as not written.
    /// `buffer` is reused between calls.
    package func chunkIsIntact(_ coordinates: [Int], buffer: inout [UInt8]) -> Bool {
        guard metadata.codecs.last == .crc32c else { return chunkExists(coordinates) }
        guard let n = try? FileIO.read(chunkFile(coordinates), into: &buffer), n >= 4 else { return false }
        return buffer.withUnsafeBytes { b in
            let stored =
                UInt32(b[n - 4]) | UInt32(b[n - 3]) << 8 | UInt32(b[n - 2]) << 16 | UInt32(b[n - 1]) << 24
            return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[..<(n - 4)])) == stored
        }
    }

    /// Asks the kernel to start reading the chunk files that hold index `first` of the first
    /// dimension and, along the last two, `rows` × `columns` (every chunk of the dimensions
    /// between): a sequential reader calls it a step ahead. Best effort: never fails.
    package func prefetch(first: Int, rows: Range<Int>, columns: Range<Int>) {
        let n = shape.count
        guard n >= 3, (0..<shape[0]).contains(first), !rows.isEmpty, !columns.isEmpty else { return }
        let ranges: [Range<Int>] = (0..<n).map { d in
            switch d {
            case 0: return (first / chunkShape[0])..<(first / chunkShape[0] + 1)
            case n - 2: return (rows.lowerBound / chunkShape[d])..<((rows.upperBound - 1) / chunkShape[d] + 1)
            case n - 1: return (columns.lowerBound / chunkShape[d])..<((columns.upperBound - 1) / chunkShape[d] + 1)
            default: return 0..<((shape[d] + chunkShape[d] - 1) / chunkShape[d])
            }
        }
        for index in CartesianIndices(ranges) { FileIO.adviseWillNeed(chunkFile(index)) }
    }

    private func checkType<T: ZarrScalar>(_: T.Type) throws {
        guard let type = T.zarrDataType else {
            throw BioCubeError(
                .unsupported,
                "\(context()): \(T.self) is not a Zarr scalar type BioCube reads or writes"
            )
        }
        guard type == metadata.dataType else {
            throw BioCubeError(
                .invalidArgument,
                "\(context()): holds \(metadata.dataType.rawValue), not \(type.rawValue) (\(T.self))"
            )
        }
    }

    private func makeCoder() throws -> ChunkCoder {
        try ChunkCoder(codecs: metadata.codecs, dataType: metadata.dataType, context: context())
    }

    private var chunkByteCount: Int { metadata.chunkShape.reduce(1, *) * metadata.dataType.byteSize }

    private func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        let size = metadata.dataType.byteSize
        let bits = metadata.fillValue.bits
        if bits == 0 {
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            return
        }
        withUnsafeBytes(of: bits.littleEndian) { pattern in
            var i = 0
            while i + size <= buffer.count {
                buffer.baseAddress!.advanced(by: i).copyMemory(from: pattern.baseAddress!, byteCount: size)
                i += size
            }
        }
    }

    // MARK: Reading

    /// One worker's reusable state for chunk I/O.
    struct Worker {
        let coder: ChunkCoder
        var file: [UInt8] = []
        /// Scratch for chunks that are not read or written whole; allocated on first use
        /// (whole-chunk reads and writes, the common case, never need it).
        var scratch: [UInt8] = []
        let chunkByteCount: Int

        /// Runs `body` with the chunk scratch buffer and the file buffer (moved out of the
        /// worker for the call, so both can be used at once).
        mutating func withChunk<R>(_ body: (UnsafeMutableRawBufferPointer, inout [UInt8]) throws -> R) rethrows -> R {
            if scratch.count != chunkByteCount { scratch = [UInt8](repeating: 0, count: chunkByteCount) }
            var f: [UInt8] = []
            swap(&f, &file)
            defer { swap(&f, &file) }
            return try scratch.withUnsafeMutableBytes { try body($0, &f) }
        }
    }

    private func makeWorker() throws -> Worker {
        Worker(coder: try makeCoder(), chunkByteCount: chunkByteCount)
    }

    /// Decodes a chunk into `destination` (full chunk size); fills it when the chunk is missing.
    private func loadChunk(
        _ coordinates: [Int],
        coder: ChunkCoder,
        file: inout [UInt8],
        into destination: UnsafeMutableRawBufferPointer
    ) throws {
        guard let size = try FileIO.read(chunkFile(coordinates), into: &file) else {
            fill(destination)
            return
        }
        do {
            try file.withUnsafeBytes {
                try coder.decode(UnsafeRawBufferPointer(rebasing: $0[0..<size]), into: destination)
            }
        } catch let e as BioCubeError {
            throw e.adding(file: chunkFile(coordinates), variable: path)
        }
    }

    private func readChunk(
        _ n: Int,
        plan: ChunkSelectionPlan,
        worker: inout Worker,
        output: UnsafeMutableRawPointer
    ) throws {
        let g = plan.groupIndices(n)
        let coords = plan.chunkCoordinates(g)
        let size = metadata.dataType.byteSize
        if let offset = plan.contiguousOutputOffset(g) {
            try loadChunk(
                coords,
                coder: worker.coder,
                file: &worker.file,
                into: UnsafeMutableRawBufferPointer(start: output + offset * size, count: chunkByteCount)
            )
            return
        }
        let coder = worker.coder
        try worker.withChunk { buf, file in
            try loadChunk(coords, coder: coder, file: &file, into: buf)
            plan.copy(g, chunk: buf.baseAddress!, output: output, elementSize: size, toOutput: true)
        }
    }

    /// Reads a hyperslab on the calling thread; the result is row-major with one extent per
    /// dimension of the selection.
    public func read<T: ZarrScalar>(_ selection: [DimensionSelection], as type: T.Type = T.self) throws -> [T] {
        let plan = try plan(for: selection, T.self)
        let total = plan.outputShape.reduce(1, *)
        return try [T](unsafeUninitializedCapacity: total) { buffer, initialized in
            try read(plan, into: UnsafeMutableBufferPointer(rebasing: buffer[0..<total]))
            initialized = total
        }
    }

    /// Reads a hyperslab on the calling thread into `buffer`, which must hold exactly as
    /// many elements as the selection (use it to reuse one buffer across many reads).
    public func read<T: ZarrScalar>(
        _ selection: [DimensionSelection],
        into buffer: UnsafeMutableBufferPointer<T>
    ) throws {
        try read(plan(for: selection, T.self), into: buffer)
    }

    /// Reads a hyperslab into `buffer` (exactly the selection's element count), decoding up
    /// to `maxConcurrency` chunks in parallel. The buffer must stay valid and untouched
    /// until the call returns.
    public func read<T: ZarrScalar>(
        _ selection: [DimensionSelection],
        into buffer: UnsafeMutableBufferPointer<T>,
        maxConcurrency: Int
    ) async throws {
        let plan = try plan(for: selection, T.self)
        try checkCount(buffer.count, plan)
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        let shared = SharedBuffer(UnsafeMutableRawPointer(base))
        try await concurrentForEach(count: plan.chunkCount, maxConcurrency: maxConcurrency, makeState: makeWorker) {
            worker,
            n in
            try readChunk(n, plan: plan, worker: &worker, output: shared.base)
        }
    }

    /// Reads a hyperslab, decoding up to `maxConcurrency` chunks in parallel.
    public func read<T: ZarrScalar>(
        _ selection: [DimensionSelection],
        as type: T.Type = T.self,
        maxConcurrency: Int
    ) async throws -> [T] {
        let plan = try plan(for: selection, T.self)
        let total = plan.outputShape.reduce(1, *)
        // Workers fill disjoint regions of one scratch buffer, which then becomes the array.
        let scratch = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, total))
        defer { scratch.deallocate() }
        try await read(
            selection,
            into: UnsafeMutableBufferPointer(rebasing: scratch[0..<total]),
            maxConcurrency: maxConcurrency
        )
        return [T](unsafeUninitializedCapacity: total) { buffer, initialized in
            if total > 0 {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(
                    from: scratch.baseAddress!,
                    byteCount: total * MemoryLayout<T>.stride
                )
            }
            initialized = total
        }
    }

    private func plan<T: ZarrScalar>(for selection: [DimensionSelection], _: T.Type) throws -> ChunkSelectionPlan {
        try checkType(T.self)
        return try ChunkSelectionPlan(selection: selection, metadata: metadata, context: context())
    }

    private func checkCount(_ count: Int, _ plan: ChunkSelectionPlan) throws {
        let expected = plan.outputShape.reduce(1, *)
        guard count == expected else {
            throw BioCubeError(
                .invalidArgument,
                "\(context()): selection of shape \(plan.outputShape) needs \(expected) values, got \(count)"
            )
        }
    }

    /// Reads a hyperslab on the calling thread into `buffer`, keeping decoder contexts and
    /// file buffers in `reader` for the next read (of this or another array with the same
    /// codecs, data type and chunk size): loops over many arrays allocate once.
    package func read<T: ZarrScalar>(
        _ selection: [DimensionSelection],
        into buffer: UnsafeMutableBufferPointer<T>,
        reusing reader: inout ReusableChunkReader
    ) throws {
        let plan = try plan(for: selection, T.self)
        try checkCount(buffer.count, plan)
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        // Move the worker out (so its buffers stay uniquely referenced: no copy on write).
        var worker: Worker
        if let w = reader.worker, reader.codecs == metadata.codecs, reader.dataType == metadata.dataType,
            w.chunkByteCount == chunkByteCount
        {
            reader.worker = nil
            worker = w
        } else {
            reader.worker = nil
            worker = try makeWorker()
            reader.codecs = metadata.codecs
            reader.dataType = metadata.dataType
        }
        defer { reader.worker = worker }
        for n in 0..<plan.chunkCount {
            try readChunk(n, plan: plan, worker: &worker, output: UnsafeMutableRawPointer(base))
        }
    }

    private func read<T>(_ plan: ChunkSelectionPlan, into buffer: UnsafeMutableBufferPointer<T>) throws {
        try checkCount(buffer.count, plan)
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        var worker = try makeWorker()
        for n in 0..<plan.chunkCount {
            try readChunk(n, plan: plan, worker: &worker, output: UnsafeMutableRawPointer(base))
        }
    }

    /// Reads the whole array, decoding chunks in parallel.
    public func readAll<T: ZarrScalar>(as type: T.Type = T.self, maxConcurrency: Int? = nil) async throws -> [T] {
        try await read(
            Array(repeating: .all, count: shape.count),
            as: T.self,
            maxConcurrency: maxConcurrency ?? defaultConcurrency
        )
    }

    /// Reads the in-bounds part of one chunk (edge chunks are smaller than the chunk shape).
    package func readChunk<T: ZarrScalar>(at coordinates: [Int], as type: T.Type = T.self) throws -> [T] {
        try read(try chunkSelection(coordinates), as: T.self)
    }

    private func chunkSelection(_ coordinates: [Int]) throws -> [DimensionSelection] {
        let grid = metadata.chunkGridShape
        guard coordinates.count == shape.count, zip(coordinates, grid).allSatisfy({ $0 >= 0 && $0 < $1 }) else {
            throw BioCubeError(.invalidArgument, "\(context()): chunk \(coordinates) is outside the chunk grid \(grid)")
        }
        return (0..<shape.count).map { d in
            let lo = coordinates[d] * chunkShape[d]
            return .range(lo..<min(shape[d], lo + chunkShape[d]))
        }
    }

    // MARK: Writing

    private func writeChunk(
        _ n: Int,
        plan: ChunkSelectionPlan,
        worker: inout Worker,
        input: UnsafeMutableRawPointer
    ) throws {
        let g = plan.groupIndices(n)
        let coords = plan.chunkCoordinates(g)
        let size = metadata.dataType.byteSize
        do {
            if let offset = plan.contiguousOutputOffset(g) {
                try worker.coder.encode(UnsafeRawBufferPointer(start: input + offset * size, count: chunkByteCount)) {
                    try FileIO.writeAtomically(chunkFile(coords), $0)
                }
            } else {
                let covered = plan.coversChunk(g)
                let coder = worker.coder
                try worker.withChunk { buf, file in
                    // A partly covered chunk keeps its other elements (read-modify-write);
                    // a covered edge chunk is padded with the fill value.
                    if covered { fill(buf) } else { try loadChunk(coords, coder: coder, file: &file, into: buf) }
                    plan.copy(g, chunk: buf.baseAddress!, output: input, elementSize: size, toOutput: false)
                    try coder.encode(UnsafeRawBufferPointer(buf)) { try FileIO.writeAtomically(chunkFile(coords), $0) }
                }
            }
        } catch let e as BioCubeError {
            throw e.adding(file: chunkFile(coords), variable: path)
        }
    }

    private func checkedPlan<T: ZarrScalar>(
        _ values: [T],
        _ selection: [DimensionSelection]
    ) throws -> ChunkSelectionPlan {
        let plan = try plan(for: selection, T.self)
        try checkCount(values.count, plan)
        return plan
    }

    /// Writes `values` (row-major, shaped like the selection) into the hyperslab on the
    /// calling thread. Chunks only partly covered are read, updated and rewritten.
    public func write<T: ZarrScalar>(_ values: [T], to selection: [DimensionSelection]) throws {
        let plan = try checkedPlan(values, selection)
        var worker = try makeWorker()
        try values.withUnsafeBytes { raw in
            // Only read through this pointer: writes go to the chunk buffers.
            guard let base = UnsafeMutableRawPointer(mutating: raw.baseAddress) else { return }
            for n in 0..<plan.chunkCount { try writeChunk(n, plan: plan, worker: &worker, input: base) }
        }
    }

    /// Writes `values` into the hyperslab, encoding up to `maxConcurrency` chunks in parallel.
    public func write<T: ZarrScalar>(
        _ values: [T],
        to selection: [DimensionSelection],
        maxConcurrency: Int
    ) async throws {
        let plan = try checkedPlan(values, selection)
        guard !values.isEmpty else { return }
        try await concurrentForEach(count: plan.chunkCount, maxConcurrency: maxConcurrency, makeState: makeWorker) {
            worker,
            n in
            // Each task borrows the (immutable, shared) values only for the chunk at hand.
            try values.withUnsafeBytes { raw in
                try writeChunk(
                    n,
                    plan: plan,
                    worker: &worker,
                    input: UnsafeMutableRawPointer(mutating: raw.baseAddress!)
                )
            }
        }
    }

    /// Writes the in-bounds part of one chunk (`values` shaped like that part).
    package func writeChunk<T: ZarrScalar>(_ values: [T], at coordinates: [Int]) throws {
        try write(values, to: try chunkSelection(coordinates))
    }
}

/// Decoder state kept across ``ZarrArray`` reads by one worker (see
/// ``ZarrArray/read(_:into:reusing:)``). Not shareable across tasks.
package struct ReusableChunkReader {
    var worker: ZarrArray.Worker?
    var codecs: [ZarrCodec]?
    var dataType: ZarrDataType?
    package init() {}
}
