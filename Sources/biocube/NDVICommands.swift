import ArgumentParser
import BioCube
import Foundation

extension NDVIDownload.Product: ExpressibleByArgument {}

struct DownloadNDVI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ndvi",
        abstract: "Copernicus Global Land NDVI products, one 10-daily product per month, resumable.",
        discussion: """
            Reads the series' manifest (one product URL per line), keeps the product of each month \
            whose dekad starts on --dekad (11, as the original), and downloads them. CLMS_USER and \
            CLMS_PASSWORD are sent when set. Then: biocube ingest ndvi DIR/*.nc --out … --append
            Example: biocube download ndvi --from 2020-07 --to 2024-12 --out downloads/ndvi
            """
    )

    @Option(help: "First month (YYYY-MM).", transform: ArgumentParsing.instant) var from: UTCDateTime
    @Option(help: "Last month (YYYY-MM).", transform: ArgumentParsing.instant) var to: UTCDateTime
    @Option(help: "Output folder.") var out: String
    @Option(help: "Series: 300m (v2, 2020 on) or 1km (v3, to 2020).") var product: NDVIDownload.Product = .v2_300m
    @Option(help: "The manifest instead of the series' own (a URL or a local file).") var manifest: String?
    @Option(help: "Day the chosen dekad starts on: 1, 11 or 21.") var dekad: Int = 11
    @OptionGroup var identity: ContactOption

    func run() async throws {
        try await reportingErrors {
            let url: URL =
                try manifest.map { m in
                    if m.hasPrefix("http://") || m.hasPrefix("https://") {
                        guard let u = URL(string: m) else {
                            throw ValidationError("--manifest '\(Redaction.text(m))' is not a URL")
                        }
                        return u
                    }
                    return URL(fileURLWithPath: m)
                } ?? product.manifest
            let progress = ProgressLine(total: 0)
            var options = DownloadOptions()
            options.contact = identity.resolved()
            let files = try await NDVIDownload(options: options).download(
                manifest: url,
                from: from,
                through: to,
                dekad: dekad,
                into: out
            ) { progress.show($0) }
            progress.finish()
            print("done: \(files.count) monthly product(s) in \(out)")
            print("next: biocube ingest ndvi \(out)/*.nc --out Land/Europe_ndvi_monthly_un_025.csv --append")
        }
    }
}

struct IngestNDVI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ndvi",
        abstract:
            "Copernicus Land NDVI products (1 km or 300 m) → the monthly 0.25° NDVI table (NDVI_MM/YYYY columns).",
        discussion: """
            Each cell is the mean of every valid vegetated pixel whose nearest grid point it is \
            (flags excluded, NDVI >= --threshold), four decimals; pixel counts go to …_pixels.tsv \
            beside the table. With --append an existing table keeps its rows and months; new \
            months become columns, new cells rows. Written atomically.
            Example: biocube ingest ndvi downloads/ndvi/*.nc --out BioCube/Land/Europe_ndvi_monthly_un_025.csv --append
            """
    )

    @Argument(help: "NDVI products (c_gls_NDVI…_YYYYMMDDhhmm_….nc), one per month.") var inputs: [String]
    @OptionGroup var options: IngestOptions
    @Flag(help: "Extend an existing table instead of refusing to touch it.") var append = false
    @Option(help: "Pixels with a lower NDVI are not vegetated and not counted.") var threshold: Double = 0.2

    func run() async throws {
        try await reportingErrors {
            let ingest = try options.ingest(problems: ProblemLog())
            let start = Date()
            let summary = try NDVIIngest(polygons: ingest.polygons, grid: ingest.grid, vegetationThreshold: threshold)
                .write(products: inputs, to: options.out, append: append)
            if !summary.kept.isEmpty {
                print("months already in \(options.out), kept as they are: \(summary.kept.joined(separator: ", "))")
            }
            print(
                String(
                    format: "%@: %d month(s) added (%@), %d cell values from %d pixels, in %.1f s",
                    options.out,
                    summary.added.count,
                    summary.added.joined(separator: ", "),
                    summary.cells,
                    summary.pixels,
                    Date().timeIntervalSince(start)
                )
            )
        }
    }
}
