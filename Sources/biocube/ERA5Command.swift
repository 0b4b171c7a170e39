import ArgumentParser
import BioCube
import Foundation

struct ERA5Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "era5",
        abstract: "Inspect ERA5 NetCDF files and read them onto the BioCube grid.",
        subcommands: [ERA5Info.self, ERA5Read.self]
    )
}

struct ERA5Info: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Variables, groups, levels, time span and grid coverage of ERA5 files (.nc or CDS .zip)."
    )

    @Argument(help: "ERA5 files.")
    var files: [String]
    @Option(help: "Target grid (europe025 or europe6h).")
    var grid: String = "europe025"

    func run() async throws {
        try await reportingErrors {
            let g = try Grid(named: grid)
            let problems = ProblemLog()
            let era5 = try ERA5Modality(paths: files, problems: problems)
            for f in era5.files {
                let m: GridMapping?
                var lattice = ""
                do { m = try f.mapping(onto: g) } catch let e as BioCubeError {
                    m = nil
                    lattice = e.message
                }
                let span =
                    f.times.first.flatMap { first in
                        f.times.last.map { "\(first.dateString) … \($0.dateString) (\(f.times.count) steps)" }
                    }
                    ?? "no time steps"
                print("\(f.path)")
                print("  time: \(span)")
                print(
                    "  grid: \(f.latitudes.count)×\(f.longitudes.count), "
                        + (m.map { "covers \(g.cellCount - $0.uncoveredCells) of \(g.cellCount) target cells" }
                            ?? "unusable: \(lattice)")
                )
                print(
                    "  variables: "
                        + f.variables.map { v in v.levels.map { "\(v.name)[\($0.count) levels]" } ?? v.name }.joined(
                            separator: ", "
                        )
                )
            }
            print("groups:")
            for v in try era5.variables() {
                print(
                    "  \(v.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(v.groups.map(\.rawValue).joined(separator: ", "))  \(v.units ?? "")  \(v.longName ?? "")"
                )
            }
            for p in problems.problems { print(p) }
        }
    }
}

struct ERA5Read: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read one variable at one step onto the grid; print statistics, optionally write raw float32."
    )

    @Argument(help: "ERA5 files.")
    var files: [String]
    @Option(help: "Variable short name (t2m, z, …).")
    var variable: String
    @Option(help: "Step: YYYY-MM (monthly) or YYYY-MM-DD HH:MM (6-hourly).")
    var step: String
    @Option(help: "Target grid (europe025 or europe6h).")
    var grid: String = "europe025"
    @Option(help: "Cadence: monthly or 6h.")
    var cadence: String = "monthly"
    @Option(help: "Write the values as raw little-endian float32 here.")
    var out: String?

    func run() async throws {
        try await reportingErrors {
            let problems = ProblemLog()
            let era5 = try ERA5Modality(paths: files, cadence: try Cadence(parsing: cadence), problems: problems)
            try readAndReport(
                era5,
                variable: variable,
                step: step,
                grid: grid,
                out: out,
                problems: problems,
                sources: files
            )
        }
    }
}
