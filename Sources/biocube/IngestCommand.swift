import ArgumentParser
import BioCube
import Foundation

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract:
            "Turn raw national indicator downloads into BioCube grid CSVs (country values spread over the grid points inside each country).",
        subcommands: [IngestWorldBank.self, IngestRedList.self, IngestLPI.self, IngestNDVI.self]
    )
}

/// Options shared by the ingest commands.
struct IngestOptions: ParsableArguments {
    @Option(help: "Output CSV.")
    var out: String
    @Option(help: "Grid: europe025 (the BioCube area) or global025.")
    var grid: String = "europe025"
    @Option(help: "Country outlines as GeoJSON (default: the bundled Natural Earth 1:110m countries).")
    var countries: String?

    func ingest(problems: ProblemLog) throws -> IndicatorIngest {
        let polygons: CountryPolygons
        if let countries {
            guard let data = FileManager.default.contents(atPath: countries) else {
                throw BioCubeError(.notFound, "\(countries): cannot read the country outlines")
            }
            polygons = try CountryPolygons(geoJSON: data, source: countries)
        } else {
            polygons = try CountryPolygons.naturalEarth()
        }
        return IndicatorIngest(polygons: polygons, grid: try Grid(named: grid), problems: problems)
    }
}

func showIngestProgress(_ done: Int, _ total: Int) {
    guard total > 0, isatty(1) == 1 else { return }
    print("\r\u{1B}[2K  countries \(done)/\(total)", terminator: done == total ? "\r\u{1B}[2K" : "")
    FileHandle.standardOutput.synchronizeFile()
}

struct IngestWorldBank: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worldbank",
        abstract:
            "World Bank API_*.csv downloads → Country, Latitude, Longitude, {Var}_{YYYY} (or the combined Variable layout).",
        discussion: """
            One input: biocube ingest worldbank API_AG.LND.FRST.ZS.csv --variable Forest --out Europe_forest_data.csv
            Several inputs with --combined: biocube ingest worldbank API_AG.LND.AGRI.ZS.csv API_AG.LND.ARBL.ZS.csv \
            --variable Agriculture --variable Arable --combined --out Europe_combined_agriculture_data.csv
            """
    )

    @Argument(help: "World Bank indicator downloads (API_*.csv).")
    var inputs: [String]
    @Option(help: "The BioCube variable name for each input, in order (Forest, Land, Agriculture, Arable, …).")
    var variable: [String]
    @Flag(help: "Write the combined layout: Variable, Country, Latitude, Longitude, Agri_{YYYY}.")
    var combined = false
    @Option(help: "Year-column prefix of the combined layout.")
    var prefix: String = "Agri"
    @OptionGroup var options: IngestOptions

    func run() async throws {
        try await reportingErrors {
            guard variable.count == inputs.count else {
                throw BioCubeError(
                    .invalidArgument,
                    "give one --variable per input (\(inputs.count) inputs, \(variable.count) variables)"
                )
            }
            guard combined || inputs.count == 1 else {
                throw BioCubeError(
                    .invalidArgument,
                    "several inputs need --combined (one file per indicator otherwise)"
                )
            }
            let problems = ProblemLog()
            let ingest = try options.ingest(problems: problems)
            let start = Date()
            let series = try inputs.map { try NationalSeries.worldBank(path: $0) }
            let rows =
                combined
                ? try ingest.writeVariableColumn(
                    zip(variable, zip(series, inputs)).map { ($0, $1.0, $1.1) },
                    prefix: prefix,
                    to: options.out,
                    progress: showIngestProgress
                )
                : try ingest.writeYearColumns(
                    series[0],
                    variable: variable[0],
                    source: inputs[0],
                    to: options.out,
                    progress: showIngestProgress
                )
            print(
                String(
                    format: "wrote %@: %d grid-point rows, years %@ (%.1f s)",
                    options.out,
                    rows,
                    series.flatMap(\.years).isEmpty
                        ? "none" : "\(series.flatMap(\.years).min()!)…\(series.flatMap(\.years).max()!)",
                    Date().timeIntervalSince(start)
                )
            )
            for p in problems.problems { print(p) }
        }
    }
}

struct IngestRedList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redlist",
        abstract: "A Red List Index export (Entity, Code, Year, value) → Country, Latitude, Longitude, RLI_{YYYY}."
    )

    @Argument(help: "The Red List Index export (SDG 15.5.1).")
    var input: String
    @Option(help: "The variable name.")
    var variable: String = "RLI"
    @OptionGroup var options: IngestOptions

    func run() async throws {
        try await reportingErrors {
            let problems = ProblemLog()
            let ingest = try options.ingest(problems: problems)
            let start = Date()
            let series = try NationalSeries.redList(path: input)
            let rows = try ingest.writeYearColumns(
                series,
                variable: variable,
                source: input,
                to: options.out,
                progress: showIngestProgress
            )
            print(
                String(
                    format: "wrote %@: %d grid-point rows, %d countries (%.1f s)",
                    options.out,
                    rows,
                    series.entries.count,
                    Date().timeIntervalSince(start)
                )
            )
            for p in problems.problems { print(p) }
        }
    }
}
