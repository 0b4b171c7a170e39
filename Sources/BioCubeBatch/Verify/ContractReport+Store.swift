import BioCubeCore
import Synchronization

extension ContractReport {
    static func store(_ path: String, _ selection: VariableSelection?) async throws -> ContractReport {
        let store = try CubeStore.open(at: path)
        guard try store.attributes(of: "")["complete"] == .bool(true) else {
            return ContractReport(
                path: path,
                kind: .store,
                summary: "an unfinished build",
                entries: [],
                violations: ["the build is not complete (attribute \"complete\" is not true): rerun biocube build"]
            )
        }
        // The sampler checks that every selected variable, species and level is stored.
        let sampler = try BatchSampler(storePath: path, selection: selection)
        let grid = sampler.grid
        let time = sampler.time
        let summary =
            "\(sampler.variables.count) variables, \(time.count) steps \(time.start.dateString) … "
            + "\(time.end.dateString), grid \(grid.height)×\(grid.width)"
        let variables = sampler.variables
        let found = Locked([(Int, Entry?, [String])]())
        try await concurrentForEach(
            count: variables.count,
            maxConcurrency: sampler.maxConcurrency,
            makeState: ReusableChunkReader.init
        ) { reader, i in
            let v = variables[i]
            let a = try store.openArray(v.path)
            let expected = [time.count] + (v.levels.map { [$0.count] } ?? []) + [grid.height, grid.width]
            guard a.shape == expected else {
                found.withLock {
                    $0.append((i, nil, ["\(v.path) has shape \(a.shape), the coordinates say \(expected)"]))
                }
                return
            }
            let recorded = a.metadata.attributes["coverage"]?["valid_cells"]?.arrayValue?.compactMap {
                $0.intValue.map(Int.init)
            }
            var problems = ChunkProblems(variable: v.path)
            if recorded == nil {
                problems.add("\(v.path) records no coverage (attribute coverage.valid_cells): rebuild the store")
            } else if recorded!.count != time.count {
                problems.add("\(v.path) records coverage for \(recorded!.count) steps, the time axis has \(time.count)")
            }
            var s = RunningMoments()
            var buffer = [Float](repeating: 0, count: a.shape.dropFirst().reduce(1, *))
            let rest = Array(repeating: DimensionSelection.all, count: a.shape.count - 1)
            let origin = Array(repeating: 0, count: a.shape.count - 1)
            for t in 0..<time.count {
                // A missing chunk would read as the fill value: NaN everywhere, indistinguishable from no data.
                guard a.chunkExists([t] + origin) else {
                    problems.add("step \(t) (\(time[t].dateString)): chunk \(a.chunkFile([t] + origin)) is missing")
                    continue
                }
                do {
                    try buffer.withUnsafeMutableBufferPointer { b in
                        try a.read([.index(t)] + rest, into: b, reusing: &reader)
                    }
                } catch let e as BioCubeError {
                    problems.add("step \(t) (\(time[t].dateString)): \(e.file.map { "\($0): " } ?? "")\(e.message)")
                    continue
                }
                let before = s.count
                s.add(buffer)
                if let r = recorded, t < r.count, r[t] != s.count - before {
                    problems.add(
                        "step \(t) (\(time[t].dateString)): \(s.count - before) valid cells, the build recorded \(r[t])"
                    )
                }
            }
            let entry = Entry(name: v.path, shape: a.shape, s)
            found.withLock { $0.append((i, entry, problems.lines)) }
        }
        let ordered = found.withLock { $0 }.sorted { $0.0 < $1.0 }
        var violations = ordered.flatMap(\.2)
        violations += try coordinateViolations(store, grid: grid, time: time)
        if let levels = sampler.pressureLevels {
            let p = try store.openArray("pressure_level").read([.all], as: Double.self)
            if p != levels { violations.append("pressure_level \(p) differs from the variables' levels \(levels)") }
        }
        return ContractReport(
            path: path,
            kind: .store,
            summary: summary,
            entries: ordered.compactMap(\.1),
            violations: violations
        )
    }

    /// The coordinate arrays must hold what the root attributes (which batches are cut by) say.
    static func coordinateViolations(_ store: CubeStore, grid: Grid, time: TimeAxis) throws -> [String] {
        var violations: [String] = []
        func check<T: ZarrScalar & Equatable>(_ name: String, _ expected: [T], _ show: (T) -> String) {
            let stored: [T]
            do {
                stored = try store.openArray(name).read([.all], as: T.self)
            } catch let e as BioCubeError {
                violations.append("coordinate \(name): \(e.message)")
                return
            } catch {
                violations.append("coordinate \(name): \(error)")
                return
            }
            guard stored.count == expected.count else {
                violations.append("coordinate \(name) holds \(stored.count) values, the root says \(expected.count)")
                return
            }
            if let k = stored.indices.first(where: { stored[$0] != expected[$0] }) {
                violations.append(
                    "coordinate \(name)[\(k)] is \(show(stored[k])), the root attributes say \(show(expected[k]))"
                )
            }
        }
        check("latitude", grid.latitude.values) { "\($0)" }
        check("longitude", grid.longitude.values) { "\($0)" }
        check("time", time.secondsSince1970) { UTCDateTime(secondsSince1970: $0).description }
        return violations
    }
}

/// The damage found in one array, at most `limit` lines and then a count of the rest.
private struct ChunkProblems {
    let variable: String
    var shown: [String] = []
    var more = 0
    let limit = 5

    mutating func add(_ line: String) {
        if shown.count < limit { shown.append("\(variable): \(line)") } else { more += 1 }
    }

    var lines: [String] { more == 0 ? shown : shown + ["\(variable): … and \(more) more damaged step(s)"] }
}
