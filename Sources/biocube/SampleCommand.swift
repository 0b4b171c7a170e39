import ArgumentParser
import BioCube
import BioCubeParquet
import BioCubeSample
import Foundation

struct SampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write a deterministic miniature BioCube source tree (ERA5 NetCDF, indicator CSVs, species Parquet).",
        discussion: """
            The tree has the published layout and formats on the real 0.25° Europe grid, with \
            synthetic, physically plausible values. It is the input of `make demo`:
              biocube sample sample/ && biocube scan sample/ && biocube build sample/ --store cube.zarr
            """
    )

    @Argument(help: "Folder to write the tree into: new, empty, or an earlier sample (created if needed).")
    var directory: String
    @Option(help: "First month (YYYY-MM).")
    var start: String = "2000-01"
    @Option(help: "Last month (YYYY-MM).")
    var end: String = "2001-12"
    @Option(help: "Number of species in the species table (the published BioCube has 28).")
    var species: Int = 8
    @Option(
        help:
            "ERA5 file layout: per-field (as the CDS delivers), time-chunked (netCDF4/h5py-like chunks over 9 steps), library-default (netCDF-C's chunking) or classic (netCDF-3)."
    )
    var era5Layout: String = "per-field"
    @Flag(help: "Write into a non-empty folder that is not an earlier sample (files of the same names are replaced).")
    var force = false

    func run() async throws {
        try await reportingErrors {
            var tree = try SampleTree(
                start: UTCDateTime(parsing: start),
                end: UTCDateTime(parsing: end),
                speciesCount: species
            )
            guard let layout = SampleTree.ERA5Layout(rawValue: era5Layout) else {
                throw BioCubeError(
                    .invalidArgument,
                    "--era5-layout '\(era5Layout)': expected \(SampleTree.ERA5Layout.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            tree.era5Layout = layout
            let clock = ContinuousClock.now
            let summary = try tree.write(to: directory, force: force) { print("  wrote \($0)") }
            let total = summary.files.reduce(0) { $0 + $1.bytes }
            let seconds =
                Double((ContinuousClock.now - clock).components.attoseconds) / 1e18
                + Double((ContinuousClock.now - clock).components.seconds)
            print(
                String(
                    format: "sample: %d files, %.1f MiB, %d months (%@ … %@), %d species rows, in %.1f s → %@",
                    summary.files.count,
                    Double(total) / 1_048_576,
                    tree.months.count,
                    tree.start.dateString,
                    tree.end.dateString,
                    summary.speciesRows,
                    seconds,
                    directory
                )
            )
        }
    }
}
