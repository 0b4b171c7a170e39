import BioCubeCore
import Synchronization

extension BatchStatistics {
    /// How store steps are weighted.
    public enum StepWeighting: String, Sendable, CaseIterable {
        /// Every step once.
        case steps
        /// As the exported windows see them: a step inside the range belongs to two
        /// windows and counts twice, the first and last step once. The result equals the
        /// statistics over the exported batches (with the same missing-value policy).
        case windows
    }

    /// Statistics straight from a store, reading each step of each variable once (variables
    /// in parallel), over the sampler's steps and region. `missing` applies the export
    /// policy first (`.zero` for numbers that match `.pt` exports).
    public static func store(
        _ sampler: BatchSampler,
        weighting: StepWeighting,
        missing: MissingValuePolicy
    ) async throws -> BatchStatistics {
        let variables = sampler.variables
        let arrays = sampler.arrays
        let rows = sampler.rows
        let columns = sampler.columns
        let steps = sampler.steps
        let members = sampler.members
        let used = Array(Set(members.map(\.variable))).sorted()
        let results = Locked([Int: [Entry]]())
        try await concurrentForEach(
            count: used.count,
            maxConcurrency: sampler.maxConcurrency,
            makeState: ReusableChunkReader.init
        ) { reader, k in
            let v = used[k]
            let a = arrays[v]
            let levels = sampler.selectedLevelCount(a)
            let plane = rows.count * columns.count
            var stats = BatchStatistics()
            var buffer = [Float](repeating: 0, count: levels * plane)
            let groups = members.filter { $0.variable == v }.map(\.group)
            for t in steps {
                let weight = weighting == .steps ? 1 : TimeAxis.windowsHolding(step: t, in: steps)
                try buffer.withUnsafeMutableBufferPointer { b in
                    try a.read(
                        [.index(t)] + sampler.levelSelection(a) + [.range(rows), .range(columns)],
                        into: b,
                        reusing: &reader
                    )
                }
                for g in groups {
                    var values = buffer
                    if missing == .zero && MissingValuePolicy.zeroFilledGroups.contains(g) {
                        for i in values.indices where values[i].isNaN { values[i] = 0 }
                    }
                    let shape =
                        a.shape.count == 4 ? [1, levels, rows.count, columns.count] : [1, rows.count, columns.count]
                    stats.add(
                        try Tensor(shape: shape, storage: values),
                        group: g,
                        name: variables[v].name,
                        weight: weight
                    )
                }
            }
            results.withLock { $0[v] = stats.entries }
        }
        // Assemble in batch order.
        let all = results.withLock { $0 }
        var out = BatchStatistics()
        for (g, v) in members {
            guard let e = all[v]?.first(where: { $0.group == g }) else { continue }
            var s = BatchStatistics()
            s.entries = [e]
            s.position = [e.group.rawValue + "/" + e.name: 0]
            out.merge(s)
        }
        out.pressureLevels = sampler.pressureLevels
        return out
    }
}
