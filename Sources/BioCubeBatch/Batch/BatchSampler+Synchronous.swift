package import BioCubeCore

extension BatchSampler {
    /// Reads window `i` without Swift concurrency or libdispatch: the variables are decoded
    /// on at most `threads` POSIX threads that end before this returns, so a host process
    /// may fork between two calls (a PyTorch `DataLoader` does). `rows` and `columns` cut
    /// the window to a part of the sampler's grid (indices into ``grid``; all by default);
    /// the batch's latitudes and longitudes are cut with it.
    ///
    /// - Throws: `BioCubeError` when `i` or the part is out of range, or a chunk cannot be read.
    package func readBatch(
        at i: Int,
        rows: Range<Int>? = nil,
        columns: Range<Int>? = nil,
        threads: Int = 1
    ) throws
        -> Batch
    {
        let part = try self.part(window: i, rows: rows, columns: columns)
        let used = Array(Set(members.map(\.variable))).sorted()
        let out = Locked([[Float]](repeating: [], count: arrays.count))
        let t = steps.lowerBound + i
        try forkSafeForEach(count: used.count, threads: threads, makeState: ReusableChunkReader.init) {
            [self] reader, k in
            let v = used[k]
            let values = try readVariable(
                v,
                t,
                count: 2,
                rows: part.storeRows,
                columns: part.storeColumns,
                continuing: nil,
                reusing: &reader
            )
            out.withLock { $0[v] = values }
        }
        return try assemble(i, out.withLock { $0 }, on: part.grid)
    }

    /// Window `i`'s part `rows` × `columns` of ``grid`` (all by default), checked: its grid
    /// and its indices on the store's grid.
    func part(
        window i: Int,
        rows: Range<Int>?,
        columns: Range<Int>?
    ) throws -> (
        grid: Grid, storeRows: Range<Int>, storeColumns: Range<Int>
    ) {
        guard (0..<count).contains(i) else {
            throw BioCubeError(.invalidArgument, "window \(i) is outside 0..<\(count)", file: storePath)
        }
        let rows = rows ?? 0..<grid.height
        let columns = columns ?? 0..<grid.width
        guard rows.lowerBound >= 0, rows.upperBound <= grid.height, !rows.isEmpty,
            columns.lowerBound >= 0, columns.upperBound <= grid.width, !columns.isEmpty
        else {
            throw BioCubeError(
                .invalidArgument,
                "rows \(rows) × columns \(columns) are not inside the \(grid.height) × \(grid.width) grid",
                file: storePath
            )
        }
        let r0 = self.rows.lowerBound
        let c0 = self.columns.lowerBound
        return (
            grid.subgrid(latitudes: rows, longitudes: columns), (r0 + rows.lowerBound)..<(r0 + rows.upperBound),
            (c0 + columns.lowerBound)..<(c0 + columns.upperBound)
        )
    }

    /// Reads window `i`'s part straight into one caller buffer per member (``members``
    /// order; member `m`'s buffer holds its `(2, [L,] H, W)` floats), on at most `threads`
    /// POSIX threads that end before this returns. A variable used by several members (`t2m`
    /// in two groups) is decoded once and copied. `finish(m, buffer)` then runs on each
    /// member's buffer, on the thread that filled it (the missing-value policy and the
    /// normalisation, in place). `readers` keeps the decoders between calls.
    ///
    /// - Throws: `BioCubeError` when the window, the part or a buffer's size is wrong, a chunk
    ///   cannot be read, or `finish` throws.
    package func readMembers(
        at i: Int,
        rows: Range<Int>? = nil,
        columns: Range<Int>? = nil,
        threads: Int = 1,
        into buffers: [UnsafeMutableBufferPointer<Float>],
        readers: ChunkReaderPool? = nil,
        finish: @escaping @Sendable (Int, UnsafeMutableBufferPointer<Float>) throws -> Void
    ) throws {
        let part = try self.part(window: i, rows: rows, columns: columns)
        guard buffers.count == members.count else {
            throw BioCubeError(
                .invalidArgument,
                "\(buffers.count) buffers for \(members.count) variables",
                file: storePath
            )
        }
        let cells = part.grid.height * part.grid.width
        for (m, member) in members.enumerated() {
            let wanted = 2 * selectedLevelCount(arrays[member.variable]) * cells
            guard buffers[m].count == wanted else {
                throw BioCubeError(
                    .invalidArgument,
                    "the buffer of \(member.group.rawValue)/\(variables[member.variable].name) holds \(buffers[m].count) values, the window \(wanted)",
                    file: storePath
                )
            }
        }
        // Members by variable, the first one decoded into.
        var byVariable: [Int: [Int]] = [:]
        for (m, member) in members.enumerated() { byVariable[member.variable, default: []].append(m) }
        let work = byVariable.keys.sorted {
            (arrays[$0].shape.dropFirst().reduce(1, *), $1) > (arrays[$1].shape.dropFirst().reduce(1, *), $0)
        }.map { byVariable[$0]! }
        let shared = buffers.map { SharedBuffer(UnsafeMutableRawPointer($0.baseAddress!)) }
        let counts = buffers.map(\.count)
        let t = steps.lowerBound + i
        let takeReader: @Sendable () -> ReusableChunkReader = { readers?.take() ?? ReusableChunkReader() }
        let giveReader: @Sendable (consuming ReusableChunkReader) -> Void = { readers?.give($0) }
        try forkSafeForEach(count: work.count, threads: threads, makeState: takeReader, endState: giveReader) {
            [self] reader, k in
            let group = work[k]
            let first = group[0]
            let a = arrays[members[first].variable]
            let n = counts[first] / 2
            let target = shared[first].base.assumingMemoryBound(to: Float.self)
            for s in 0..<2 {
                try a.read(
                    [.index(t + s)] + levelSelection(a) + [.range(part.storeRows), .range(part.storeColumns)],
                    into: UnsafeMutableBufferPointer(start: target + s * n, count: n),
                    reusing: &reader
                )
            }
            // Copies first: `finish` changes the values in place.
            let targets = group.map {
                UnsafeMutableBufferPointer(
                    start: shared[$0].base.assumingMemoryBound(to: Float.self),
                    count: counts[$0]
                )
            }
            for p in targets.dropFirst() { p.baseAddress!.update(from: target, count: p.count) }
            for (m, p) in zip(group, targets) { try finish(m, p) }
        }
    }

    /// Zeros for each variable of the batches over `height` × `width` cells (one shared array
    /// per size, empty for unused variables): with ``assemble(_:_:on:)``, what an item looks
    /// like without reading data.
    package func placeholderZeros(height: Int, width: Int) throws -> [[Float]] {
        guard height > 0, width > 0, height <= grid.height, width <= grid.width else {
            throw BioCubeError(
                .invalidArgument,
                "a \(height) × \(width) part does not fit the \(grid.height) × \(grid.width) grid",
                file: storePath
            )
        }
        let used = Set(members.map(\.variable))
        var shared: [Int: [Float]] = [:]
        return arrays.indices.map { v in
            guard used.contains(v) else { return [] }
            let n = 2 * selectedLevelCount(arrays[v]) * height * width
            if let z = shared[n] { return z }
            let z = [Float](repeating: 0, count: n)
            shared[n] = z
            return z
        }
    }

    /// The pressure levels of the store's level variables (all of them, in store order).
    package var storeLevels: [Double]? { variables.first { $0.levels != nil }?.levels }

    /// Whether every selected variable has valid cells at both steps of window `i`, by the
    /// coverage the build recorded in each array's attributes (`coverage.valid_cells`).
    /// Variables without a recorded coverage count as complete.
    package func windowIsComplete(_ i: Int) -> Bool {
        let t = steps.lowerBound + i
        for v in Set(members.map(\.variable)) {
            guard let cells = arrays[v].metadata.attributes["coverage"]?["valid_cells"]?.arrayValue else { continue }
            for s in [t, t + 1] where s < cells.count {
                if let n = cells[s].doubleValue, n == 0 { return false }
            }
        }
        return true
    }
}
