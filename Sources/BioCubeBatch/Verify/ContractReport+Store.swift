import BioCubeCore
import Synchronization

extension ContractReport {
    static func store(_ path: String, _ selection: VariableSelection?) async throws -> ContractReport {
        let store = try CubeStore.open(at: path)
        guard try store.attributes(of: "")["complete"] == .bool(true) else {
            return ContractReport(
                path: path, kind: .store, summary: "an unfinished build", entries: [],
                violations: ["the build is not complete (attribute \"complete\" is not true): rerun biocube build"])
        }
        // The sampler checks that every selected variable, species and level is stored.
        let sampler = try BatchSampler(storePath: path, selection: selection)
        let grid = sampler.grid, time = sampler.time
        let summary =
            "\(sampler.variables.count) variables, \(time.count) steps \(time.start.dateString) … "
            + "\(time.end.dateString), grid \(grid.height)×\(grid.width)"
        let variables = sampler.variables
        let found = Mutex([(Int, Entry?, String?)]())
        try await concurrentForEach(
            count: variables.count, maxConcurrency: sampler.maxConcurrency, makeState: { ReusableChunkReader() }
        ) { reader, i in
            let v = variables[i]
            let a = try store.openArray(v.path)
            let expected = [time.count] + (v.levels.map { [$0.count] } ?? []) + [grid.height, grid.width]
            guard a.shape == expected else {
                found.withLock {
                    $0.append((i, nil, "\(v.path) has shape \(a.shape), the coordinates say \(expected)"))
                }
                return
            }
            var s = RunningMoments()
            var buffer = [Float](repeating: 0, count: a.shape.dropFirst().reduce(1, *))
            let rest = Array(repeating: DimensionSelection.all, count: a.shape.count - 1)
            for t in 0..<time.count {
                try buffer.withUnsafeMutableBufferPointer { b in
                    try a.read([.index(t)] + rest, into: b, reusing: &reader)
                }
                s.add(buffer)
            }
            let entry = Entry(name: v.path, shape: a.shape, s)
            found.withLock { $0.append((i, entry, nil)) }
        }
        let ordered = found.withLock { $0 }.sorted { $0.0 < $1.0 }
        var violations = ordered.compactMap(\.2)
        if let levels = sampler.pressureLevels {
            let p = try store.openArray("pressure_level").read([.all], as: Double.self)
            if p != levels { violations.append("pressure_level \(p) differs from the variables' levels \(levels)") }
        }
        return ContractReport(
            path: path, kind: .store, summary: summary, entries: ordered.compactMap(\.1), violations: violations)
    }
}
