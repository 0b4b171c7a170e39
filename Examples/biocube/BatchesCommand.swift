import ArgumentParser
import BioCubeBatch
import BioCubeCore
import Foundation

struct BatchesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batches",
        abstract: "Cut every two-step window of a built store into batch files (bfm-model .pt, safetensors or Zarr).",
        discussion: """
        Writes one file per window (245 for 2000-01…2020-06; there is no cap), atomically; \
        windows already written are skipped, so an interrupted run continues. export.json in \
        the output folder records the format and the missing-value policy.
        """)

    @Argument(help: "The store written by `biocube build`.")
    var store: String
    @Option(help: "Output folder.")
    var out: String
    @Option(help: "File format: pt (bfm-model), safetensors or zarr.")
    var format: String = "pt"
    @Option(help: "First step of the first window (YYYY-MM).")
    var start: String?
    @Option(help: "Last step of the last window (YYYY-MM).")
    var end: String?
    @Option(help: "Only this region: SOUTH,NORTH,WEST,EAST.")
    var region: String?
    @Option(help: "Missing values: zero (bfm-model: 0 in indicator and species groups, the default for pt) or nan.")
    var missing: String?
    @Option(help: "Variables read at once.")
    var jobs: Int = 2

    func run() async throws {
        try await reportingErrors {
            let exporter: any BatchExporter
            switch format {
            case "pt": exporter = TorchExporter()
            case "safetensors": exporter = SafetensorsExporter(extraMetadata: ["missing": missing ?? "zero"])
            case "zarr": exporter = StoreSliceExporter()
            default: throw BioCubeError(.invalidArgument, "unknown format '\(format)' (pt, safetensors, zarr)")
            }
            guard let policy = MissingValuePolicy(rawValue: missing ?? "zero") else {
                throw BioCubeError(.invalidArgument, "unknown --missing '\(missing ?? "")' (zero or nan)")
            }
            let sampler = try BatchSampler(storePath: store, start: start.map(UTCDateTime.init(parsing:)), end: end.map(UTCDateTime.init(parsing:)),
                                           region: region.map(Region.init(parsing:)), maxConcurrency: jobs)
            let clock = ContinuousClock()
            let started = clock.now
            let export = BatchExport(sampler: sampler, exporter: exporter, directory: out, missing: policy)
            let line = ExportProgress()
            let summary = try await export.run { line.show($0) }
            line.finish()
            let seconds = (clock.now - started).seconds
            print(String(format: "batches: %d windows (%d written, %d already present), %.1f MiB, %.1f s (%.0f ms per window) → %@",
                         summary.windows, summary.written, summary.skipped, Double(summary.bytes) / 1_048_576, seconds,
                         summary.written > 0 ? 1000 * seconds / Double(summary.written) : 0, out))
        }
    }
}

/// Windows written / total with throughput and ETA.
final class ExportProgress: @unchecked Sendable {
    // Safety: all state is guarded by `lock`.
    private let lock = NSLock()
    private let isTerminal = isatty(1) == 1
    private let start = ContinuousClock.now
    private var lastDecile = -1
    private var drewLine = false

    func show(_ event: BatchExport.Event) {
        lock.lock(); defer { lock.unlock() }
        switch event {
        case .planned(let windows, let toDo):
            print("  \(toDo) of \(windows) windows to write")
        case .written(let name, let done, let toDo):
            let elapsed = (ContinuousClock.now - start).seconds
            let rate = Double(done) / max(elapsed, 1e-6)
            let text = String(format: "  [%d/%d] %@  %.1f windows/s  ETA %.0f s", done, toDo, name, rate, Double(toDo - done) / max(rate, 1e-9))
            if isTerminal {
                print("\r\u{1B}[2K" + text, terminator: "")
                FileHandle.standardOutput.synchronizeFile()
                drewLine = true
            } else {
                let decile = done * 10 / max(toDo, 1)
                if decile != lastDecile || done == toDo { lastDecile = decile; print(text) }
            }
        }
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if drewLine { print("") }
    }
}
