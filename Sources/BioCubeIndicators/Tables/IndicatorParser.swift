import BioCubeCore

/// The header plan of an indicator CSV and the row parser that fills an
/// ``IndicatorTable``'s storage; rows of disjoint parts can be parsed concurrently.
struct IndicatorParser: Sendable {
    let path: String
    let bytes: [UInt8]
    let header: [String]
    let latColumn: Int, lonColumn: Int, variableColumn: Int, countryColumn: Int
    /// Header column → time column index, or -1.
    let fieldColumn: [Int]
    let timeColumns: [IndicatorTable.TimeColumn]
    let names: [String]
    let ignored: [String]
    /// Offset of the first data row.
    let bodyStart: Int

    /// Preallocated outputs shared by the row parsers (disjoint rows per part).
    struct Sink: @unchecked Sendable {
        let values: UnsafeMutableBufferPointer<Float>
        let latitudes: UnsafeMutableBufferPointer<Double>
        let longitudes: UnsafeMutableBufferPointer<Double>
        let rows: Int

        func deallocate() { values.deallocate(); latitudes.deallocate(); longitudes.deallocate() }
    }

    init(path: String, bytes: [UInt8], bareYearVariable: String) throws {
        self.path = path
        self.bytes = bytes
        let scanner = CSVScanner(path: path, bytes: bytes)
        var header: [String] = []
        try scanner.forEachRecord { record, fields in
            header = try fields.indices.map { try scanner.text(fields[$0], record: record, column: $0 + 1) }
            return false
        }
        guard !header.isEmpty else { throw BioCubeError(.corruptData, "\(path): empty file (no header)") }
        bodyStart = scanner.endOfFirstRecord
        var lat = -1, lon = -1, variable = -1, country = -1
        var fieldColumn: [Int] = [], timeColumns: [IndicatorTable.TimeColumn] = [], names: [String] = [], ignored: [String] = []
        func index(of name: String) -> Int {
            if let i = names.firstIndex(of: name) { return i }
            names.append(name)
            return names.count - 1
        }
        for (c, name) in header.enumerated() {
            switch name.lowercased() {
            case "latitude", "lat": lat = c; fieldColumn.append(-1); continue
            case "longitude", "lon": lon = c; fieldColumn.append(-1); continue
            case "variable": variable = c; fieldColumn.append(-1); continue
            case "country", "country name", "country_name": country = c; fieldColumn.append(-1); continue
            default: break
            }
            if let t = IndicatorTable.parseTimeColumn(name) {
                let v = t.variable.map(index(of:)) ?? index(of: bareYearVariable)
                timeColumns.append(IndicatorTable.TimeColumn(variable: v, year: t.year, month: t.month))
                fieldColumn.append(timeColumns.count - 1)
            } else {
                ignored.append(name)
                fieldColumn.append(-1)
            }
        }
        guard lat >= 0, lon >= 0 else {
            throw BioCubeError(.invalidArgument, "\(path): no known layout: the header has no Latitude and Longitude columns (header starts \(header.prefix(6).joined(separator: ", ")))")
        }
        guard !timeColumns.isEmpty else {
            throw BioCubeError(.invalidArgument, "\(path): no known layout: no {Var}_{YYYY}, {Var}_{MM}/{YYYY} or YYYY columns in the header")
        }
        if variable >= 0 {
            // The Variable layout: year columns belong to each row's indicator.
            names.removeAll()
            timeColumns = timeColumns.map { IndicatorTable.TimeColumn(variable: -1, year: $0.year, month: $0.month) }
        }
        self.header = header
        latColumn = lat; lonColumn = lon; variableColumn = variable; countryColumn = country
        self.fieldColumn = fieldColumn
        self.timeColumns = timeColumns
        self.names = names
        self.ignored = ignored
    }

    /// Line-aligned parts of the body with their record counts (-1: unknown, quoted data).
    func parts(_ count: Int) -> [(range: Range<Int>, records: Int)] {
        CSVScanner(path: path, bytes: bytes, range: bodyStart..<bytes.count).lineAlignedParts(count)
    }

    /// The total number of data rows; counts records by scanning when parts do not know it.
    func recordCount(_ parts: [(range: Range<Int>, records: Int)]) throws -> Int {
        if parts.allSatisfy({ $0.records >= 0 }) { return parts.reduce(0) { $0 + $1.records } }
        var n = 0
        try CSVScanner(path: path, bytes: bytes, range: bodyStart..<bytes.count).forEachRecord { _, _ in n += 1; return true }
        return n
    }

    func makeSink(rows: Int) -> Sink {
        let values = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, rows * timeColumns.count))
        let lats = UnsafeMutableBufferPointer<Double>.allocate(capacity: rows)
        let lons = UnsafeMutableBufferPointer<Double>.allocate(capacity: rows)
        return Sink(values: UnsafeMutableBufferPointer(rebasing: values[0..<(rows * timeColumns.count)]),
                    latitudes: lats, longitudes: lons, rows: rows)
    }

    /// Parses the records of `range` as rows `firstRow…` into `sink`; returns each row's
    /// `Variable` field (Variable layout) or nothing.
    func parseRows(_ range: Range<Int>, firstRow: Int, into sink: Sink) throws -> [String] {
        let scanner = CSVScanner(path: path, bytes: bytes, range: range)
        var row = firstRow
        var rowNames: [String] = []
        let fieldCount = header.count
        let rows = sink.rows
        let values = sink.values.baseAddress!
        try bytes.withUnsafeBufferPointer { b in
            try scanner.forEachRecord { _, fields in
                let record = row + 2
                guard fields.count == fieldCount else {
                    throw BioCubeError(.corruptData, "\(path): record \(record) has \(fields.count) fields, the header \(fieldCount) (ragged row)")
                }
                guard row < rows else { throw BioCubeError(.corruptData, "\(path): more records than counted (quoted line breaks?)") }
                func coordinate(_ c: Int, _ what: String) throws -> Double {
                    guard let v = NumberParser.parse(b, fields[c].start, fields[c].end), v.isFinite else {
                        let shown = (try? scanner.text(fields[c], record: record, column: c + 1)) ?? "(not UTF-8)"
                        throw BioCubeError(.corruptData, "\(path): record \(record), column \(c + 1) (\(header[c])): \(what) '\(shown)' is not a number")
                    }
                    return v
                }
                if countryColumn >= 0 {
                    let f = fields[countryColumn]
                    var ascii = true
                    for i in f.start..<f.end where b[i] >= 0x80 { ascii = false; break }
                    if !ascii { _ = try scanner.text(f, record: record, column: countryColumn + 1) }
                }
                sink.latitudes[row] = try coordinate(latColumn, "latitude")
                sink.longitudes[row] = try coordinate(lonColumn, "longitude")
                if variableColumn >= 0 {
                    let name = try scanner.text(fields[variableColumn], record: record, column: variableColumn + 1)
                    guard !name.isEmpty else { throw BioCubeError(.corruptData, "\(path): record \(record): empty Variable field") }
                    rowNames.append(name)
                }
                for c in 0..<fieldCount {
                    let t = fieldColumn[c]
                    guard t >= 0 else { continue }
                    let f = fields[c]
                    var s = f.start, e = f.end
                    while s < e, b[s] == 32 { s += 1 }
                    while e > s, b[e - 1] == 32 { e -= 1 }
                    let slot = t * rows + row
                    if s == e { values[slot] = .nan; continue }
                    guard let v = NumberParser.parse(b, s, e) else {
                        let shown = (try? scanner.text(f, record: record, column: c + 1)) ?? "(not UTF-8)"
                        throw BioCubeError(.corruptData, "\(path): record \(record), column \(c + 1) (\(header[c])): '\(shown)' is not a number")
                    }
                    values[slot] = Float(v)
                }
                row += 1
                return true
            }
        }
        return rowNames
    }
}
