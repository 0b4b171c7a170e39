import ArgumentParser
import BioCube
import Foundation

struct DownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract:
            "Download sources: ERA5 (Copernicus CDS), GBIF occurrence cubes, and species media (iNaturalist, xeno-canto, BOLD, Wikipedia).",
        subcommands: [
            DownloadERA5.self, DownloadGBIF.self, DownloadINaturalist.self, DownloadXenoCanto.self, DownloadBOLD.self,
            DownloadDescriptions.self, DownloadBioCube.self, DownloadNDVI.self,
        ]
    )
}

struct DownloadERA5: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "era5",
        abstract: "Download ERA5 NetCDF from the CDS, one job per year (or month), resumable.",
        discussion: """
            Credentials come from CDSAPI_KEY / CDSAPI_URL or ~/.cdsapirc (`url:` and `key:` lines). \
            Files that the folder's manifest (.biocube-downloads.json) records as complete are skipped; \
            an interrupted download continues from its .part file. Variables may be BioCube short \
            names (t2m, msl, z, …) or CDS names (2m_temperature, …).

            Example: biocube download era5 --dataset monthly-single --variables t2m,msl,u10,v10 \
            --years 2000-2020 --out data/Copernicus/ERA5-monthly/era5-single
            """
    )

    enum Dataset: String, ExpressibleByArgument, CaseIterable {
        case monthlySingle = "monthly-single"
        case monthlyPressure = "monthly-pressure"
        case hourlySingle = "hourly-single"
        case hourlyPressure = "hourly-pressure"
    }

    @Option(help: "monthly-single, monthly-pressure, hourly-single or hourly-pressure.")
    var dataset: Dataset
    @Option(help: "Comma-separated variables.")
    var variables: String
    @Option(help: "Years: 2000-2020 or 2000,2005 (not with --dates).")
    var years: String?
    @Option(
        help:
            "A file of dates (YYYY-MM-DD per line) for hourly datasets: one job per month asking only for those days, at --times (4 steps a day by default)."
    )
    var dates: String?
    @Option(help: "Months (default all): 1-12 or 1,2,3.")
    var months: String = "1-12"
    @Option(help: "Days for hourly datasets (default all).")
    var days: String = "1-31"
    @Option(help: "Times of day for hourly datasets.")
    var times: String = "00:00,06:00,12:00,18:00"
    @Option(help: "Pressure levels in hPa (default: the 13 BioCube levels).")
    var levels: String?
    @Option(help: "Area N,W,S,E, or 'europe' (72,-25,32,45) or 'global'.")
    var area: String = "europe"
    @Option(help: "One job per 'year' or per 'month'.")
    var split: String = "year"
    @Option(help: "Output folder.")
    var out: String
    @Option(help: "Give up on a job after this many hours.")
    var jobTimeoutHours: Double = 24
    @OptionGroup var identity: ContactOption

    func run() async throws {
        try await reportingErrors {
            let credentials = try CDSCredentials.load()
            let vars = variables.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if dates != nil && years != nil {
                throw BioCubeError(.invalidArgument, "give --years or --dates, not both")
            }
            guard let yearsText = years ?? (dates != nil ? "2000" : nil) else {
                throw BioCubeError(.invalidArgument, "give --years (e.g. 2000-2020) or --dates FILE")
            }
            let ys = try parseIntegers(yearsText, "--years")
            let ms = try parseIntegers(months, "--months")
            let a: Region? = area.lowercased() == "global" ? nil : try Region(parsing: area)
            let lv = try levels.map { try parseIntegers($0, "--levels") } ?? CDSRequest.bioCubeLevels
            let tms = times.split(separator: ",").map(String.init)
            let request: CDSRequest =
                switch dataset {
                case .monthlySingle: try .monthlySingleLevels(variables: vars, years: ys, months: ms, area: a)
                case .monthlyPressure:
                    try .monthlyPressureLevels(variables: vars, levels: lv, years: ys, months: ms, area: a)
                case .hourlySingle:
                    try .hourlySingleLevels(
                        variables: vars,
                        years: ys,
                        months: ms,
                        days: parseIntegers(days, "--days"),
                        times: tms,
                        area: a
                    )
                case .hourlyPressure:
                    try .hourlyPressureLevels(
                        variables: vars,
                        levels: lv,
                        years: ys,
                        months: ms,
                        days: parseIntegers(days, "--days"),
                        times: tms,
                        area: a
                    )
                }
            let jobs =
                try dates.map { try request.splitByDates(CDSRequest.dates(fromFile: $0)) }
                ?? (split == "month" ? request.splitByMonth() : request.splitByYear())
            var options = DownloadOptions.cds
            options.jobTimeout = try hours(jobTimeoutHours, "--job-timeout-hours")
            options.contact = identity.resolved()
            let client = CDSClient(credentials: credentials, options: options)
            let progress = ProgressLine(total: jobs.count)
            print("\(request.dataset): \(jobs.count) job(s) into \(out) (CDS at \(Redaction.url(credentials.url)))")
            let files = try await client.retrieve(jobs, into: out) { progress.show($0) }
            progress.finish()
            print("done: \(files.count) file(s) in \(out)")
        }
    }
}

struct DownloadGBIF: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gbif",
        abstract: "Download GBIF species occurrence cubes (SQL downloads), one zip per species, resumable.",
        discussion: """
            Credentials come from GBIF_USER and GBIF_PWD (your GBIF.org user name and password); \
            GBIF_EMAIL, when set, gets GBIF's "download ready" mail; GBIF_API_URL overrides \
            https://api.gbif.org/v1. Each species' cube counts present occurrences per month and \
            EEA reference-grid cell with the species' taxonomy, saved as <specieskey>.zip — the input \
            of `biocube species-cube`. Up to --concurrent downloads run at once (GBIF allows 3 per \
            user). Finished zips are recorded in the folder's .biocube-downloads.json and skipped on \
            a rerun; a download requested by an interrupted run is waited for, not requested again.

            Example: biocube download gbif --species 2435098,5219173 --years 2000-2020 --out data/gbif-cubes
            then:    biocube species-cube --input data/gbif-cubes --output data/Species/europe_species.parquet
            """
    )

    @Option(help: "Comma-separated GBIF species keys.")
    var species: String?
    @Option(help: "A file of GBIF species keys, one per line ('#' starts a comment).")
    var speciesFile: String?
    @Option(help: "A file holding one SQL SELECT to download instead of species cubes (needs --name).")
    var sql: String?
    @Option(help: "The zip's file name for --sql.")
    var name: String?
    @Option(help: "Years: 2000-2020.")
    var years: String = "2000-2020"
    @Option(help: "EEA reference-grid cell size in metres: 1000, 10000 or 100000.")
    var gridMeters: Int = 10_000
    @Option(help: "Area N,W,S,E or 'europe' (the BioCube grid, 72,-25,32,45).")
    var area: String = "europe"
    @Option(help: "Output folder.")
    var out: String
    @Option(help: "Downloads in flight at once.")
    var concurrent: Int = 3
    @Flag(help: "Skip GBIF's query validation before each request.")
    var noValidate = false
    @Option(help: "Give up waiting for a download after this many hours.")
    var jobTimeoutHours: Double = 24
    @Option(help: "First wait between status polls in seconds (doubles up to 2 minutes).")
    var pollInterval: Double = 5
    @OptionGroup var identity: ContactOption

    func requests() throws -> [GBIFDownloadRequest] {
        if let sql {
            guard let name else { throw BioCubeError(.invalidArgument, "--sql needs --name, the zip's file name") }
            guard species == nil, speciesFile == nil else {
                throw BioCubeError(.invalidArgument, "--sql and --species/--species-file exclude each other")
            }
            return [try GBIFDownloadRequest(sql: readText(sql, "the SQL file"), fileName: name)]
        }
        var keys = try species.map { try GBIFDownloadRequest.speciesKeys(parsing: $0, origin: "--species") } ?? []
        if let speciesFile { keys += try GBIFDownloadRequest.speciesKeys(fromFile: speciesFile) }
        guard !keys.isEmpty else {
            throw BioCubeError(
                .invalidArgument,
                "name species with --species or --species-file (or a query with --sql)"
            )
        }
        let ys = try parseIntegers(years, "--years")
        let a: Region? = area.lowercased() == "europe" ? nil : try Region(parsing: area)
        var seen = Set<Int64>()
        return try keys.filter { seen.insert($0).inserted }.map {
            try GBIFDownloadRequest.speciesCube(
                speciesKey: $0,
                years: ys.min()!...ys.max()!,
                gridMeters: gridMeters,
                area: a
            )
        }
    }

    private func readText(_ path: String, _ what: String) throws -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw BioCubeError(.io, "cannot read \(what) (\(error.localizedDescription))", file: path)
        }
    }

    func run() async throws {
        try await reportingErrors {
            let credentials = try GBIFCredentials.load()
            let jobs = try requests()
            var options = DownloadOptions.gbif
            options.jobTimeout = try hours(jobTimeoutHours, "--job-timeout-hours")
            options.concurrentDownloads = max(1, min(concurrent, 64))
            guard pollInterval.isFinite, pollInterval > 0, pollInterval <= 3600 else {
                throw ValidationError("--poll-interval \(pollInterval): give seconds between 0 and 3600")
            }
            options.pollInitial = .milliseconds(Int64(pollInterval * 1000))
            options.contact = identity.resolved(noteFor: "GBIF")
            let client = GBIFClient(credentials: credentials, options: options)
            let progress = ProgressLine(total: jobs.count)
            print(
                "GBIF: \(jobs.count) download(s) into \(out) (user \(credentials.user) at \(Redaction.url(credentials.url)))"
            )
            let files = try await client.retrieve(jobs, into: out, validate: !noValidate) { progress.show($0) }
            progress.finish()
            print("done: \(files.count) file(s) in \(out)")
            let names = Set(files.map { ($0 as NSString).lastPathComponent })
            let citations = try GBIFClient.citations(in: out).filter { names.contains($0.file) }
            if !citations.isEmpty {
                print("cite (GBIF's data-use agreement; also in \(out)/.biocube-downloads.json):")
                for c in citations {
                    print("  \(c.file): \(c.text ?? c.doi.map { "https://doi.org/\($0)" } ?? "no DOI given")")
                    if let l = c.licence { print("    licence: \(l)") }
                }
            }
            if sql == nil { print("next: biocube species-cube --input \(out) --output europe_species.parquet") }
        }
    }
}

/// Parses `2000-2003` or `1,2,5` (and mixes: `1-3,7`).
func parseIntegers(_ text: String, _ flag: String) throws -> [Int] {
    var out: [Int] = []
    for part in text.split(separator: ",") {
        let ends = part.split(separator: "-", maxSplits: 1).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        switch ends.count {
        case 1 where ends[0] != nil: out.append(ends[0]!)
        case 2 where ends[0] != nil && ends[1] != nil && ends[0]! <= ends[1]!: out += Array(ends[0]!...ends[1]!)
        default: throw BioCubeError(.invalidArgument, "\(flag) '\(text)': '\(part)' is not a number or a range A-B")
        }
    }
    return out
}
