import BioCubeCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The header plan of an indicator CSV and the row parser that fills an
/// `IndicatorTable`'s storage; rows of disjoint parts can be parsed concurrently.
struct IndicatorParser: Sendable {
    let path: String
    let storage: ByteStorage
    var bytes: UnsafeBufferPointer<UInt8> { storage.buffer }
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
        /// Column-major values; on a scratch file past ``spillBytes``, its pages given back
        /// as parts are parsed (see ``SpillableBuffer``).
        let store: SpillableBuffer<Float>
        var values: UnsafeMutableBufferPointer<Float> { store.buffer }
        let latitudes: UnsafeMutableBufferPointer<Double>
        let longitudes: UnsafeMutableBufferPointer<Double>
        let rows: Int
        /// Values beyond float32 (or written as infinity), stored as missing.
        let outOfRange: OutOfRangeCount

        func deallocate() {
            latitudes.deallocate()
            longitudes.deallocate()
        }
    }

    /// A count shared by the parts parsed concurrently.
    final class OutOfRangeCount: Sendable {
        let value = Atomic<Int>(0)
    }

    /// `v` as float32; a value beyond float32's range (or an infinity) is counted and
    /// becomes missing instead of ±∞.
    @inline(__always) static func float(_ v: Double, counting count: OutOfRangeCount) -> Float {
        let f = Float(v)
        if f.isInfinite {
            count.value.add(1, ordering: .relaxed)
            return .nan
        }
        return f
    }

    /// Tables whose values take more bytes than this keep them in a scratch file.
    static let spillBytes = 4 << 20

    /// When the file's last row has no line end (a file cut mid-row looks like that), the
    /// text of its last field; nil otherwise.
    let unterminatedLastField: String?

    init(path: String, storage: ByteStorage, bareYearVariable: String) throws {
        self.path = path
        self.storage = storage
        let b = storage.buffer
        if let last = b.last, last != 10, last != 13 {
            var i = b.count - 1
            while i > 0, b[i - 1] != 44, b[i - 1] != 10, b[i - 1] != 13 { i -= 1 }
            unterminatedLastField = String(
                decoding: UnsafeBufferPointer(rebasing: b[i..<min(b.count, i + 40)]),
                as: UTF8.self
            )
        } else {
            unterminatedLastField = nil
        }
        let scanner = CSVScanner(path: path, storage: storage)
        var header: [String] = []
        try scanner.forEachRecord { record, fields in
            header = try fields.indices.map { try scanner.text(fields[$0], record: record, column: $0 + 1) }
            return false
        }
        guard !header.isEmpty else { throw BioCubeError(.corruptData, "\(path): empty file (no header)") }
        bodyStart = scanner.endOfFirstRecord
        var lat = -1
        var lon = -1
        var variable = -1
        var country = -1
        var fieldColumn: [Int] = []
        var timeColumns: [IndicatorTable.TimeColumn] = []
        var names: [String] = []
        var ignored: [String] = []
        func index(of name: String) -> Int {
            if let i = names.firstIndex(of: name) { return i }
            names.append(name)
            return names.count - 1
        }
        for (c, name) in header.enumerated() {
            switch name.lowercased() {
            case "latitude", "lat":
                lat = c
                fieldColumn.append(-1)
                continue
            case "longitude", "lon":
                lon = c
                fieldColumn.append(-1)
                continue
            case "variable":
                variable = c
                fieldColumn.append(-1)
                continue
            case "country", "country name", "country_name":
                country = c
                fieldColumn.append(-1)
                continue
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
            throw BioCubeError(
                .invalidArgument,
                "\(path): no known layout: the header has no Latitude and Longitude columns (header starts \(header.prefix(6).joined(separator: ", ")))"
            )
        }
        guard !timeColumns.isEmpty else {
            throw BioCubeError(
                .invalidArgument,
                "\(path): no known layout: no {Var}_{YYYY}, {Var}_{MM}/{YYYY} or YYYY columns in the header"
            )
        }
        if variable >= 0 {
            // The Variable layout: year columns belong to each row's indicator.
            names.removeAll()
            timeColumns = timeColumns.map { IndicatorTable.TimeColumn(variable: -1, year: $0.year, month: $0.month) }
        }
        self.header = header
        latColumn = lat
        lonColumn = lon
        variableColumn = variable
        countryColumn = country
        self.fieldColumn = fieldColumn
        self.timeColumns = timeColumns
        self.names = names
        self.ignored = ignored
    }

    /// Line-aligned parts of the body with their record counts (-1: unknown, quoted data).
    /// At least `count`, and enough that each part is about ``partBytes`` (memory holds a
    /// part per parsing task, not the file: see ``release(_:)``).
    func parts(_ count: Int) -> [(range: Range<Int>, records: Int)] {
        let body = bodyStart..<bytes.count
        // The scan gives its pages back as it goes (see ``CSVScanner/lineAlignedParts(_:)``).
        return CSVScanner(path: path, storage: storage, range: body).lineAlignedParts(
            max(count, body.count / Self.partBytes)
        )
    }

    /// The size of a part of the body parsed at once.
    static let partBytes = 4 << 20

    /// Lets the mapped pages of `range` (already parsed) leave resident memory.
    func release(_ range: Range<Int>) { storage.release(range) }

    /// The total number of data rows; counts records by scanning when parts do not know it.
    func recordCount(_ parts: [(range: Range<Int>, records: Int)]) throws -> Int {
        if parts.allSatisfy({ $0.records >= 0 }) { return parts.reduce(0) { $0 + $1.records } }
        var n = 0
        try CSVScanner(path: path, storage: storage, range: bodyStart..<bytes.count).forEachRecord { _, _ in
            n += 1
            return true
        }
        storage.release(bodyStart..<bytes.count)
        return n
    }

    func makeSink(rows: Int) throws -> Sink {
        let store = try SpillableBuffer<Float>(
            count: rows * timeColumns.count,
            spillAbove: Self.spillBytes,
            purpose: "the values of \(path)"
        )
        let lats = UnsafeMutableBufferPointer<Double>.allocate(capacity: rows)
        let lons = UnsafeMutableBufferPointer<Double>.allocate(capacity: rows)
        return Sink(store: store, latitudes: lats, longitudes: lons, rows: rows, outOfRange: OutOfRangeCount())
    }

    /// Parses the records of `range` as rows `firstRow…` into `sink`; returns each row's
    /// `Variable` field (Variable layout) or nothing.
    func parseRows(_ range: Range<Int>, firstRow: Int, into sink: Sink) throws -> [String] {
        if range.isEmpty || memchr(bytes.baseAddress! + range.lowerBound, 34, range.count) == nil {
            return try parseUnquotedRows(range, firstRow: firstRow, into: sink)
        }
        let scanner = CSVScanner(path: path, storage: storage, range: range)
        var row = firstRow
        var rowNames: [String] = []
        let fieldCount = header.count
        let rows = sink.rows
        let values = sink.values.baseAddress!
        try scanner.withBytes { b in
            try scanner.forEachRecord { _, fields in
                let record = row + 2
                guard fields.count == fieldCount else {
                    throw BioCubeError(
                        .corruptData,
                        "\(path): record \(record) has \(fields.count) fields, the header \(fieldCount) (ragged row)"
                    )
                }
                guard row < rows else {
                    throw BioCubeError(.corruptData, "\(path): more records than counted (quoted line breaks?)")
                }
                func coordinate(_ c: Int, _ what: String) throws -> Double {
                    guard let v = NumberParser.parse(b, fields[c].start, fields[c].end), v.isFinite else {
                        let shown = (try? scanner.text(fields[c], record: record, column: c + 1)) ?? "(not UTF-8)"
                        throw BioCubeError(
                            .corruptData,
                            "\(path): record \(record), column \(c + 1) (\(header[c])): \(what) '\(shown)' is not a number"
                        )
                    }
                    return v
                }
                if countryColumn >= 0 {
                    let f = fields[countryColumn]
                    var ascii = true
                    for i in f.start..<f.end where b[i] >= 0x80 {
                        ascii = false
                        break
                    }
                    if !ascii { _ = try scanner.text(f, record: record, column: countryColumn + 1) }
                }
                sink.latitudes[row] = try coordinate(latColumn, "latitude")
                sink.longitudes[row] = try coordinate(lonColumn, "longitude")
                if variableColumn >= 0 {
                    let name = try scanner.text(fields[variableColumn], record: record, column: variableColumn + 1)
                    guard !name.isEmpty else {
                        throw BioCubeError(.corruptData, "\(path): record \(record): empty Variable field")
                    }
                    rowNames.append(name)
                }
                for c in 0..<fieldCount {
                    let t = fieldColumn[c]
                    guard t >= 0 else { continue }
                    let f = fields[c]
                    var s = f.start
                    var e = f.end
                    while s < e, b[s] == 32 { s += 1 }
                    while e > s, b[e - 1] == 32 { e -= 1 }
                    let slot = t * rows + row
                    if s == e {
                        values[slot] = .nan
                        continue
                    }
                    guard let v = NumberParser.parse(b, s, e) else {
                        let shown = (try? scanner.text(f, record: record, column: c + 1)) ?? "(not UTF-8)"
                        throw BioCubeError(
                            .corruptData,
                            "\(path): record \(record), column \(c + 1) (\(header[c])): '\(shown)' is not a number"
                        )
                    }
                    values[slot] = Self.float(v, counting: sink.outOfRange)
                }
                row += 1
                return true
            }
        }
        return rowNames
    }

    /// The fast path for parts without quotes: one pass over the bytes that splits fields and
    /// parses numbers together (Clinger's exact fast path inline, the general parser for
    /// anything unusual), writing each value straight into its column.
    private func parseUnquotedRows(_ range: Range<Int>, firstRow: Int, into sink: Sink) throws -> [String] {
        let scanner = CSVScanner(path: path, storage: storage, range: range)
        var rowNames: [String] = []
        let fieldCount = header.count
        let rows = sink.rows
        let values = sink.values.baseAddress!
        try scanner.withBytes { buffer in
            try fieldColumn.withUnsafeBufferPointer { roles in
                let b = buffer.baseAddress!
                let end = range.upperBound
                var p = range.lowerBound
                var row = firstRow
                @inline(__always) func isDelimiter(_ q: Int) -> Bool {
                    q >= end || b[q] == 44 || b[q] == 10 || b[q] == 13
                }
                while p < end {
                    if b[p] == 10 {
                        p += 1
                        continue
                    }
                    if b[p] == 13, p + 1 < end, b[p + 1] == 10 {
                        p += 2
                        continue
                    }
                    let record = row + 2
                    guard row < rows else { throw BioCubeError(.corruptData, "\(path): more records than counted") }
                    var c = 0
                    while true {
                        if c >= fieldCount {
                            var extra = 0
                            var q = p
                            while q < end, b[q] != 10, b[q] != 13 {
                                if b[q] == 44 { extra += 1 }
                                q += 1
                            }
                            throw BioCubeError(
                                .corruptData,
                                "\(path): record \(record) has \(fieldCount + extra + 1) fields, the header \(fieldCount) (ragged row)"
                            )
                        }
                        let s = p
                        let t = roles[c]
                        if t >= 0 {
                            var q = p
                            var negative = false
                            if q < end, b[q] == 45 {
                                negative = true
                                q += 1
                            }
                            var mantissa: UInt64 = 0
                            var digits = 0
                            var exponent = 0
                            var sawDigit = false
                            while q < end {
                                let d = b[q] &- 48
                                guard d < 10, digits < 19 else { break }
                                if mantissa != 0 || d != 0 {
                                    mantissa = mantissa &* 10 &+ UInt64(d)
                                    digits += 1
                                }
                                sawDigit = true
                                q += 1
                            }
                            if q < end, b[q] == 46 {
                                q += 1
                                while q < end {
                                    let d = b[q] &- 48
                                    guard d < 10, digits < 19 else { break }
                                    if mantissa != 0 || d != 0 {
                                        mantissa = mantissa &* 10 &+ UInt64(d)
                                        digits += 1
                                    }
                                    sawDigit = true
                                    exponent -= 1
                                    q += 1
                                }
                            }
                            let value: Float
                            if q == s && isDelimiter(q) {
                                value = .nan
                            } else if sawDigit && isDelimiter(q) && exponent >= -22 && mantissa < (1 << 53) {
                                let m = Double(mantissa)
                                let v = exponent == 0 ? m : m / NumberParser.power(-exponent)
                                value = Float(negative ? -v : v)
                            } else {
                                var fe = q
                                while !isDelimiter(fe) { fe += 1 }
                                let f = CSVScanner.Field(start: s, end: fe, quoted: false, hasEscapes: false)
                                if scanner.isEmpty(f) {
                                    value = .nan
                                } else if let v = NumberParser.parse(buffer, s, fe) {
                                    value = Self.float(v, counting: sink.outOfRange)
                                } else {
                                    let shown = (try? scanner.text(f, record: record, column: c + 1)) ?? "(not UTF-8)"
                                    throw BioCubeError(
                                        .corruptData,
                                        "\(path): record \(record), column \(c + 1) (\(header[c])): '\(shown)' is not a number"
                                    )
                                }
                                q = fe
                            }
                            values[t * rows + row] = value
                            p = q
                        } else {
                            var q = p
                            while !isDelimiter(q) { q += 1 }
                            let f = CSVScanner.Field(start: s, end: q, quoted: false, hasEscapes: false)
                            if c == latColumn || c == lonColumn {
                                guard let v = NumberParser.parse(buffer, s, q), v.isFinite else {
                                    let shown = (try? scanner.text(f, record: record, column: c + 1)) ?? "(not UTF-8)"
                                    let what = c == latColumn ? "latitude" : "longitude"
                                    throw BioCubeError(
                                        .corruptData,
                                        "\(path): record \(record), column \(c + 1) (\(header[c])): \(what) '\(shown)' is not a number"
                                    )
                                }
                                if c == latColumn { sink.latitudes[row] = v } else { sink.longitudes[row] = v }
                            } else if c == variableColumn {
                                let name = try scanner.text(f, record: record, column: c + 1)
                                guard !name.isEmpty else {
                                    throw BioCubeError(.corruptData, "\(path): record \(record): empty Variable field")
                                }
                                rowNames.append(name)
                            } else {
                                var i = s
                                while i < q, b[i] < 0x80 { i += 1 }
                                if i < q { _ = try scanner.text(f, record: record, column: c + 1) }  // validates UTF-8
                            }
                            p = q
                        }
                        c += 1
                        if p < end, b[p] == 44 {
                            p += 1
                            if p < end { continue }
                            // A comma at the very end of the file: one last, empty field.
                            if c < fieldCount {
                                if roles[c] >= 0 { values[roles[c] * rows + row] = .nan }
                                c += 1
                            }
                            break
                        }
                        if p < end, b[p] == 13 { p += 1 }
                        if p < end, b[p] == 10 { p += 1 }
                        break
                    }
                    guard c == fieldCount else {
                        throw BioCubeError(
                            .corruptData,
                            "\(path): record \(record) has \(c) fields, the header \(fieldCount) (ragged row)"
                        )
                    }
                    row += 1
                }
            }
        }
        return rowNames
    }
}
