// A modality defined outside BioCube: a static elevation field read from
// `Elevation/*.csv` (`latitude,longitude,elevation_m`), built into one store with the
// built-in sources and exported as the standard bfm-model batches, in a variable group of
// its own (`terrain_variables`, after the twelve published groups).
//
//   swift run custom-modality BioCube cube.zarr batches/
import BioCube
import Foundation

extension VariableGroup {
    /// This example's own group: any `<name>_variables` of lower-case letters, digits and underscores.
    static let terrain: VariableGroup = "terrain_variables"
}

/// Elevation in metres per grid cell: the same plane at every step; NaN where no row falls.
struct ElevationModality: Modality {
    let rows: [(latitude: Double, longitude: Double, metres: Float)]
    var name: String { "elevation" }

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        rows = try text.split(whereSeparator: \.isNewline).enumerated().dropFirst().map { n, line in
            let f = line.split(separator: ",")
            guard f.count == 3, let la = Double(f[0]), let lo = Double(f[1]), let m = Float(f[2]) else {
                throw BioCubeError(.corruptData, "\(path): line \(n + 1) is not latitude,longitude,elevation_m")
            }
            return (la, lo, m)
        }
    }

    func variables() throws -> [VariableDescriptor] {
        [VariableDescriptor(name: "elevation", groups: [.terrain], units: "m", longName: "Terrain elevation")]
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

/// Claims `Elevation/*.csv` under the scanned root.
struct ElevationSource: ModalitySource {
    var kind: SourceKind { "elevation" }
    var patterns: [String] { ["Elevation/*.csv"] }

    func claims(relativePath: String) -> Bool {
        let parts = relativePath.split(separator: "/")
        return parts.count >= 2 && parts[parts.count - 2] == "Elevation" && relativePath.hasSuffix(".csv")
    }

    func open(_ file: SourceFile, context: SourceContext) async throws -> OpenedSource {
        let modality = try ElevationModality(path: file.path)
        // A static field: valid at every step; the time axis comes from the other sources.
        let description = try context.describe(file, kind: kind, modality, coverage: .invariant)
        return OpenedSource(modality: modality, description: description)
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: custom-modality ROOT STORE OUT\n".utf8))
    exit(2)
}
do {
    let builder = try await CubeBuilder.prepare(
        root: arguments[0],
        options: BuildOptions(storePath: arguments[1]),
        sources: BuiltinSources.all + [ElevationSource()]
    )
    _ = try await builder.run()
    let sampler = try BatchSampler(storePath: arguments[1])
    let summary = try await BatchExport(
        sampler: sampler,
        exporter: TorchExporter(),
        directory: arguments[2],
        missing: .zero
    ).run()
    print(
        "custom-modality: \(builder.variables.count) variables (elevation among them) in \(arguments[1]); "
            + "\(summary.written) batches → \(arguments[2])"
    )
} catch {
    FileHandle.standardError.write(Data("custom-modality: error: \(error)\n".utf8))
    exit(1)
}
