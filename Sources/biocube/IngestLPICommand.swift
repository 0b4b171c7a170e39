import ArgumentParser
import BioCube
import Foundation

struct IngestLPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lpi",
        abstract: "Living Planet Database CSV → population time series snapped to the grid (Parquet).",
        discussion: """
            One row per population and year with a value: population_id, species, species_key, \
            latitude, longitude, cell_latitude, cell_longitude, year, value, units. Populations \
            off the grid are counted; unreadable rows are listed with their line.
            Example: biocube ingest lpi LPD_2024_public.csv --out Species/lpi_populations.parquet --species-keys keys.csv
            """
    )

    @Argument(help: "The Living Planet Database CSV (Latin-1 or UTF-8).")
    var input: String
    @Option(help: "The Parquet file to write.")
    var out: String
    @Option(help: "Grid: europe025 (the BioCube area) or global025.")
    var grid: String = "europe025"
    @Option(help: "A CSV of scientific name,GBIF species key per line, for the species_key column.")
    var speciesKeys: String?

    func run() async throws {
        try await reportingErrors {
            let keys = try speciesKeys.map(SpeciesKeyFile.read) ?? [:]
            let summary = try LivingPlanetIngest(grid: try Grid(named: grid), speciesKeys: keys).convert(
                csv: input,
                to: out
            )
            print(
                "\(out): \(summary.populations) populations, \(summary.values) population-years; \(summary.offGrid) populations off the grid left out"
            )
            if !summary.problems.isEmpty {
                print("\(summary.problems.count) row(s) left out:")
                for p in summary.problems.prefix(20) { print("  \(p)") }
                if summary.problems.count > 20 { print("  … and \(summary.problems.count - 20) more") }
            }
        }
    }
}
