import ArgumentParser
import BioCube
import Foundation

struct IndicatorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "indicators",
        abstract: "Inspect indicator CSVs (World Bank, NDVI, Red List, agriculture) and read them onto the grid.",
        subcommands: [IndicatorsInfo.self, IndicatorsRead.self]
    )
}

struct IndicatorsInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Layout, indicators, years/months and grid coverage of indicator CSVs."
    )

    @Argument(help: "Indicator CSV files.")
    var files: [String]
    @Option(help: "Target grid (europe025 or europe6h).")
    var grid: String = "europe025"

    func run() async throws {
        try await reportingErrors {
            let g = try Grid(named: grid)
            let problems = ProblemLog()
            let modality = try await IndicatorModality.load(paths: files, problems: problems)
            for t in modality.tables {
                let years = Set(t.columns.map(\.year)).sorted()
                let months = t.columns.filter { $0.month != nil }.count
                print("\(t.path)")
                print(
                    "  layout: \(t.layout.rawValue); \(t.rowCount) rows; years \(years.first ?? 0)…\(years.last ?? 0)"
                        + (months > 0 ? "; \(months) month columns" : "")
                )
                print("  indicators: \(t.variables.joined(separator: ", "))")
            }
            let variables = try modality.variables()
            for v in variables {
                print(
                    "  \(v.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(v.groups.map(\.rawValue).joined(separator: ", "))"
                )
            }
            // Touch one step per indicator so coverage problems (off-grid rows, duplicates) are reported.
            for v in variables {
                if let t = modality.tables.first(where: { $0.variables.contains(v.name) }), let c = t.columns.first {
                    _ = try modality.read(v, at: UTCDateTime(year: c.year, month: c.month ?? 1), onto: g)
                }
            }
            for p in problems.problems { print(p) }
        }
    }
}

struct IndicatorsRead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read one indicator at one month onto the grid; print statistics, optionally write raw float32."
    )

    @Argument(help: "Indicator CSV files.")
    var files: [String]
    @Option(help: "Indicator name (Forest, NDVI, RLI, Cropland, …).")
    var variable: String
    @Option(help: "Month: YYYY-MM.")
    var step: String
    @Option(help: "Target grid (europe025 or europe6h).")
    var grid: String = "europe025"
    @Option(help: "Write the values as raw little-endian float32 here.")
    var out: String?

    func run() async throws {
        try await reportingErrors {
            let problems = ProblemLog()
            let modality = try await IndicatorModality.load(paths: files, problems: problems)
            try readAndReport(
                modality,
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
