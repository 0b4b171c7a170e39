import ArgumentParser
import BioCube
import Foundation

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Discover BioCube sources under a folder; print what they hold and what is wrong.",
        discussion: """
            Finds ERA5 NetCDF (**/Copernicus/**/*.nc or CDS .zip), indicator CSVs \
            (**/Forest|Land|Agriculture|RedList/*.csv) and the species table (**/Species/*.parquet), \
            with or without a leading data/ folder. Writes a JSON catalog that `biocube build` accepts.
            """
    )

    @Argument(help: "The BioCube root folder.")
    var root: String
    @Option(help: "Write the catalog as JSON to this file.")
    var out: String?
    @Option(help: "Target grid the sources are checked against (europe025, europe6h, global025).")
    var grid: String = "europe025"
    @Option(help: "Time step: monthly or 6h.")
    var cadence: String = "monthly"
    @Option(help: "A JSON config with group overrides and source preferences (see `biocube build --help`).")
    var config: String?
    @Option(help: "Sources read at once.")
    var jobs: Int = 2

    func run() async throws {
        try await reportingErrors {
            let cfg = try config.map(BuildConfig.load(path:)) ?? .published
            let scanner = try SourceScanner(gridName: grid, cadence: Cadence(parsing: cadence), config: cfg)
            let catalog = try await scanner.scan(root: root, maxConcurrency: jobs)
            printCatalog(catalog)
            if let out {
                try catalog.write(to: out)
                print("catalog written to \(out)")
            }
            if catalog.problems.contains(where: { $0.severity == .error }) { throw ExitCode(2) }
        }
    }
}

func printCatalog(_ catalog: Catalog) {
    print("\(catalog.sources.count) sources under \(catalog.root):")
    for s in catalog.sources {
        let span: String
        let firsts = s.variables.compactMap(\.first)
        let lasts = s.variables.compactMap(\.last)
        if let a = firsts.min(), let b = lasts.max() {
            span = "\(a.dateString.prefix(7))…\(b.dateString.prefix(7))"
        } else {
            span = "no steps"
        }
        let bounds =
            s.latitudeRange.flatMap { la in
                s.longitudeRange.map { lo in String(format: " lat %.2f…%.2f lon %.2f…%.2f", la[0], la[1], lo[0], lo[1])
                }
            } ?? ""
        let lattice = s.onTargetLattice == false ? " OFF-LATTICE" : ""
        print("  \(s.kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(s.path)")
        print(
            "             \(s.variables.count) variables, \(s.stepCount) steps \(span)\(bounds.isEmpty ? "" : ",")\(bounds)\(lattice), \(String(format: "%.1f MiB", Double(s.size) / 1_048_576))"
        )
        var byGroup: [String: [String]] = [:]
        var order: [String] = []
        for v in s.variables {
            let g = v.descriptor.groups.map(\.rawValue).joined(separator: "+")
            if byGroup[g] == nil { order.append(g) }
            byGroup[g, default: []].append(
                v.descriptor.name + (v.descriptor.levels.map { "[\($0.count) levels]" } ?? "")
                    + (v.descriptor.units.map { " (\($0))" } ?? "")
            )
        }
        for g in order {
            let names = byGroup[g]!
            print(
                "             \(g): \(names.prefix(12).joined(separator: ", "))\(names.count > 12 ? ", … (\(names.count))" : "")"
            )
        }
    }
    if catalog.problems.isEmpty {
        print("no problems found")
    } else {
        print("\(catalog.problems.count) problem(s):")
        for p in catalog.problems { print("  \(p)") }
    }
}
