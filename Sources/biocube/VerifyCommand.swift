import ArgumentParser
import Foundation
import BioCube

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Check batch files (.pt, .safetensors) and stores against the batch contract; print every tensor's statistics.",
        discussion: "Exits with status 1 and a precise message for the first file that breaks the contract.")

    @Argument(help: "Batch files and/or store folders.")
    var paths: [String]
    @Option(
        help:
            "A selection file (or a build config with a select section) the batches must match; for stores, every selected variable, species and level must be stored."
    )
    var selection: String?

    func run() async throws {
        try await reportingErrors {
            let wanted = try selection.map(VariableSelection.load(path:))
            var failures = 0
            for path in paths {
                do {
                    if FileManager.default.fileExists(atPath: path + "/zarr.json") {
                        try await verifyStore(path, wanted)
                    } else {
                        try verifyBatch(path, wanted)
                    }
                } catch let e as BioCubeError {
                    failures += 1
                    print("FAIL \(path): \(e.message)")
                }
            }
            if failures > 0 {
                print("\(failures) of \(paths.count) path(s) break the contract")
                throw ExitCode(1)
            }
            print("verify: \(paths.count) path(s) follow the batch contract")
        }
    }

    func line(_ name: String, _ shape: [Int], _ dtype: String, _ m: RunningMoments) -> String {
        let all = Double(max(1, m.count + m.nanCount + m.infinityCount))
        let range = m.min.map { String(format: "%.6g … %.6g", $0, m.max!) } ?? "no values"
        return "  " + name.padding(toLength: 36, withPad: " ", startingAt: 0) + " "
            + "\(shape)".padding(toLength: 18, withPad: " ", startingAt: 0)
            + " \(dtype)"
            + String(
                format: "  NaN %5.1f%%  Inf %4.1f%%  mean %-11.5g std %-11.5g ", 100 * Double(m.nanCount) / all,
                100 * Double(m.infinityCount) / all, m.mean, m.standardDeviation) + range
    }

    func verifyBatch(_ path: String, _ wanted: VariableSelection?) throws {
        let batch = try BatchFileReader.read(path: path)
        let m = batch.metadata
        print(
            "\(path): \(m.timestampStrings.joined(separator: " → ")), grid \(m.latitudes.count)×\(m.longitudes.count), "
                + "\(m.pressureLevels?.count ?? 0) levels, \(m.speciesList?.count ?? 0) species")
        for (g, v) in batch.allVariables {
            var s = RunningMoments()
            s.add(v.tensor.storage)
            print(line("\(g.rawValue).\(v.name)", v.tensor.shape, "float32", s))
        }
        let violations = batch.contractViolations + (wanted.map(batch.selectionViolations) ?? [])
        if !violations.isEmpty { throw BioCubeError(.invalidMetadata, violations.joined(separator: "; ")) }
    }

    func verifyStore(_ path: String, _ wanted: VariableSelection?) async throws {
        let store = try CubeStore.open(at: path)
        let attrs = try store.attributes(of: "")
        guard attrs["complete"] == .bool(true) else {
            throw BioCubeError(.invalidMetadata, "the build is not complete")
        }
        let sampler = try BatchSampler(storePath: path, selection: wanted)
        let grid = sampler.grid, time = sampler.time
        print(
            "\(path): \(sampler.variables.count) variables, \(time.count) steps \(time.start.dateString) … \(time.end.dateString), grid \(grid.height)×\(grid.width)"
        )
        for v in sampler.variables {
            let a = try store.openArray(v.path)
            let expected = [time.count] + (v.levels.map { [$0.count] } ?? []) + [grid.height, grid.width]
            guard a.shape == expected else {
                throw BioCubeError(.invalidMetadata, "\(v.path) has shape \(a.shape), the coordinates say \(expected)")
            }
            var s = RunningMoments()
            for t in 0..<time.count {
                s.add(
                    try a.read(
                        [.index(t)] + Array(repeating: DimensionSelection.all, count: a.shape.count - 1), as: Float.self
                    ))
            }
            print(line(v.path, a.shape, "float32", s))
        }
        if let levels = sampler.pressureLevels {
            let p = try store.openArray("pressure_level").read([.all], as: Double.self)
            guard p == levels else {
                throw BioCubeError(.invalidMetadata, "pressure_level \(p) differs from the variables' levels \(levels)")
            }
        }
    }
}
