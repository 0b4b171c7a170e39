public import BioCubeCore
import BioCubeTransfer
import Foundation

/// A retrieve request to the Copernicus Climate Data Store for one of the ERA5 datasets
/// BioCube uses, always as NetCDF.
///
/// ```swift
/// let request = try CDSRequest.monthlySingleLevels(
///     variables: ["2m_temperature", "mean_sea_level_pressure"], years: Array(2000...2020),
///     area: try Region(parsing: "72,-25,32,45"))   // N,W,S,E
/// for job in request.splitByYear() { … }
/// ```
public struct CDSRequest: Hashable, Sendable, Codable {
    /// The dataset name (`reanalysis-era5-single-levels-monthly-means`, …).
    public var dataset: String
    /// `monthly_averaged_reanalysis` or `reanalysis`.
    package var productType: String
    /// CDS variable names (`2m_temperature`); BioCube short names are translated by `cdsName(for:)`.
    public var variables: [String]
    /// Pressure levels in hPa, for pressure-level datasets.
    public var pressureLevels: [Int]?
    /// Years requested.
    public var years: [Int]
    /// Months requested (1…12).
    public var months: [Int]
    /// Days requested (hourly datasets).
    public var days: [Int]?
    /// Times of day `"HH:MM"` (hourly datasets; `"00:00"` for monthly means).
    public var times: [String]
    /// The area, or nil for the globe.
    public var area: Region?

    static let monthlySingle = "reanalysis-era5-single-levels-monthly-means"
    static let monthlyPressure = "reanalysis-era5-pressure-levels-monthly-means"
    static let hourlySingle = "reanalysis-era5-single-levels"
    static let hourlyPressure = "reanalysis-era5-pressure-levels"

    /// Monthly means on single levels.
    public static func monthlySingleLevels(
        variables: [String],
        years: [Int],
        months: [Int] = Array(1...12),
        area: Region? = .europe
    ) throws -> CDSRequest {
        try CDSRequest(
            dataset: monthlySingle,
            productType: "monthly_averaged_reanalysis",
            variables: variables,
            pressureLevels: nil,
            years: years,
            months: months,
            days: nil,
            times: ["00:00"],
            area: area
        ).validated()
    }

    /// Monthly means on pressure levels (default: the 13 BioCube levels).
    public static func monthlyPressureLevels(
        variables: [String],
        levels: [Int] = CDSRequest.bioCubeLevels,
        years: [Int],
        months: [Int] = Array(1...12),
        area: Region? = .europe
    ) throws -> CDSRequest {
        try CDSRequest(
            dataset: monthlyPressure,
            productType: "monthly_averaged_reanalysis",
            variables: variables,
            pressureLevels: levels,
            years: years,
            months: months,
            days: nil,
            times: ["00:00"],
            area: area
        ).validated()
    }

    /// Hourly (e.g. 6-hourly with `times: ["00:00","06:00","12:00","18:00"]`) data on single levels.
    public static func hourlySingleLevels(
        variables: [String],
        years: [Int],
        months: [Int] = Array(1...12),
        days: [Int] = Array(1...31),
        times: [String] = ["00:00", "06:00", "12:00", "18:00"],
        area: Region? = .europe
    ) throws -> CDSRequest {
        try CDSRequest(
            dataset: hourlySingle,
            productType: "reanalysis",
            variables: variables,
            pressureLevels: nil,
            years: years,
            months: months,
            days: days,
            times: times,
            area: area
        ).validated()
    }

    /// Hourly data on pressure levels.
    public static func hourlyPressureLevels(
        variables: [String],
        levels: [Int] = CDSRequest.bioCubeLevels,
        years: [Int],
        months: [Int] = Array(1...12),
        days: [Int] = Array(1...31),
        times: [String] = ["00:00", "06:00", "12:00", "18:00"],
        area: Region? = .europe
    ) throws -> CDSRequest {
        try CDSRequest(
            dataset: hourlyPressure,
            productType: "reanalysis",
            variables: variables,
            pressureLevels: levels,
            years: years,
            months: months,
            days: days,
            times: times,
            area: area
        ).validated()
    }

    /// The 13 pressure levels of BioCube, 1000 hPa first.
    public static let bioCubeLevels = [1000, 925, 850, 700, 600, 500, 400, 300, 250, 200, 150, 100, 50]

    private func validated() throws -> CDSRequest {
        guard !variables.isEmpty else {
            throw BioCubeError(.invalidArgument, "CDS request for \(dataset) names no variable")
        }
        guard !years.isEmpty, years.allSatisfy({ (1940...2100).contains($0) }) else {
            throw BioCubeError(.invalidArgument, "CDS request years \(years) must be non-empty and within 1940…2100")
        }
        guard !months.isEmpty, months.allSatisfy({ (1...12).contains($0) }) else {
            throw BioCubeError(.invalidArgument, "CDS request months \(months) must be within 1…12")
        }
        if let days, !days.allSatisfy({ (1...31).contains($0) }) {
            throw BioCubeError(.invalidArgument, "CDS request days \(days) must be within 1…31")
        }
        for t in times {
            let p = t.split(separator: ":")
            guard p.count == 2, let h = Int(p[0]), let m = Int(p[1]), (0..<24).contains(h), m == 0 else {
                throw BioCubeError(.invalidArgument, "CDS request time '\(t)' is not a whole hour HH:00")
            }
        }
        return CDSRequest(
            dataset: dataset,
            productType: productType,
            variables: variables.map(CDSRequest.cdsName(for:)),
            pressureLevels: pressureLevels,
            years: years.sorted(),
            months: months.sorted(),
            days: days?.sorted(),
            times: times,
            area: area
        )
    }

    private init(
        dataset: String,
        productType: String,
        variables: [String],
        pressureLevels: [Int]?,
        years: [Int],
        months: [Int],
        days: [Int]?,
        times: [String],
        area: Region?
    ) {
        self.dataset = dataset
        self.productType = productType
        self.variables = variables
        self.pressureLevels = pressureLevels
        self.years = years
        self.months = months
        self.days = days
        self.times = times
        self.area = area
    }

    /// The request as the CDS `inputs` document.
    package var inputs: JSONValue {
        func two(_ n: Int) -> JSONValue { .string(n < 10 ? "0\(n)" : "\(n)") }
        var o: [String: JSONValue] = [
            "product_type": [.string(productType)],
            "variable": .array(variables.map(JSONValue.string)),
            "year": .array(years.map { .string(String($0)) }),
            "month": .array(months.map(two)),
            "time": .array(times.map(JSONValue.string)),
            "data_format": "netcdf",
            "download_format": "unarchived",
        ]
        if let levels = pressureLevels { o["pressure_level"] = .array(levels.map { .string(String($0)) }) }
        if let days { o["day"] = .array(days.map(two)) }
        if let a = area { o["area"] = .array(a.cdsArea.map { .double($0) }) }
        return .object(o)
    }

    /// One request per year (the CDS limits request sizes; one job per year is the usual cut).
    public func splitByYear() -> [CDSRequest] {
        years.map { y in
            var r = self
            r.years = [y]
            return r
        }
    }

    /// One request per year and month (for hourly data).
    public func splitByMonth() -> [CDSRequest] {
        years.flatMap { y in
            months.map { m in
                var r = self
                r.years = [y]
                r.months = [m]
                return r
            }
        }
    }

    /// One request per month of `dates` that asks only for those days (at ``times``), as the
    /// original tooling's timestamps mode: an explicit list of dates across any span. Only
    /// for hourly datasets (those with days).
    public func splitByDates(_ dates: [UTCDateTime]) throws -> [CDSRequest] {
        guard days != nil else {
            throw BioCubeError(
                .invalidArgument,
                "\(dataset) has no days: a date list applies to hourly datasets (hourly-single, hourly-pressure)"
            )
        }
        guard !dates.isEmpty else { throw BioCubeError(.invalidArgument, "the date list is empty") }
        var byMonth: [Int: Set<Int>] = [:]
        for d in dates { byMonth[d.year * 100 + d.month, default: []].insert(d.day) }
        return try byMonth.keys.sorted().map { ym in
            var r = self
            r.years = [ym / 100]
            r.months = [ym % 100]
            r.days = byMonth[ym]!.sorted()
            return try r.validated()
        }
    }

    /// Reads a date list: one `YYYY-MM-DD` per line; blank lines and `#` comments are skipped.
    /// A bad line is an error naming the file and the line.
    public static func dates(fromFile path: String) throws -> [UTCDateTime] {
        let text = String(decoding: try FileIO.read(path), as: UTF8.self)
        var out: [UTCDateTime] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line =
                raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !line.isEmpty else { continue }
            let parts = line.split(separator: "-").map { Int($0) }
            guard parts.count == 3, let y = parts[0], let m = parts[1], let d = parts[2], line.count == 10,
                let date = try? UTCDateTime(year: y, month: m, day: d), date.day == d, date.month == m
            else {
                throw BioCubeError(.invalidArgument, "\(path):\(n + 1): '\(line)' is not a date YYYY-MM-DD")
            }
            out.append(date)
        }
        guard !out.isEmpty else { throw BioCubeError(.invalidArgument, "\(path): no dates (one YYYY-MM-DD per line)") }
        return out
    }

    /// A file name that identifies the request: dataset, years, months and a hash of the rest.
    public var fileName: String {
        let y = years.count == 1 ? "\(years[0])" : "\(years.min() ?? 0)-\(years.max() ?? 0)"
        let m = months == Array(1...12) ? "" : "_m" + months.map(String.init).joined(separator: "-")
        return "\(dataset)_\(y)\(m)_\(String(identity, radix: 16)).nc"
    }

    /// A stable 64-bit identity of the request (FNV-1a of its canonical JSON).
    package var identity: UInt64 {
        let text = (try? JSONValue.object(["dataset": .string(dataset), "inputs": inputs]).encoded()) ?? Data()
        return DownloadManifest.identity(of: text)
    }

    /// The CDS variable name of a BioCube short name (`t2m` → `2m_temperature`); other
    /// names pass through unchanged.
    package static func cdsName(for name: String) -> String { shortNames[name] ?? name }

    static let shortNames: [String: String] = [
        "t2m": "2m_temperature", "d2m": "2m_dewpoint_temperature", "msl": "mean_sea_level_pressure",
        "u10": "10m_u_component_of_wind", "v10": "10m_v_component_of_wind", "lsm": "land_sea_mask",
        "slt": "soil_type", "z": "geopotential", "t": "temperature", "u": "u_component_of_wind",
        "v": "v_component_of_wind", "q": "specific_humidity", "swvl1": "volumetric_soil_water_layer_1",
        "swvl2": "volumetric_soil_water_layer_2", "stl1": "soil_temperature_level_1",
        "stl2": "soil_temperature_level_2",
        "smlt": "snowmelt", "tp": "total_precipitation", "csfr": "convective_snowfall_rate_water_equivalent",
        "avg_sdswrf": "mean_surface_downward_short_wave_radiation_flux",
        "avg_snswrf": "mean_surface_net_short_wave_radiation_flux",
        "avg_snlwrf": "mean_surface_net_long_wave_radiation_flux", "avg_tprate": "mean_total_precipitation_rate",
        "avg_sdswrfcs": "mean_surface_downward_short_wave_radiation_flux_clear_sky", "sd": "snow_depth",
        "avg_slhtf": "mean_surface_latent_heat_flux", "avg_pevr": "mean_potential_evaporation_rate",
    ]
}
