import ArgumentParser
import BioCube
import Foundation

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Harmonise every source onto one grid and time axis in a Zarr v3 store.",
        discussion: """
            Reads each source once and writes one float32 array per variable, one chunk per time \
            step. Interrupted builds resume where they stopped when run again with the same \
            command; `--shard k/n` lets n processes (e.g. a Slurm job array, see Examples/slurm) \
            build one store together.

            A config file (--config) is JSON:
              {"groups": {"my_var": ["misc_variables"]}, "prefer": {"NDVI": "Europe_ndvi_monthly_un_025.csv"}}
            "prefer" names, by path suffix, the source that provides a variable several files hold.
            """
    )

    @Argument(help: "A BioCube root folder, or a catalog.json written by `biocube scan`.")
    var input: String
    @Option(help: "The store to create or continue (a .zarr folder).")
    var store: String
    @Option(
        help: "First step (YYYY-MM or YYYY-MM-DD HH:MM); default: the ERA5 span.",
        transform: ArgumentParsing.instant
    )
    var start: UTCDateTime?
    @Option(help: "Last step; default: the ERA5 span.", transform: ArgumentParsing.instant)
    var end: UTCDateTime?
    @Option(help: "Time step: monthly or 6h.", transform: ArgumentParsing.cadence)
    var cadence: Cadence = .monthly
    @Option(help: "Target grid: europe025, europe6h or global025.")
    var grid: String = "europe025"
    @Option(
        help:
            "Only this region: NORTH,WEST,SOUTH,EAST in degrees (the CDS order, like --area), S=…,N=…,W=…,E=… or europe.",
        transform: ArgumentParsing.region
    )
    var region: Region?
    @Option(help: "Time steps built at once.")
    var jobs: Int = 2
    @Option(
        help: "Build only shard k of n (k/n), for several processes on one store.",
        transform: ArgumentParsing.shard
    )
    var shard: Shard?
    @Option(help: "JSON config with group overrides and source preferences.")
    var config: String?
    @Flag(
        help:
            "Build even when some sources cannot be read, leaving them out (the store records them in left_out_sources); without it such a build stops naming every unreadable file."
    )
    var allowUnreadable = false
    @Flag(
        help:
            "Build into a folder that is not new, empty or a BioCube store (a foreign Zarr store's arrays of the same names are replaced)."
    )
    var force = false
    @Flag(
        help:
            "Do not wait for the disk before marking the store complete (faster; after a power cut the next build finds and rebuilds chunks that lost their data)."
    )
    var noSync = false
    @Option(help: "zstd compression level of the chunks (1 fastest … 19 smallest).")
    var level: Int = 1

    func run() async throws {
        try await reportingErrors {
            var options = BuildOptions(storePath: store)
            options.grid = try Grid(named: grid)
            options.cadence = cadence
            options.start = start
            options.end = end
            options.region = region
            options.jobs = jobs
            options.compressionLevel = level
            options.allowUnreadableSources = allowUnreadable
            options.force = force
            options.synchronizesToDisk = !noSync
            options.shard = shard ?? .whole
            if let config { options.config = try BuildConfig.load(path: config) }
            let clock = ContinuousClock()
            let started = clock.now
            let builder: CubeBuilder
            if input.hasSuffix(".json") && !FileIO.isDirectory(input) {
                builder = try await CubeBuilder.prepare(catalog: Catalog.load(path: input), options: options)
            } else {
                builder = try await CubeBuilder.prepare(root: input, options: options)
            }
            let opened = clock.now - started
            print(
                "build: \(builder.variables.count) variables, \(builder.time.count) steps \(builder.time.start.dateString) … \(builder.time.end.dateString), grid \(builder.grid.height)×\(builder.grid.width)\(options.shard.count > 1 ? ", shard \(options.shard)" : "") → \(store)"
            )
            print(String(format: "  sources opened in %.1f s", opened.seconds))
            let line = StepProgress(unit: "steps")
            let summary = try await builder.run { event in
                switch event {
                case .planned(let total, let owned, let toDo):
                    line.message("  \(toDo) of \(owned) owned steps to build (store has \(total))")
                case .stepDone(let step, let done, let toDo):
                    line.advance(String(step.dateString.prefix(7)), done: done, total: toDo)
                case .finalized: break
                }
            }
            line.finish()
            let seconds = (clock.now - started).seconds
            print(
                String(
                    format: "build: %d of %d owned steps built, %d already complete, %.1f s",
                    summary.builtSteps,
                    summary.ownedSteps,
                    summary.skippedSteps,
                    seconds
                )
            )
            if summary.complete {
                print("store complete: \(summary.totalSteps) steps × \(builder.variables.count) variables")
                let gaps = summary.coverage.filter { !$0.emptySteps.isEmpty }
                if gaps.isEmpty {
                    print("coverage: every variable has values at every step")
                } else {
                    print("coverage: \(gaps.count) variable(s) have steps without any value (stored as NaN):")
                    for g in gaps {
                        let steps = g.emptySteps.map { String($0.dateString.prefix(7)) }
                        print(
                            "  \(g.variable.path): \(steps.count) step(s): \(steps.prefix(8).joined(separator: ", "))\(steps.count > 8 ? " …" : "")"
                        )
                    }
                }
            } else {
                print("store not complete yet: other shards still have steps to build")
            }
            let lines = Problem.summarised(summary.problems)
            if !lines.isEmpty {
                print("\(summary.problems.count) problem(s):")
                for l in lines.prefix(40) { print("  \(l)") }
                if lines.count > 40 { print("  … (all of them are in the store's root attributes, key \"problems\")") }
            }
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
