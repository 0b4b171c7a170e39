import ArgumentParser
import BioCube
import BioCubeViewer
import Foundation

struct ViewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "view",
        abstract: "Render a batch variable as a PNG map: both time steps, a shared colour bar, coastlines from lsm.",
        discussion: """
              biocube view batches/batch_2000-01-01_to_2000-02-01.pt --group atmospheric_variables --variable t --level 850 --out t850.png
              biocube view cube.zarr --window 5 --variable t2m --out t2m.png
              biocube view --html viewer.html cube.zarr      (interactive page + viewer_files/, no network needed)
            """
    )

    @Argument(
        help:
            "A .pt or .safetensors batch, or a store (then --window picks the window); with --html a store or a folder of batches."
    )
    var input: String
    @Option(help: "Window index when the input is a store.")
    var window: Int = 0
    @Option(help: "Batch group (default: the first group holding the variable).")
    var group: String?
    @Option(help: "Variable name (PNG maps).")
    var variable: String?
    @Option(help: "Pressure level in hPa for level variables (default: the first level).")
    var level: Double?
    @Option(help: "Pixels per grid cell.")
    var scale: Int = 3
    @Option(help: "Output PNG file.")
    var out: String?
    @Option(help: "Write an interactive HTML viewer of a store to this file (data files go to <name>_files/).")
    var html: String?
    @Option(help: "HTML viewer: keep every n-th row and column.")
    var stride: Int = 2

    func run() async throws {
        try await reportingErrors {
            if let html {
                let viewer = HTMLViewer(stride: stride)
                let report: (Int, Int) -> Void = { done, total in
                    if done == total || done % 25 == 0 { print("  \(done)/\(total) steps") }
                }
                let bytes: Int
                let windows: Int
                if CubeStore.isStore(at: input) {
                    let sampler = try BatchSampler(storePath: input, selection: .everything)
                    bytes = try await viewer.write(sampler: sampler, to: html, progress: report)
                    windows = sampler.count
                } else {
                    let files: [String]
                    do { files = try BatchFileReader.batchFiles(in: input) } catch let e as BioCubeError {
                        throw BioCubeError(
                            e.code,
                            "neither a store nor a folder of .pt/.safetensors batches (\(e.message))",
                            file: input
                        )
                    }
                    bytes = try await viewer.write(
                        batchFiles: files.map { input + "/" + $0 },
                        to: html,
                        progress: report
                    )
                    windows = files.count
                }
                print(
                    String(
                        format: "view: %d windows → %@ (+ data files, %.1f MiB in all)",
                        windows,
                        html,
                        Double(bytes) / 1_048_576
                    )
                )
                return
            }
            guard let variable, let out else {
                throw BioCubeError(.invalidArgument, "give --variable and --out (or --html OUT.html)")
            }
            let batch: Batch
            var units: String? = nil
            if CubeStore.isStore(at: input) {
                let sampler = try BatchSampler(storePath: input, selection: .everything)
                batch = try await sampler.batch(at: window)
                units = sampler.variables.first { $0.name == variable }?.units
            } else {
                batch = try BatchFileReader.read(path: input)
            }
            let g: VariableGroup
            if let group {
                g = try VariableGroup(validating: group)
            } else {
                guard let x = batch.groups.first(where: { $0.variables.contains { $0.name == variable } })?.group else {
                    throw BioCubeError(.notFound, "no variable '\(variable)' in \(input)")
                }
                g = x
            }
            let image = try MapRenderer(scale: scale).render(
                batch,
                group: g,
                variable: variable,
                level: level,
                units: units
            )
            try Data(try image.png()).write(to: URL(fileURLWithPath: out), options: .atomic)
            print(
                "view: \(g.rawValue)/\(variable)\(level.map { " at \(Int($0)) hPa" } ?? "") \(batch.metadata.timestampStrings.joined(separator: " / ")) → \(out) (\(image.width)×\(image.height))"
            )
        }
    }
}
