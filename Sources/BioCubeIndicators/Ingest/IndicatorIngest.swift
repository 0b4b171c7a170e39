public import BioCubeCore
import Foundation

/// Spreads national yearly series over the grid points inside each country and writes
/// BioCube indicator CSVs (the original tooling's "Ingest Data" step).
public struct IndicatorIngest: Sendable {
    package let polygons: CountryPolygons
    package let grid: Grid
    package let problems: ProblemLog

    /// Uses `polygons` (default: the bundled Natural Earth countries) on `grid`.
    public init(polygons: CountryPolygons, grid: Grid = .europe025, problems: ProblemLog = ProblemLog()) {
        self.polygons = polygons
        self.grid = grid
        self.problems = problems
    }

    /// A row of the output: one grid point of one country.
    struct PointRow {
        let country: String
        let latitude: Double
        let longitude: Double
        let values: [Int: Float]
    }

    func rows(for series: NationalSeries, source: String, progress: (Int, Int) -> Void = { _, _ in }) -> [PointRow] {
        var rows: [PointRow] = []
        var unmatched: [String] = []
        for (i, e) in series.entries.enumerated() {
            progress(i, series.entries.count)
            guard let country = polygons.country(code: e.code, name: e.name) else {
                unmatched.append(e.name)
                continue
            }
            for p in polygons.gridPoints(of: country, on: grid) {
                rows.append(
                    PointRow(
                        country: e.name,
                        latitude: grid.latitude[p.row],
                        longitude: grid.longitude[p.column],
                        values: e.values
                    )
                )
            }
        }
        progress(series.entries.count, series.entries.count)
        if !unmatched.isEmpty {
            problems.report(
                Problem(
                    .warning,
                    .unmatchedNames,
                    file: source,
                    message:
                        "\(unmatched.count) entries match no country outline (aggregates or unknown names): \(unmatched.prefix(12).joined(separator: "; "))\(unmatched.count > 12 ? "; …" : "")"
                )
            )
        }
        return rows
    }

    /// Writes the year-columns layout `Country, Latitude, Longitude, {variable}_{YYYY}…`.
    public func writeYearColumns(
        _ series: NationalSeries,
        variable: String,
        source: String,
        to path: String,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> Int {
        let rows = rows(for: series, source: source, progress: progress)
        let years = series.years
        var text = "Country,Latitude,Longitude" + years.map { ",\(variable)_\($0)" }.joined() + "\n"
        for r in rows {
            text += "\(IndicatorIngest.quote(r.country)),\(r.latitude),\(r.longitude)"
            for y in years { text += "," + (r.values[y].map { "\($0)" } ?? "") }
            text += "\n"
        }
        try FileIO.writeAtomically(path, Array(text.utf8))
        return rows.count
    }

    /// Writes the combined layout `Variable, Country, Latitude, Longitude, {prefix}_{YYYY}…`,
    /// one block of rows per indicator.
    public func writeVariableColumn(
        _ series: [(variable: String, series: NationalSeries, source: String)],
        prefix: String = "Agri",
        to path: String,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> Int {
        let years = Set(series.flatMap { $0.series.years }).sorted()
        var text = "Variable,Country,Latitude,Longitude" + years.map { ",\(prefix)_\($0)" }.joined() + "\n"
        var count = 0
        for s in series {
            for r in rows(for: s.series, source: s.source, progress: progress) {
                text +=
                    "\(IndicatorIngest.quote(s.variable)),\(IndicatorIngest.quote(r.country)),\(r.latitude),\(r.longitude)"
                for y in years { text += "," + (r.values[y].map { "\($0)" } ?? "") }
                text += "\n"
                count += 1
            }
        }
        try FileIO.writeAtomically(path, Array(text.utf8))
        return count
    }

    static func quote(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
