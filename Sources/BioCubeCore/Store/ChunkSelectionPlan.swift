/// Maps a hyperslab selection onto the chunks it touches: for each touched chunk, which
/// of its elements go to which output positions. Computed once per read or write.
struct ChunkSelectionPlan: Sendable {
    /// One dimension's selected indices that fall into one chunk along that dimension.
    struct Group: Sendable {
        let chunk: Int
        /// Contiguous runs: output start, in-chunk start, length.
        let runs: [(out: Int, inChunk: Int, length: Int)]
        /// Number of selected indices in the group.
        let count: Int
    }

    let outputShape: [Int]
    let chunkShape: [Int]
    let arrayShape: [Int]
    /// Per dimension, the groups of selected indices by chunk.
    let groups: [[Group]]

    init(selection: [DimensionSelection], metadata: ArrayMetadata, context: String) throws {
        let rank = metadata.shape.count
        guard selection.count == rank else {
            throw BioCubeError(
                .invalidArgument,
                "\(context): selection has \(selection.count) dimensions, the array \(rank)"
            )
        }
        var outputShape: [Int] = []
        var groups: [[Group]] = []
        for d in 0..<rank {
            let idx = try selection[d].resolve(size: metadata.shape[d], dimension: d, context: context)
            outputShape.append(idx.count)
            let c = metadata.chunkShape[d]
            // Bucket output positions by chunk, keeping output order within a chunk.
            var byChunk: [Int: [(Int, Int)]] = [:]
            for (o, i) in idx.enumerated() { byChunk[i / c, default: []].append((o, i % c)) }
            groups.append(
                byChunk.keys.sorted().map { k in
                    let pairs = byChunk[k]!
                    var runs: [(out: Int, inChunk: Int, length: Int)] = []
                    for (o, i) in pairs {
                        if let last = runs.last, last.out + last.length == o, last.inChunk + last.length == i {
                            runs[runs.count - 1].length += 1
                        } else {
                            runs.append((o, i, 1))
                        }
                    }
                    return Group(chunk: k, runs: runs, count: pairs.count)
                }
            )
        }
        self.outputShape = outputShape
        self.chunkShape = metadata.chunkShape
        self.arrayShape = metadata.shape
        self.groups = groups
    }

    /// The number of touched chunks.
    var chunkCount: Int { groups.reduce(1) { $0 * $1.count } }

    /// The group index per dimension of touched chunk number `n` (row-major).
    func groupIndices(_ n: Int) -> [Int] {
        var rem = n
        var out = [Int](repeating: 0, count: groups.count)
        for d in stride(from: groups.count - 1, through: 0, by: -1) {
            out[d] = rem % groups[d].count
            rem /= groups[d].count
        }
        return out
    }

    /// Whether the selection covers every in-bounds element of the chunk.
    func coversChunk(_ g: [Int]) -> Bool {
        for d in 0..<groups.count {
            let group = groups[d][g[d]]
            let inBounds = min(chunkShape[d], arrayShape[d] - group.chunk * chunkShape[d])
            // Duplicated indices could inflate the count; require one run spanning the chunk.
            guard group.runs.count == 1, group.runs[0].inChunk == 0, group.runs[0].length == inBounds else {
                return false
            }
        }
        return true
    }

    /// When the chunk's whole buffer is one contiguous block of the output, its element offset.
    func contiguousOutputOffset(_ g: [Int]) -> Int? {
        guard coversChunk(g) else { return nil }
        var offset = 0
        var step = 1
        for d in stride(from: groups.count - 1, through: 0, by: -1) {
            let group = groups[d][g[d]]
            // The chunk must be fully in bounds and, below the first dimension, span the output.
            guard group.runs[0].length == chunkShape[d] else { return nil }
            if d > 0 && outputShape[d] != chunkShape[d] { return nil }
            offset += group.runs[0].out * step
            step *= outputShape[d]
        }
        return offset
    }

    /// The chunk coordinates of touched chunk `g`.
    func chunkCoordinates(_ g: [Int]) -> [Int] { (0..<groups.count).map { groups[$0][g[$0]].chunk } }

    /// Copies the selected elements between a full chunk buffer and the output buffer.
    /// `toOutput` true: chunk → output (read); false: output → chunk (write).
    func copy(
        _ g: [Int],
        chunk: UnsafeMutableRawPointer,
        output: UnsafeMutableRawPointer,
        elementSize: Int,
        toOutput: Bool
    ) {
        let rank = groups.count
        var chunkStrides = [Int](repeating: elementSize, count: rank)
        var outStrides = [Int](repeating: elementSize, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) {
            chunkStrides[d] = chunkStrides[d + 1] * chunkShape[d + 1]
            outStrides[d] = outStrides[d + 1] * outputShape[d + 1]
        }
        let selected = (0..<rank).map { groups[$0][g[$0]] }
        func recurse(_ d: Int, _ chunkOffset: Int, _ outOffset: Int) {
            let group = selected[d]
            if d == rank - 1 {
                for run in group.runs {
                    let c = chunk + chunkOffset + run.inChunk * elementSize
                    let o = output + outOffset + run.out * elementSize
                    if toOutput {
                        o.copyMemory(from: c, byteCount: run.length * elementSize)
                    } else {
                        c.copyMemory(from: o, byteCount: run.length * elementSize)
                    }
                }
                return
            }
            for run in group.runs {
                for k in 0..<run.length {
                    recurse(
                        d + 1,
                        chunkOffset + (run.inChunk + k) * chunkStrides[d],
                        outOffset + (run.out + k) * outStrides[d]
                    )
                }
            }
        }
        recurse(0, 0, 0)
    }
}
