package import BioCubeCore
import Synchronization

/// One indicator CSV parsed once into a compact table: one row per grid point, one
/// float32 column per time column (column-major, so a plane is one contiguous read).
///
/// Layouts (Documentation/Reference.md §3), detected from the header:
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
package final class IndicatorTable: @unchecked Sendable {
    // Safety: every stored property is immutable after init; `storage` is only read.
    /// One time column.
    package struct TimeColumn: Hashable, Sendable {
        /// Index into ``variables``, or -1 when each row's `Variable` field names it.
        package let variable: Int
        package let year: Int
        /// 1…12 for monthly columns, nil for yearly ones.
        package let month: Int?
    }

    /// How the header was read.
    package enum Layout: String, Sendable {
        case yearColumns = "year columns"
        case monthColumns = "month columns"
        case yearAndMonthColumns = "year and month columns"
        case variableColumn = "Variable column"
    }

    package let path: String
    package let layout: Layout
    /// Indicator names, in header order (or first-seen order of the `Variable` column).
    package let variables: [String]
    package let columns: [TimeColumn]
    /// Latitude and longitude of every data row.
    package let latitudes: [Double]
    package let longitudes: [Double]
    /// For the `Variable`-column layout: each row's indicator index; empty otherwise.
    let rowVariables: [Int32]
    /// `columns.count × rows` values, column-major; NaN for empty cells. Large tables keep
    /// them in a scratch file, a column resident only while it is read.
    private let storage: SpillableBuffer<Float>
    /// Header columns that are neither coordinates, country, variable nor time columns.
    package let ignoredColumns: [String]
    private let mappings = Locked<[Grid: RowMapping]>([:])

    /// Rows → grid cells for one grid, after duplicate resolution.
    struct RowMapping: Sendable {
        /// Cell index per row, -1 for rows off the grid or losing a duplicate.
        let cells: [Int32]
        let offGrid: Int
        let duplicates: Int
    }

    /// Whether the values are kept in a scratch file (tables past a few megabytes).
    var valuesSpilled: Bool { storage.spilled }

    /// The number of data rows.
    package var rowCount: Int { latitudes.count }

    /// Values beyond float32's range (or written as infinity), stored as missing.
    package let outOfRangeValues: Int
    /// The last field's text when the last row has no line end (a file may have been cut
    /// there); nil when the file ends with one.
    package let unterminatedLastField: String?

    /// Parses `path` on the calling thread; `bareYearVariable` names the indicator of bare
    /// `YYYY` columns.
    package convenience init(path: String, bareYearVariable: String = "Land") throws {
        let parser = try IndicatorParser(
            path: path,
            storage: ByteStorage(mapping: path),
            bareYearVariable: bareYearVariable
        )
        let parts = parser.parts(1)
        let sink = try parser.makeSink(rows: try parser.recordCount(parts))
        var rowNames: [[String]] = []
        var start = 0
        do {
            for part in parts {
                rowNames.append(try parser.parseRows(part.range, firstRow: start, into: sink))
                parser.release(part.range)
                sink.store.releaseAll()
                start += part.records
            }
        } catch {
            sink.deallocate()
            throw error
        }
        try self.init(parser: parser, sink: sink, rowNames: rowNames)
    }

    /// Parses `path`, splitting the rows over up to `maxConcurrency` tasks (files without
    /// quoted fields; others are parsed by one task).
    package static func load(
        path: String,
        bareYearVariable: String = "Land",
        maxConcurrency: Int = 2
    ) async throws -> IndicatorTable {
        let parser = try IndicatorParser(
            path: path,
            storage: ByteStorage(mapping: path),
            bareYearVariable: bareYearVariable
        )
        let parts = parser.parts(maxConcurrency)
        let sink = try parser.makeSink(rows: try parser.recordCount(parts))
        var firstRows: [Int] = []
        var total = 0
        for p in parts {
            firstRows.append(total)
            total += max(0, p.records)
        }
        let starts = firstRows
        let names = Locked([[String]](repeating: [], count: parts.count))
        do {
            try await concurrentForEach(count: parts.count, maxConcurrency: maxConcurrency) { k in
                let n = try parser.parseRows(parts[k].range, firstRow: starts[k], into: sink)
                parser.release(parts[k].range)
                sink.store.releaseAll()
                names.withLock { $0[k] = n }
            }
        } catch {
            sink.deallocate()
            throw error
        }
        return try IndicatorTable(parser: parser, sink: sink, rowNames: names.withLock { $0 })
    }

    private init(parser: IndicatorParser, sink: IndicatorParser.Sink, rowNames: [[String]]) throws {
        path = parser.path
        columns = parser.timeColumns
        ignoredColumns = parser.ignored
        latitudes = Array(sink.latitudes)
        longitudes = Array(sink.longitudes)
        outOfRangeValues = sink.outOfRange.value.load(ordering: .relaxed)
        unterminatedLastField = parser.unterminatedLastField
        storage = sink.store
        sink.latitudes.deallocate()
        sink.longitudes.deallocate()
        var names = parser.names
        if parser.variableColumn >= 0 {
            // Indicators of the Variable layout, in first-seen row order.
            var index: [String: Int32] = [:]
            var rv: [Int32] = []
            rv.reserveCapacity(latitudes.count)
            for part in rowNames {
                for n in part {
                    if let i = index[n] {
                        rv.append(i)
                    } else {
                        index[n] = Int32(names.count)
                        names.append(n)
                        rv.append(Int32(names.count - 1))
                    }
                }
            }
            rowVariables = rv
        } else {
            rowVariables = []
        }
        variables = names
        let hasYears = columns.contains { $0.month == nil }
        let hasMonths = columns.contains { $0.month != nil }
        layout =
            parser.variableColumn >= 0
            ? .variableColumn
            : hasYears && hasMonths
                ? .yearAndMonthColumns
                : hasMonths ? .monthColumns : .yearColumns
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
            let m = suffix[..<slash]
            let y = suffix[suffix.index(after: slash)...]
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
        var offGrid = 0
        var duplicates = 0
        let lastWins = layout == .variableColumn
        var owner: [Int: Int] = [:]  // key → row
        let rowOrder: [Int] = Array(0..<rowCount)
        for r in rowOrder {
            guard let cell = grid.cell(latitude: latitudes[r], longitude: longitudes[r]) else {
                offGrid += 1
                continue
            }
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
        if let c = columns.firstIndex(where: { $0.variable == wanted && $0.year == step.year && $0.month == step.month }
        ) {
            return c
        }
        return columns.firstIndex(where: { $0.variable == wanted && $0.year == step.year && $0.month == nil })
    }

    /// Writes column `c` of `variable`'s rows into `plane` (NaN elsewhere is the caller's).
    func scatter(column c: Int, variable: Int, mapping: RowMapping, into plane: UnsafeMutableBufferPointer<Float>) {
        let base = c * rowCount
        let v = UnsafeBufferPointer(storage.buffer)
        defer { storage.release(base..<(base + rowCount)) }
        do {
            mapping.cells.withUnsafeBufferPointer { cells in
                if layout == .variableColumn {
                    rowVariables.withUnsafeBufferPointer { rv in
                        for r in 0..<cells.count where cells[r] >= 0 && rv[r] == Int32(variable) {
                            plane[Int(cells[r])] = v[base + r]
                        }
                    }
                } else {
                    for r in 0..<cells.count where cells[r] >= 0 { plane[Int(cells[r])] = v[base + r] }
                }
            }
        }
    }
}

extension IndicatorTable {
    /// How the rows fall on `grid`: rows off the grid (ignored) and rows repeating a cell
    /// (resolved by the layout's duplicate rule: first row wins, last row for the
    /// `Variable` layout).
    package func coverage(on grid: Grid) -> (offGridRows: Int, duplicateRows: Int) {
        let m = mapping(onto: grid)
        return (m.offGrid, m.duplicates)
    }
}
