import BioCubeCore

extension BatchSampler {
    /// Reads window `i` without Swift concurrency or libdispatch: the variables are decoded
    /// on at most `threads` POSIX threads that end before this returns, so a host process
    /// may fork between two calls (a PyTorch `DataLoader` does). `rows` and `columns` cut
    /// the window to a part of the sampler's grid (indices into ``grid``; all by default);
    /// the batch's latitudes and longitudes are cut with it.
    ///
    /// - Throws: `BioCubeError` when `i` or the part is out of range, or a chunk cannot be read.
    package func readBatch(
        at i: Int, rows: Range<Int>? = nil, columns: Range<Int>? = nil, threads: Int = 1
    ) throws
        -> Batch
    {
        guard (0..<count).contains(i) else {
            throw BioCubeError(.invalidArgument, "window \(i) is outside 0..<\(count)", file: storePath)
        }
        let part = (rows: rows ?? 0..<grid.height, columns: columns ?? 0..<grid.width)
        guard part.rows.lowerBound >= 0, part.rows.upperBound <= grid.height, !part.rows.isEmpty,
            part.columns.lowerBound >= 0, part.columns.upperBound <= grid.width, !part.columns.isEmpty
        else {
            throw BioCubeError(
                .invalidArgument,
                "rows \(part.rows) × columns \(part.columns) are not inside the \(grid.height) × \(grid.width) grid",
                file: storePath)
        }
        // Indices of the part on the store's grid.
        let storeRows = (self.rows.lowerBound + part.rows.lowerBound)..<(self.rows.lowerBound + part.rows.upperBound)
        let storeColumns =
            (self.columns.lowerBound + part.columns.lowerBound)..<(self.columns.lowerBound + part.columns.upperBound)
        let used = Array(Set(members.map(\.variable))).sorted()
        let out = Locked([[Float]](repeating: [], count: arrays.count))
        let t = steps.lowerBound + i
        try forkSafeForEach(count: used.count, threads: threads, makeState: { ReusableChunkReader() }) {
            [self] reader, k in
            let v = used[k]
            let values = try readVariable(
                v, t, count: 2, rows: storeRows, columns: storeColumns, continuing: nil, reusing: &reader)
            out.withLock { $0[v] = values }
        }
        return try assemble(
            i, out.withLock { $0 }, on: grid.subgrid(latitudes: part.rows, longitudes: part.columns))
    }

    /// A batch of window 0's shape and metadata over the first `height` × `width` cells of
    /// the grid, holding zeros: what an item will look like, without reading data.
    package func placeholderBatch(height: Int, width: Int) throws -> Batch {
        guard height > 0, width > 0, height <= grid.height, width <= grid.width else {
            throw BioCubeError(
                .invalidArgument, "a \(height) × \(width) part does not fit the \(grid.height) × \(grid.width) grid",
                file: storePath)
        }
        var zeros = [[Float]](repeating: [], count: arrays.count)
        for v in Set(members.map(\.variable)) {
            zeros[v] = [Float](repeating: 0, count: 2 * selectedLevelCount(arrays[v]) * height * width)
        }
        return try assemble(0, zeros, on: grid.subgrid(latitudes: 0..<height, longitudes: 0..<width))
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
