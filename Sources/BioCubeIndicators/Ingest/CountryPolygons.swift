package import BioCubeCore
public import Foundation

/// Country outlines for mapping national indicator values onto grid points: Natural Earth
/// 1:110m admin-0 countries (public domain) by default, or any GeoJSON FeatureCollection of
/// (Multi)Polygons with `name` and `iso_a3` properties.
///
/// A grid point belongs to a country when it lies inside the country's rings by the
/// even-odd rule (holes and islands included), tested only for points inside the
/// country's bounding box.
public struct CountryPolygons: Sendable {
    /// One country.
    public struct Country: Sendable {
        public let name: String
        /// ISO 3166-1 alpha-3 code (as the World Bank and Our World in Data use), or "-99".
        public let code: String
        /// Ring vertices as (longitude, latitude), rings concatenated.
        let points: [(lon: Double, lat: Double)]
        /// Start index of each ring in `points`, plus the end.
        let ringStarts: [Int]
        /// Bounding box.
        public let south: Double, north: Double, west: Double, east: Double
    }

    public let countries: [Country]
    /// Where the outlines come from (for reports).
    public let source: String

    /// The bundled Natural Earth 1:110m countries.
    public static func naturalEarth() throws -> CountryPolygons {
        guard let url = Bundle.module.url(forResource: "countries", withExtension: "geojson") else {
            throw BioCubeError(
                .notFound,
                "the bundled Natural Earth countries (countries.geojson) are missing from the BioCubeIndicators resources"
            )
        }
        return try CountryPolygons(geoJSON: Data(contentsOf: url), source: url.path)
    }

    /// Parses a GeoJSON FeatureCollection; `source` names it in errors.
    public init(geoJSON data: Data, source: String) throws {
        self.source = source
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let features = root["features"] as? [[String: Any]]
        else {
            throw BioCubeError(.corruptData, "\(source): not a GeoJSON FeatureCollection")
        }
        var out: [Country] = []
        for (i, f) in features.enumerated() {
            let props = f["properties"] as? [String: Any] ?? [:]
            guard let name = props["name"] as? String else {
                throw BioCubeError(.corruptData, "\(source): feature \(i) has no 'name' property")
            }
            let code = (props["iso_a3"] as? String) ?? "-99"
            guard let geometry = f["geometry"] as? [String: Any], let type = geometry["type"] as? String,
                let coordinates = geometry["coordinates"] as? [Any]
            else {
                throw BioCubeError(.corruptData, "\(source): feature '\(name)' has no geometry")
            }
            let polygons: [Any]
            switch type {
            case "Polygon": polygons = [coordinates]
            case "MultiPolygon": polygons = coordinates
            default: throw BioCubeError(.unsupported, "\(source): feature '\(name)' is a \(type), not a (Multi)Polygon")
            }
            var points: [(lon: Double, lat: Double)] = []
            var starts: [Int] = []
            for polygon in polygons {
                for ring in polygon as? [Any] ?? [] {
                    starts.append(points.count)
                    for p in ring as? [[Double]] ?? [] where p.count >= 2 { points.append((p[0], p[1])) }
                }
            }
            guard !points.isEmpty else {
                throw BioCubeError(.corruptData, "\(source): feature '\(name)' has no coordinates")
            }
            starts.append(points.count)
            out.append(
                Country(
                    name: name,
                    code: code,
                    points: points,
                    ringStarts: starts,
                    south: points.map(\.lat).min()!,
                    north: points.map(\.lat).max()!,
                    west: points.map(\.lon).min()!,
                    east: points.map(\.lon).max()!
                )
            )
        }
        countries = out
    }

    /// The country with ISO code `code`, else the one called `name` (aliases such as
    /// Russian Federation → Russia, Czech Republic → Czechia are understood).
    package func country(code: String?, name: String?) -> Country? {
        if let code, code.count == 3, let c = countries.first(where: { $0.code == code.uppercased() }) { return c }
        guard let name else { return nil }
        let key = CountryPolygons.normalise(name)
        let wanted = CountryPolygons.aliases[key] ?? key
        return countries.first { CountryPolygons.normalise($0.name) == wanted }
    }

    static func normalise(_ name: String) -> String {
        name.lowercased().folding(options: .diacriticInsensitive, locale: nil)
            .replacingOccurrences(of: "&", with: "and").replacingOccurrences(of: ".", with: "")
            .trimmingCharacters(in: .whitespaces)
    }

    /// Alternative spellings (normalised) → the Natural Earth name (normalised).
    static let aliases: [String: String] = [
        "russian federation": "russia", "czech republic": "czechia", "slovak republic": "slovakia",
        "bosnia and herzegovina": "bosnia and herz", "republic of moldova": "moldova",
        "moldova, republic of": "moldova",
        "north macedonia": "north macedonia", "macedonia": "north macedonia", "macedonia, fyr": "north macedonia",
        "turkiye": "turkey", "türkiye": "turkey",
        "united kingdom of great britain and northern ireland": "united kingdom",
        "kosovo (under unscr 1244)": "kosovo", "cote d'ivoire": "côte d'ivoire", "iran, islamic rep": "iran",
        "egypt, arab rep": "egypt", "syrian arab republic": "syria", "korea, rep": "south korea",
        "venezuela, rb": "venezuela", "yemen, rep": "yemen", "kyrgyz republic": "kyrgyzstan", "lao pdr": "laos",
        "gambia, the": "gambia", "bahamas, the": "bahamas", "congo, dem rep": "dem rep congo", "congo, rep": "congo",
        "viet nam": "vietnam", "vatican": "vatican city", "holy see": "vatican city",
    ].reduce(into: [:]) { $0[normalise($1.key)] = normalise($1.value) }

    /// The grid points of `grid` inside `country`, as (row, column), row-major.
    package func gridPoints(of country: Country, on grid: Grid) -> [(row: Int, column: Int)] {
        let tol = grid.latitude.defaultTolerance
        guard let rows = grid.latitude.indexRange(within: country.south - tol, country.north + tol) else { return [] }
        var out: [(row: Int, column: Int)] = []
        country.points.withUnsafeBufferPointer { pts in
            for r in rows {
                let lat = grid.latitude[r]
                // The longitudes where this latitude crosses an edge, per ring (even-odd rule).
                var crossings: [Double] = []
                for k in 0..<(country.ringStarts.count - 1) {
                    let a = country.ringStarts[k]
                    let b = country.ringStarts[k + 1]
                    guard b - a >= 3 else { continue }
                    var j = b - 1
                    for i in a..<b {
                        let (x1, y1) = pts[i]
                        let (x2, y2) = pts[j]
                        if (y1 > lat) != (y2 > lat) { crossings.append(x1 + (lat - y1) / (y2 - y1) * (x2 - x1)) }
                        j = i
                    }
                }
                guard crossings.count >= 2 else { continue }
                crossings.sort()
                var i = 0
                while i + 1 < crossings.count {
                    let lo = crossings[i]
                    let hi = crossings[i + 1]
                    let a = grid.normalisedLongitude(lo)
                    let width = hi - lo
                    if let cols = grid.longitude.indexRange(within: a, a + width) {
                        for c in cols {
                            let lon = grid.longitude[c]
                            if lon > a && lon < a + width { out.append((r, c)) }
                        }
                    }
                    i += 2
                }
            }
        }
        return out
    }
}
