import BioCubeCore
import Synchronization

/// One indicator CSV parsed once into a compact table: one row per grid point, one
/// float32 column per time column (column-major, so a plane is one contiguous read).
///
/// Layouts (REFERENCE §3), detected from the header:
/// - year columns `{Var}_{YYYY}` (Forest, Land, RLI, …);
/// - month columns `{Var}_{MM}/{YYYY}` (NDVI);
/// - a `Variable` column with `{Prefix}_{YYYY}` columns (combined agriculture: the row's
///   `Variable` names the indicator);
/// - bare years `YYYY` (the combined land file; read as `bareYearVariable`, default `Land`)
///   next to month columns.
/// Empty cells are missing (NaN). Longitudes may be 0…360 or −180…180.
///
/// Duplicate grid points (border cells listed for two countries) are resolved as the
/// original tooling did, so values match the published batches: the **first** row wins,
/// except in the `Variable`-column layout where the **last** row (per cell and indicator)
/// wins. Duplicates and rows off the grid are counted and reported.
public final class IndicatorTable: Sendable {
    /// One time column.
    public struct TimeColumn: Hashable, Sendable {
        /// Index into ``variables``, or -1 when each row's `Variable` field names it.
        public let variable: Int
        public let year: Int
        /// 1…12 for monthly columns, nil for yearly ones.
        public let month: Int?
    }

    /// How the header was read.
    public enum Layout: String, Sendable {
        case yearColumns = "year columns"
        case monthColumns = "month columns"
        case yearAndMonthColumns = "year and month columns"
        case variableColumn = "Variable column"
    }

    public let path: String
    public let layout: Layout
    /// Indicator names, in header order (or first-seen order of the `Variable` column).
    public let variables: [String]
    public let columns: [TimeColumn]
    /// Latitude and longitude of every data row.
    public let latitudes: [Double]
    public let longitudes: [Double]
    /// For the `Variable`-column layout: each row's indicator index; empty otherwise.
    let rowVariables: [Int32]
    /// `columns.count × rows` values, column-major; NaN for empty cells.
    let values: [Float]
    /// Header columns that are neither coordinates, country, variable nor time columns.
    public let ignoredColumns: [String]
    private let mappings = Mutex<[Grid: RowMapping]>([:])

    /// Rows → grid cells for one grid, after duplicate resolution.
    struct RowMapping: Sendable {
        /// Cell index per row, -1 for rows off the grid or losing a duplicate.
        let cells: [Int32]
        let offGrid: Int
        let duplicates: Int
    }

    /// The number of data rows.
    public var rowCount: Int { latitudes.count }

    /// Parses `path`; `bareYearVariable` names the indicator of bare `YYYY` columns.
    public convenience init(path: String, bareYearVariable: String = "Land") throws {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch let e as BioCubeError { throw BioCubeError(e.code, e.message) }
        try self.init(path: path, bytes: bytes, bareYearVariable: bareYearVariable)
    }

    init(path: String, bytes: [UInt8], bareYearVariable: String = "Land") throws {
        self.path = path
        let scanner = CSVScanner(path: path, bytes: bytes)
        var header: [String] = []
        var latColumn = -1, lonColumn = -1, variableColumn = -1, countryColumn = -1
        var fieldColumn: [Int] = []  // header column → time column index or -1
        var timeColumns: [TimeColumn] = []
        var names: [String] = []
        var ignored: [String] = []
        var lats: [Double] = [], lons: [Double] = []
        var rowVars: [Int32] = []
        var columnsData: [[Float]] = []
        var sawHeader = false
        func index(of name: String) -> Int {
            if let i = names.firstIndex(of: name) { return i }
            names.append(name)
            return names.count - 1
        }
        try scanner.forEachRecord { record, fields in
            if !sawHeader {
                sawHeader = true
                header = try fields.indices.map { try scanner.text(fields[$0], record: record, column: $0 + 1) }
                for (c, raw) in header.enumerated() {
                    let name = raw.trimmingSpaces
                    switch name.lowercased() {
                    case "latitude", "lat": latColumn = c; fieldColumn.append(-1); continue
                    case "longitude", "lon": lonColumn = c; fieldColumn.append(-1); continue
                    case "variable": variableColumn = c; fieldColumn.append(-1); continue
                    case "country", "country name", "country_name": countryColumn = c; fieldColumn.append(-1); continue
                    default: break
                    }
                    if let t = IndicatorTable.parseTimeColumn(name) {
                        let v = t.variable.map(index(of:)) ?? index(of: bareYearVariable)
                        timeColumns.append(TimeColumn(variable: v, year: t.year, month: t.month))
                        fieldColumn.append(timeColumns.count - 1)
                    } else {
                        ignored.append(name)
                        fieldColumn.append(-1)
                    }
                }
                guard latColumn >= 0, lonColumn >= 0 else {
                    throw BioCubeError(.invalidArgument, "\(path): no known layout: the header has no Latitude and Longitude columns (header starts \(header.prefix(6).joined(separator: ", ")))")
                }
                guard !timeColumns.isEmpty else {
                    throw BioCubeError(.invalidArgument, "\(path): no known layout: no {Var}_{YYYY}, {Var}_{MM}/{YYYY} or YYYY columns in the header")
                }
                if variableColumn >= 0 {
                    // The Variable layout: year columns belong to the row's indicator.
                    names.removeAll()
                    timeColumns = timeColumns.map { TimeColumn(variable: -1, year: $0.year, month: $0.month) }
                }
                columnsData = Array(repeating: [], count: timeColumns.count)
                return true
            }
            guard fields.count == header.count else {
                throw BioCubeError(.corruptData, "\(path): record \(record) has \(fields.count) fields, the header \(header.count) (ragged row)")
            }
            func coordinate(_ c: Int, _ what: String) throws -> Double {
                guard let v = scanner.number(fields[c]), v.isFinite else {
                    let shown = (try? scanner.text(fields[c], record: record, column: c + 1)) ?? "(not UTF-8)"
                    throw BioCubeError(.corruptData, "\(path): record \(record), column \(c + 1) (\(header[c])): \(what) '\(shown)' is not a number")
                }
                return v
            }
            if countryColumn >= 0 { _ = try scanner.text(fields[countryColumn], record: record, column: countryColumn + 1) }
            lats.append(try coordinate(latColumn, "latitude"))
            lons.append(try coordinate(lonColumn, "longitude"))
            if variableColumn >= 0 {
                let name = try scanner.text(fields[variableColumn], record: record, column: variableColumn + 1)
                guard !name.isEmpty else {
                    throw BioCubeError(.corruptData, "\(path): record \(record): empty Variable field")
                }
                rowVars.append(Int32(index(of: name)))
            }
            for c in 0..<fields.count {
                let t = fieldColumn[c]
                guard t >= 0 else { continue }
                let f = fields[c]
                if scanner.isEmpty(f) { columnsData[t].append(.nan); continue }
                guard let v = scanner.number(f) else {
                    let shown = (try? scanner.text(f, record: record, column: c + 1)) ?? "(not UTF-8)"
                    throw BioCubeError(.corruptData, "\(path): record \(record), column \(c + 1) (\(header[c])): '\(shown)' is not a number")
                }
                columnsData[t].append(Float(v))
            }
            return true
        }
        guard sawHeader else { throw BioCubeError(.corruptData, "\(path): empty file (no header)") }
        latitudes = lats
        longitudes = lons
        rowVariables = rowVars
        variables = names
        columns = timeColumns
        ignoredColumns = ignored
        var flat = [Float]()
        flat.reserveCapacity(timeColumns.count * lats.count)
        for c in columnsData { flat.append(contentsOf: c) }
        values = flat
        let hasYears = timeColumns.contains { $0.month == nil }, hasMonths = timeColumns.contains { $0.month != nil }
        layout = variableColumn >= 0 ? .variableColumn : hasYears && hasMonths ? .yearAndMonthColumns : hasMonths ? .monthColumns : .yearColumns
    }

    /// `Forest_1990` → (Forest, 1990); `NDVI_01/2000` → (NDVI, 2000, 1); `1961` → (nil, 1961).
    static func parseTimeColumn(_ name: String) -> (variable: String?, year: Int, month: Int?)? {
        func year(_ s: Substring) -> Int? {
            s.count == 4 && s.allSatisfy(\.isASCII) ? Int(s).flatMap { (1000...9999).contains($0) ? $0 : nil } : nil
        }
        if let y = year(Substring(name)) { return (nil, y, nil) }
        guard let underscore = name.lastIndex(of: "_") else { return nil }
        let variable = String(name[..<underscore])
        let suffix = name[name.index(after: underscore)...]
        guard !variable.isEmpty else { return nil }
        if let slash = suffix.firstIndex(of: "/") {
            let m = suffix[..<slash], y = suffix[suffix.index(after: slash)...]
            guard m.count == 2, let month = Int(m), (1...12).contains(month), let yy = year(y) else { return nil }
            return (variable, yy, month)
        }
        guard let y = year(suffix) else { return nil }
        return (variable, y, nil)
    }

    /// Rows → cells of `grid` (computed once per grid), with duplicates resolved.
    func mapping(onto grid: Grid) -> RowMapping {
        if let m = mappings.withLock({ $0[grid] }) { return m }
        var cells = [Int32](repeating: -1, count: rowCount)
        var offGrid = 0, duplicates = 0
        let lastWins = layout == .variableColumn
        var owner: [Int: Int] = [:]   // key → row
        let rowOrder: [Int] = Array(0..<rowCount)
        for r in rowOrder {
            guard let cell = grid.cell(latitude: latitudes[r], longitude: longitudes[r]) else { offGrid += 1; continue }
            let index = cell.row * grid.width + cell.column
            let key = lastWins ? index * max(1, variables.count) + Int(rowVariables[r]) : index
            if let previous = owner[key] {
                duplicates += 1
                if lastWins { cells[previous] = -1 } else { continue }
            }
            owner[key] = r
            cells[r] = Int32(index)
        }
        let m = RowMapping(cells: cells, offGrid: offGrid, duplicates: duplicates)
        mappings.withLock { $0[grid] = m }
        return m
    }

    /// The time column serving `variable` at `step`: the month column of that month if the
    /// table has one, else the year column of that year; nil when the table has neither.
    func column(for variable: Int, at step: UTCDateTime) -> Int? {
        let wanted = layout == .variableColumn ? -1 : variable
        if let c = columns.firstIndex(where: { $0.variable == wanted && $0.year == step.year && $0.month == step.month }) { return c }
        return columns.firstIndex(where: { $0.variable == wanted && $0.year == step.year && $0.month == nil })
    }

    /// Writes column `c` of `variable`'s rows into `plane` (NaN elsewhere is the caller's).
    func scatter(column c: Int, variable: Int, mapping: RowMapping, into plane: UnsafeMutableBufferPointer<Float>) {
        let base = c * rowCount
        values.withUnsafeBufferPointer { v in
            mapping.cells.withUnsafeBufferPointer { cells in
                if layout == .variableColumn {
                    rowVariables.withUnsafeBufferPointer { rv in
                        for r in 0..<cells.count where cells[r] >= 0 && rv[r] == Int32(variable) { plane[Int(cells[r])] = v[base + r] }
                    }
                } else {
                    for r in 0..<cells.count where cells[r] >= 0 { plane[Int(cells[r])] = v[base + r] }
                }
            }
        }
    }
}
