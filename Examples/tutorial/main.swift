// The code of the tutorial "Build a Cube, Add a Modality, Train from It"
// (Sources/BioCube/BioCube.docc/BuildACubeAddAModalityTrain.md). `make docs` checks that
// every Swift block of the tutorial is in this file, and `make test` builds and runs it.
//
//   biocube sample /tmp/BioCube --start 2000-01 --end 2000-06
//   swift run tutorial /tmp/BioCube /tmp/cube.zarr /tmp/stats.json
import BioCube
import Foundation

// MARK: Step 2: a modality of your own

extension VariableGroup {
    static let terrain: VariableGroup = "terrain_variables"
}

/// Terrain height in metres from `Terrain/*.csv` files (`latitude,longitude,metres`).
struct TerrainModality: Modality {
    let path: String
    let rows: [(latitude: Double, longitude: Double, metres: Float)]
    var name: String { "terrain" }

    init(path: String) throws {
        self.path = path
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline)
        rows = try lines.dropFirst().enumerated().map { n, line in
            let f = line.split(separator: ",")
            guard f.count == 3, let la = Double(f[0]), let lo = Double(f[1]), let m = Float(f[2]) else {
                throw BioCubeError(.corruptData, "line \(n + 2) is not latitude,longitude,metres", file: path)
            }
            return (la, lo, m)
        }
    }

    func variables() throws -> [VariableDescriptor] {
        [VariableDescriptor(name: "height", groups: [.terrain], units: "m", longName: "Terrain height")]
    }

    func read(_ variable: VariableDescriptor, at step: UTCDateTime, onto grid: Grid) throws -> Tensor {
        var plane = [Float](repeating: .nan, count: grid.cellCount)
        for r in rows {
            if let c = grid.cell(latitude: r.latitude, longitude: r.longitude) {
                plane[c.row * grid.width + c.column] = r.metres
            }
        }
        return try Tensor(shape: [grid.height, grid.width], storage: plane)
    }
}

/// Claims `Terrain/*.csv`; a terrain file is valid at every step.
struct TerrainSource: ModalitySource {
    var kind: SourceKind { "terrain" }
    var patterns: [String] { ["Terrain/*.csv"] }

    func claims(relativePath: String) -> Bool {
        relativePath.hasPrefix("Terrain/") && relativePath.hasSuffix(".csv")
    }

    func open(_ file: SourceFile, context: SourceContext) async throws -> OpenedSource {
        let modality = try TerrainModality(path: file.path)
        let description = try context.describe(file, kind: kind, modality, coverage: .invariant)
        return OpenedSource(modality: modality, description: description)
    }
}

// MARK: Running the steps

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: tutorial ROOT STORE STATS\n".utf8))
    exit(2)
}
let (root, storePath, statisticsPath) = (arguments[0], arguments[1], arguments[2])

// A terrain file for the tutorial: a ramp over the Alps.
try FileManager.default.createDirectory(atPath: root + "/Terrain", withIntermediateDirectories: true)
var csv = "latitude,longitude,metres\n"
for i in 0..<20 {
    for j in 0..<20 { csv += "\(44 + 0.25 * Double(i)),\(6 + 0.25 * Double(j)),\(100 * i + 10 * j)\n" }
}
try csv.write(toFile: root + "/Terrain/alps.csv", atomically: true, encoding: .utf8)

// MARK: Step 3: build the cube

let builder = try await CubeBuilder.prepare(
    root: root,
    options: BuildOptions(storePath: storePath),
    sources: BuiltinSources.all + [TerrainSource()]
)
for problem in builder.catalog.problems where problem.severity == .error { print("problem: \(problem)") }
let summary = try await builder.run()
print("built \(summary.builtSteps) steps; complete: \(summary.complete)")

// MARK: Step 4: look at a batch

let sampler = try BatchSampler(storePath: storePath)
let batch = try await sampler.batch(at: 0)
print("groups: \(batch.groups.map(\.group.rawValue).joined(separator: ", "))")
if let height = batch.tensor(.terrain, "height") {
    print("terrain height: shape \(height.shape), max \(height.storage.filter { !$0.isNaN }.max() ?? .nan) m")
}

// MARK: Step 5: statistics for training

let statistics = try await BatchStatistics.store(sampler, weighting: .windows, missing: .zero)
try statistics.write(to: statisticsPath)
print("statistics: \(statisticsPath)")
