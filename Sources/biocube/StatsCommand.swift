import ArgumentParser
import BioCube
import Foundation

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Normalisation statistics (mean, std, min, max, counts) in the layout bfm-model's scaler reads.",
        discussion: """
            From exported batches (--batches DIR: every .pt or .safetensors file) or straight from \
            a store (--store cube.zarr: each step read once). A store step inside the range belongs \
            to two windows; --weighting windows (the default) counts it twice, so the numbers equal \
            those over the exported batches (with the same --missing policy); --weighting steps \
            counts every step once. Moments are accumulated stably (Welford/Chan); NaN and ±∞ are \
            counted and excluded.
            """
    )

    @Option(help: "A folder of exported batches (.pt or .safetensors).")
    var batches: String?
    @Option(help: "A store written by `biocube build`.")
    var store: String?
    @Option(help: "Output JSON file.")
    var out: String
    @Option(help: "Store steps weighted as the windows see them (windows) or once each (steps).")
    var weighting: BatchStatistics.StepWeighting = .windows
    @Option(help: "Missing-value policy applied to store values first: zero (as .pt exports) or nan.")
    var missing: MissingValuePolicy = .zero
    @Option(help: "First step (store only).", transform: ArgumentParsing.instant)
    var start: UTCDateTime?
    @Option(help: "Last step (store only).", transform: ArgumentParsing.instant)
    var end: UTCDateTime?
    @Option(
        help: "Region NORTH,WEST,SOUTH,EAST (the CDS order, like --area; store only).",
        transform: ArgumentParsing.region
    )
    var region: Region?
    @OptionGroup var select: SelectionOptions
    @Option(help: "Files or variables processed at once.")
    var jobs: Int = 2

    func run() async throws {
        try await reportingErrors {
            let clock = ContinuousClock()
            let started = clock.now
            let stats: BatchStatistics
            let source: String
            switch (batches, store) {
            case (let dir?, nil):
                guard select.isEmpty else {
                    throw BioCubeError(
                        .invalidArgument,
                        "--variables, --species and --levels apply to --store; batch files carry the selection they were exported with"
                    )
                }
                stats = try await BatchStatistics.batchFiles(in: dir, maxConcurrency: jobs)
                source = "\(try BatchFileReader.batchFiles(in: dir).count) batch files in \(dir)"
            case (nil, let path?):
                let w = weighting
                let policy = missing
                let sampler = try BatchSampler(
                    storePath: path,
                    start: start,
                    end: end,
                    region: region,
                    selection: try select.selection(for: path),
                    maxConcurrency: jobs
                )
                stats = try await BatchStatistics.store(sampler, weighting: w, missing: policy)
                source = "\(sampler.steps.count) steps of \(path) (weighting \(w.rawValue), missing \(policy.rawValue))"
            default:
                throw BioCubeError(.invalidArgument, "give exactly one of --batches DIR or --store cube.zarr")
            }
            try stats.write(to: out)
            print(
                String(
                    format: "stats: %d variables from %@ in %.1f s → %@",
                    stats.entries.count,
                    source,
                    (clock.now - started).seconds,
                    out
                )
            )
            for e in stats.entries.prefix(60) {
                let m = e.levels[0]
                let level = e.hasLevels ? " (level 1 of \(e.levels.count))" : ""
                let label =
                    e.group.rawValue.padding(toLength: 23, withPad: " ", startingAt: 0)
                    + e.name.padding(toLength: 13, withPad: " ", startingAt: 0)
                print(
                    "  " + label
                        + String(
                            format: "mean %-12.5g std %-12.5g NaN %5.1f%%",
                            m.mean,
                            m.standardDeviation,
                            100 * m.nanFraction
                        ) + level
                )
            }
        }
    }
}
