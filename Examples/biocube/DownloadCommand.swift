import ArgumentParser
import BioCubeCore
import BioCubeERA5
import Foundation

struct DownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download sources (ERA5 from the Copernicus Climate Data Store).",
        subcommands: [DownloadERA5.self])
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
        """)

    enum Dataset: String, ExpressibleByArgument, CaseIterable {
        case monthlySingle = "monthly-single", monthlyPressure = "monthly-pressure"
        case hourlySingle = "hourly-single", hourlyPressure = "hourly-pressure"
    }

    @Option(help: "monthly-single, monthly-pressure, hourly-single or hourly-pressure.")
    var dataset: Dataset
    @Option(help: "Comma-separated variables.")
    var variables: String
    @Option(help: "Years: 2000-2020 or 2000,2005.")
    var years: String
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

    func run() async throws {
        try await reportingErrors {
            let credentials = try CDSCredentials.load()
            let vars = variables.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let ys = try parseIntegers(years, "--years"), ms = try parseIntegers(months, "--months")
            let a: CDSRequest.Area?
            switch area.lowercased() {
            case "europe": a = .europe
            case "global": a = nil
            default:
                let p = area.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard p.count == 4 else { throw BioCubeError(.invalidArgument, "--area '\(area)' is not N,W,S,E, europe or global") }
                a = try CDSRequest.Area(north: p[0], west: p[1], south: p[2], east: p[3])
            }
            let lv = try levels.map { try parseIntegers($0, "--levels") } ?? CDSRequest.bioCubeLevels
            let tms = times.split(separator: ",").map(String.init)
            let request: CDSRequest = switch dataset {
            case .monthlySingle: try .monthlySingleLevels(variables: vars, years: ys, months: ms, area: a)
            case .monthlyPressure: try .monthlyPressureLevels(variables: vars, levels: lv, years: ys, months: ms, area: a)
            case .hourlySingle: try .hourlySingleLevels(variables: vars, years: ys, months: ms, days: parseIntegers(days, "--days"), times: tms, area: a)
            case .hourlyPressure: try .hourlyPressureLevels(variables: vars, levels: lv, years: ys, months: ms, days: parseIntegers(days, "--days"), times: tms, area: a)
            }
            let jobs = split == "month" ? request.splitByMonth() : request.splitByYear()
            var options = CDSClient.Options()
            options.jobTimeout = .seconds(Int(jobTimeoutHours * 3600))
            let client = CDSClient(credentials: credentials, options: options)
            let progress = ProgressLine(total: jobs.count)
            print("\(request.dataset): \(jobs.count) job(s) into \(out) (CDS at \(credentials.url.absoluteString))")
            let files = try await client.retrieve(jobs, into: out) { progress.show($0) }
            progress.finish()
            print("done: \(files.count) file(s) in \(out)")
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
