import ArgumentParser
import BioCube
import Foundation

struct BatchesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batches",
        abstract: "Cut every two-step window of a built store into batch files (bfm-model .pt, safetensors or Zarr).",
        discussion: """
            Writes one file per window (245 for 2000-01…2020-06; there is no cap), atomically; \
            windows this same export already wrote are skipped, so an interrupted run continues; \
            a file under a window's name from another store, build, format, policy, selection or \
            region, or changed since, is written again. export.json in \
            the output folder records the format and the missing-value policy.
            """
    )

    @Argument(help: "The store written by `biocube build`.")
    var store: String
    @Option(help: "Output folder.")
    var out: String
    @Option(
        help: "File format: pt (bfm-model monthly), pt-daily (the original 6-hourly contract), safetensors or zarr."
    )
    var format: BatchFormat = .pt
    @Option(help: "First step of the first window (YYYY-MM).", transform: ArgumentParsing.instant)
    var start: UTCDateTime?
    @Option(help: "Last step of the last window (YYYY-MM).", transform: ArgumentParsing.instant)
    var end: UTCDateTime?
    @Option(
        help: "Only this region: NORTH,WEST,SOUTH,EAST (the CDS order, like --area), S=…,N=…,W=…,E=… or europe.",
        transform: ArgumentParsing.region
    )
    var region: Region?
    @Option(help: "Missing values: zero (bfm-model: 0 in indicator and species groups, the default for pt) or nan.")
    var missing: MissingValuePolicy?
    @OptionGroup var select: SelectionOptions
    @Option(
        help: ArgumentHelp(
            "Normalise with these statistics (biocube stats, or bfm-model's file), after the missing-value policy.",
            valueName: "stats.json"
        )
    )
    var normalise: String?
    @Option(help: "How --normalise scales: standardise ((x − mean) / std) or minMax ((x − min) / (max − min)).")
    var normaliseMode: Batch.NormalisationMode = .standardise
    @Flag(help: "Leave out windows with an empty step in any selected variable (the store's recorded coverage).")
    var skipIncomplete = false
    @Option(help: "Variables read at once.")
    var jobs: Int = 2
    @Flag(
        help:
            "Do not wait for the disk before recording the files in export.json (faster; after a power cut a damaged file can be kept)."
    )
    var noSync = false

    func run() async throws {
        try await reportingErrors {
            var export = try BatchExport(
                storePath: store,
                format: format,
                directory: out,
                start: start,
                end: end,
                region: region,
                changes: try select.changes(),
                missing: missing,
                maxConcurrency: jobs
            )
            export.synchronizesToDisk = !noSync
            export.skipsIncompleteWindows = skipIncomplete
            if let normalise {
                export.normalisation = try BatchNormalisation(
                    path: normalise,
                    mode: normaliseMode,
                    pressureLevels: export.sampler.storeLevels
                )
            }
            for p in export.problems { print("warning: \(p.message) (\(p.file))") }
            if format == .ptDaily { print("  labels: \(out)/label_mappings.json") }
            let clock = ContinuousClock()
            let started = clock.now
            let line = StepProgress(unit: "windows")
            let summary = try await export.run { event in
                switch event {
                case .planned(let windows, let toDo): line.message("  \(toDo) of \(windows) windows to write")
                case .written(let name, let done, let toDo): line.advance(name, done: done, total: toDo)
                }
            }
            line.finish()
            let seconds = (clock.now - started).seconds
            print(
                String(
                    format:
                        "batches: %d windows (%d written, %d already present%@), %.1f MiB, %.1f s (%.0f ms per window) → %@",
                    summary.windows,
                    summary.written,
                    summary.skipped,
                    summary.replaced > 0
                        ? ", \(summary.replaced) file(s) of another export or changed since replaced" : "",
                    Double(summary.bytes) / 1_048_576,
                    seconds,
                    summary.written > 0 ? 1000 * seconds / Double(summary.written) : 0,
                    out
                )
            )
        }
    }
}
