import ArgumentParser
import BioCube
import BioCubeParquet
import Foundation

struct SpeciesCubeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "species-cube",
        abstract: "Turn GBIF EEA-grid occurrence cubes (<specieskey>.zip with a TSV) into the BioCube species table.",
        discussion: """
            Each eeacellcode cell centre (EPSG:3035) is projected to WGS84, snapped to the 0.25° grid, and \
            occurrences are summed per species, month and cell. Writes Species, Latitude, Longitude, \
            Timestamp, Distribution and the taxonomy columns (Snappy Parquet).
            """
    )

    @Option(help: "Folder of GBIF cube downloads (*.zip, or bare *.tsv).")
    var input: String
    @Option(help: "Output Parquet file.")
    var output: String = "europe_species.parquet"
    @Option(help: "Target grid (europe025, europe6h, global025).")
    var grid: String = "europe025"

    func run() async throws {
        try await reportingErrors {
            let report = try OccurrenceCubeConverter(grid: Grid(named: grid)).convert(directory: input, output: output)
            print("species-cube: \(report) → \(output)")
        }
    }
}
