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
    public static func store(_ sampler: BatchSampler, weighting: StepWeighting, missing: MissingValuePolicy) async throws -> BatchStatistics {
        let variables = sampler.variables, arrays = sampler.arrays, rows = sampler.rows, columns = sampler.columns
        let steps = sampler.steps
        let results = Mutex([[Entry]](repeating: [], count: variables.count))
        try await concurrentForEach(count: variables.count, maxConcurrency: sampler.maxConcurrency, makeState: { ReusableChunkReader() }) { reader, v in
            let a = arrays[v]
            let levels = a.shape.count == 4 ? a.shape[1] : 1
            let plane = rows.count * columns.count
            var stats = BatchStatistics()
            var buffer = [Float](repeating: 0, count: levels * plane)
            for t in steps {
                let weight = weighting == .steps || t == steps.lowerBound || t == steps.upperBound - 1 ? 1 : 2
                try buffer.withUnsafeMutableBufferPointer { b in
                    try a.read([.index(t)] + (levels > 1 || a.shape.count == 4 ? [.all] : []) + [.range(rows), .range(columns)], into: b, reusing: &reader)
                }
                for g in variables[v].groups {
                    var values = buffer
                    if missing == .zero && MissingValuePolicy.zeroFilledGroups.contains(g) {
                        for i in values.indices where values[i].isNaN { values[i] = 0 }
                    }
                    let shape = a.shape.count == 4 ? [1, levels, rows.count, columns.count] : [1, rows.count, columns.count]
                    stats.add(try Tensor(shape: shape, storage: values), group: g, name: variables[v].name, weight: weight)
                }
            }
            results.withLock { $0[v] = stats.entries }
        }
        // Assemble in batch order: groups in order, variables in their batch order.
        let all = results.withLock { $0 }.flatMap { $0 }
        var out = BatchStatistics()
        for g in VariableGroup.allCases {
            let members = all.filter { $0.group == g }.sorted { BatchSampler.order($0.name, in: g) < BatchSampler.order($1.name, in: g) }
            for e in members {
                var s = BatchStatistics()
                s.entries = [e]
                s.position = [e.group.rawValue + "/" + e.name: 0]
                out.merge(s)
            }
        }
        return out
    }
}
