package import BioCubeCore
import Foundation

/// The deterministic values of the embedded sample: every ERA5 variable, indicator and
/// species plane is a formula of (variable, level, month, cell) plus hashed noise, so the
/// generator can write it and any test can recompute what a pipeline must deliver.
///
/// Values are physically plausible (a smooth climatology with a seasonal cycle and a
/// latitude gradient, noise on top), not physically consistent.
package enum SampleField {
    /// The hashed noise in `[-1, 1)` for a key of up to five parts, quantised to 1/256.
    @inline(__always)
    static func noise(_ a: UInt64, _ b: UInt64 = 0, _ c: UInt64 = 0, _ d: UInt64 = 0, _ e: UInt64 = 0) -> Double {
        @inline(__always) func mix(_ x: UInt64) -> UInt64 {
            var z = x &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        // Two rounds: the name/level parts, then the (small) month and cell indices packed.
        let h = mix(mix(0x243F_6A88_85A3_08D3 ^ a ^ (b &* 0xD6E8_FEB8_6659_FD93)) ^ (c << 42 ^ d << 21 ^ e))
        return Double(Int64(bitPattern: h) >> 55) / 256
    }

    /// A stable 64-bit key for a name.
    static func key(_ name: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }

    /// Whether a cell of the 0.25° grid is land in the sample's made-up geography: a
    /// continent north of 36° N and east of the Atlantic, with a Mediterranean, a North
    /// Sea and a Baltic cut out.
    package static func isLand(latitude lat: Double, longitude lon: Double) -> Bool {
        func inside(_ la: Double, _ lo: Double, _ rla: Double, _ rlo: Double) -> Bool {
            let a = (lat - la) / rla
            let b = (lon - lo) / rlo
            return a * a + b * b < 1
        }
        guard lat > 36 + 2 * sin(lon / 6), lon > -10 + (lat - 36) * 0.12, lat < 71 else { return false }
        if inside(38.5, 16, 4, 14) || inside(55.5, 3, 3.5, 6) || inside(59, 20, 4.5, 3.5) || inside(43, 32, 2.5, 7) {
            return false
        }
        return true
    }

    /// Climatology of one ERA5 variable: base, per-degree latitude gradient (from 52° N),
    /// seasonal amplitude (peak in July), noise amplitude.
    struct Climatology {
        var base: Double, gradient: Double, seasonal: Double, noise: Double
    }

    static let era5: [String: Climatology] = [
        "t2m": .init(base: 283, gradient: -0.6, seasonal: 9, noise: 1.5),
        "d2m": .init(base: 278, gradient: -0.55, seasonal: 7, noise: 1.5),
        "msl": .init(base: 101_300, gradient: -15, seasonal: -250, noise: 120),
        "u10": .init(base: 1.5, gradient: 0.05, seasonal: -1, noise: 2.5),
        "v10": .init(base: 0.3, gradient: 0, seasonal: 0.5, noise: 2.5),
        "swvl1": .init(base: 0.3, gradient: 0.003, seasonal: -0.06, noise: 0.03),
        "swvl2": .init(base: 0.32, gradient: 0.003, seasonal: -0.04, noise: 0.02),
        "stl1": .init(base: 284, gradient: -0.6, seasonal: 10, noise: 1),
        "stl2": .init(base: 284, gradient: -0.55, seasonal: 7, noise: 0.8),
        "smlt": .init(base: 0.0002, gradient: 0.00001, seasonal: -0.0002, noise: 0.0001),
        "tp": .init(base: 0.0025, gradient: 0.00002, seasonal: -0.0005, noise: 0.001),
        "csfr": .init(base: 0.00001, gradient: 0.0000005, seasonal: -0.00001, noise: 0.000004),
        "avg_sdswrf": .init(base: 150, gradient: -3, seasonal: 100, noise: 10),
        "avg_snswrf": .init(base: 120, gradient: -2.5, seasonal: 85, noise: 8),
        "avg_snlwrf": .init(base: -60, gradient: 0.3, seasonal: -10, noise: 5),
        "avg_tprate": .init(base: 0.000029, gradient: 0.0000002, seasonal: -0.000006, noise: 0.00001),
        "avg_sdswrfcs": .init(base: 200, gradient: -3.5, seasonal: 110, noise: 6),
        "sd": .init(base: 0.05, gradient: 0.004, seasonal: -0.05, noise: 0.02),
        "avg_slhtf": .init(base: -60, gradient: 1, seasonal: -30, noise: 10),
        "avg_pevr": .init(base: -0.00003, gradient: 0.0000005, seasonal: -0.00002, noise: 0.000005),
    ]

    static func seasonal(_ step: UTCDateTime) -> Double { cos(2 * Double.pi * Double(step.month - 7) / 12) }

    static func monthIndex(_ step: UTCDateTime) -> UInt64 { UInt64(bitPattern: Int64(step.year * 12 + step.month - 1)) }

    /// Standard-atmosphere height (m) of a pressure level (hPa).
    static func height(_ p: Double) -> Double { 44_330 * (1 - pow(p / 1013.25, 0.1903)) }

    /// Per-cell constants of the formulas (computed once per grid when writing planes).
    struct Cell: Sendable {
        let latitude: Double, longitude: Double, land: Bool, orography: Double
        let latKey: UInt64, lonKey: UInt64

        init(latitude lat: Double, longitude lon: Double) {
            latitude = lat
            longitude = lon
            land = SampleField.isLand(latitude: lat, longitude: lon)
            orography = land ? max(0, 900 * sin(lat / 2.5) * cos(lon / 3.5)) + 100 : 0
            latKey = UInt64(bitPattern: Int64(lat * 4))
            lonKey = UInt64(bitPattern: Int64(lon * 4 + 2000))
        }
    }

    /// Per-plane constants: the variable's key, the level's terms and the month's season.
    struct PlaneContext: Sendable {
        let name: String, level: Double?, nameKey: UInt64, levelKey: UInt64, month: UInt64
        let season: Double, height: Double
        let climatology: Climatology?

        init(_ name: String, level: Double?, step: UTCDateTime) {
            self.name = name
            self.level = level
            nameKey = SampleField.key(name)
            levelKey = UInt64(bitPattern: Int64((level ?? -1) * 10))
            month = SampleField.monthIndex(step)
            season = SampleField.seasonal(step)
            height = level.map(SampleField.height) ?? 0
            climatology = SampleField.era5[name]
        }
    }

    /// The value of an ERA5 variable at a cell: `level` in hPa for pressure-level variables
    /// (`z t u v q`), `nil` for single-level ones (surface `z` is the orography).
    package static func era5(
        _ name: String,
        level: Double?,
        step: UTCDateTime,
        latitude lat: Double,
        longitude lon: Double
    ) -> Float {
        era5(PlaneContext(name, level: level, step: step), Cell(latitude: lat, longitude: lon))
    }

    @inline(__always)
    static func era5(_ p: PlaneContext, _ cell: Cell) -> Float {
        let n = noise(p.nameKey, p.levelKey, p.month, cell.latKey, cell.lonKey)
        let s = p.season
        let lat = cell.latitude
        if let level = p.level {
            let h = p.height
            switch p.name {
            case "z": return Float(9.80665 * (h + 40 * s + 20 * n) - 80 * (lat - 52))
            case "t": return Float(288.15 - 0.0065 * min(h, 11_000) - 0.5 * (lat - 52) + 6 * s * level / 1000 + 1.2 * n)
            case "u": return Float(8 * (1 - level / 1000) * 3 + 0.2 * (lat - 40) + 4 * n)
            case "v": return Float(1.5 * (1 - level / 1000) + 3 * n)
            case "q":
                let base = 0.008 * (level / 1000) * (level / 1000) * (level / 1000)
                return Float(max(1e-6, base * (1 + 0.3 * s) * (1 + 0.2 * n)))
            default: return .nan
            }
        }
        switch p.name {
        case "lsm": return cell.land ? 1 : 0
        case "slt":
            return cell.land
                ? Float(
                    1 + Int((noise(key("slt"), UInt64(lat * 4 / 8), UInt64((cell.longitude + 30) * 4 / 8)) + 1) * 3.49)
                )
                : 0
        case "z": return Float(9.80665 * cell.orography)
        default:
            guard let c = p.climatology else { return .nan }
            return Float(c.base + c.gradient * (lat - 52) + c.seasonal * s + c.noise * n)
        }
    }

    // MARK: Indicators

    /// The sample's countries: bands of longitude over the land cells.
    package static let countries = ["Atlantia", "Borealis", "Centralia", "Danubia", "Eastmark", "Farland"]

    /// The country (index into ``countries``) a land cell belongs to.
    static func country(longitude lon: Double) -> Int {
        min(countries.count - 1, max(0, Int(((lon + 10) / 10).rounded(.down))))
    }

    /// Whether a land cell sits on a country border (and is listed by both countries).
    static func isBorder(longitude lon: Double) -> Bool {
        let c = country(longitude: lon)
        return c > 0 && country(longitude: lon - 0.25) == c - 1
    }

    /// A value rounded to 2 decimals, as the sample writes it: the text and the float a
    /// correct CSV reader obtains from it.
    static func twoDecimals(_ x: Double) -> (text: String, value: Float) {
        let n = Int((x * 100).rounded())
        let a = abs(n)
        let frac = a % 100
        return ((n < 0 ? "-" : "") + "\(a / 100).\(frac < 10 ? "0" : "")\(frac)", Float(Double(n) / 100))
    }

    /// The raw (unrounded) indicator value of a land cell for a year (yearly indicators) or
    /// a month (NDVI); `decoy` gives the different value written in a border cell's other row.
    static func indicatorRaw(
        _ name: String,
        step: UTCDateTime,
        latitude lat: Double,
        longitude lon: Double,
        decoy: Bool = false
    ) -> Double {
        let cell = noise(key(name), UInt64(lat * 4), UInt64((lon + 30) * 4))  // per-cell constant
        let yearly = noise(key(name), UInt64(step.year), UInt64(lat * 4), UInt64((lon + 30) * 4))
        let offset = decoy ? 500.0 : 0
        switch name {
        case "Forest": return offset + 30 + 25 * cell + 0.4 * Double(step.year - 2000) + 0.5 * yearly
        case "Land": return offset + 60 + 20 * cell - 0.3 * Double(step.year - 2000)
        case "NDVI":
            let m = noise(key(name), monthIndex(step), UInt64(lat * 4), UInt64((lon + 30) * 4))
            return offset + 0.45 + 0.15 * cell + 0.25 * seasonal(step) - 0.004 * (lat - 52) + 0.03 * m
        case "Agriculture": return offset + 40 + 20 * cell + 0.5 * yearly
        case "Agriculture_Irrigated": return offset + 5 + 4 * cell + 0.2 * yearly
        case "Arable": return offset + 25 + 15 * cell + 0.5 * yearly
        case "Cropland": return offset + 30 + 15 * cell + 0.4 * yearly
        case "RLI":
            let c = country(longitude: lon)
            return offset + 0.80 + 0.02 * Double(c) - 0.003 * Double(step.year - 2000) + (decoy ? 0 : 0)
        default: return .nan
        }
    }

    // MARK: Species

    /// The species keys of the sample (real GBIF keys of European species).
    package static let species = [
        "1340361", "1340503", "2435099", "2480528", "2492960", "5219173", "5231190", "8077224",
    ]

    /// The sample's occurrence count of a species in a land cell and month (0 when absent).
    static func occurrences(_ species: String, step: UTCDateTime, latitude lat: Double, longitude lon: Double) -> Int {
        let k = key(species)
        let range = noise(k, UInt64(lat * 4 / 6), UInt64((lon + 30) * 4 / 6))  // patchy range, 1.5° blocks
        guard range > 0.55 else { return 0 }
        let seen = noise(k, monthIndex(step), UInt64(lat * 4), UInt64((lon + 30) * 4))
        guard seen > 0.2 else { return 0 }
        return 1 + Int((seen - 0.2) * 10)
    }
}
