import BioCubeCore
import Foundation

/// Yearly values per country, as read from a World Bank indicator download or a Red List
/// Index export, ready to be spread over the grid points of each country.
public struct NationalSeries: Sendable {
    /// One country's values.
    public struct Entry: Sendable {
        public let name: String
        public let code: String
        /// Year → value (years without a value are absent).
        public let values: [Int: Float]
    }

    /// The indicator's name in the source (for reports).
    public let indicator: String
    public let entries: [Entry]
    /// Every year that has a value for some country, ascending.
    public var years: [Int] { Set(entries.flatMap { $0.values.keys }).sorted() }

    /// Reads a World Bank `API_*.csv` download: preamble lines, then `Country Name, Country
    /// Code, Indicator Name, Indicator Code, 1960, …`.
    public static func worldBank(path: String) throws -> NationalSeries {
        let storage = try ByteStorage(mapping: path)
        let scanner = CSVScanner(path: path, storage: storage)
        var yearColumns: [(column: Int, year: Int)] = []
        var headerSeen = false
        var indicator = ""
        var entries: [Entry] = []
        try scanner.forEachRecord { record, fields in
            if !headerSeen {
                let first = try fields.isEmpty ? "" : scanner.text(fields[0], record: record, column: 1)
                guard first == "Country Name" else { return true }  // the preamble
                headerSeen = true
                guard fields.count >= 5 else {
                    throw BioCubeError(
                        .invalidArgument,
                        "\(path): record \(record): the header has no year columns after Indicator Code"
                    )
                }
                for c in 4..<fields.count {
                    if let y = Int(try scanner.text(fields[c], record: record, column: c + 1)),
                        (1000...9999).contains(y)
                    {
                        yearColumns.append((c, y))
                    }
                }
                guard fields.count >= 5, !yearColumns.isEmpty else {
                    throw BioCubeError(
                        .invalidArgument,
                        "\(path): record \(record): the header has no year columns after Indicator Code"
                    )
                }
                return true
            }
            guard fields.count >= 4 else { return true }  // trailing empty lines
            let name = try scanner.text(fields[0], record: record, column: 1)
            let code = try scanner.text(fields[1], record: record, column: 2)
            if indicator.isEmpty { indicator = try scanner.text(fields[2], record: record, column: 3) }
            var values: [Int: Float] = [:]
            for (c, y) in yearColumns where c < fields.count && !scanner.isEmpty(fields[c]) {
                guard let v = scanner.number(fields[c]) else {
                    throw BioCubeError(
                        .corruptData,
                        "\(path): record \(record), column \(c + 1) (\(y)): '\(try scanner.text(fields[c], record: record, column: c + 1))' is not a number"
                    )
                }
                values[y] = try float32(v, "\(path): record \(record), column \(c + 1) (\(y))")
            }
            entries.append(Entry(name: name, code: code, values: values))
            return true
        }
        guard headerSeen else {
            throw BioCubeError(
                .invalidArgument,
                "\(path): not a World Bank download (no 'Country Name, Country Code, …' header)"
            )
        }
        return NationalSeries(indicator: indicator, entries: entries)
    }

    /// `v` as float32; a value beyond its range is an error (an ingested table would
    /// otherwise hold the text `inf`).
    private static func float32(_ v: Double, _ place: String) throws -> Float {
        let f = Float(v)
        guard f.isFinite || !v.isFinite else {
            throw BioCubeError(.corruptData, "\(place): value \(v) is beyond float32 (|v| ≤ 3.4e38)")
        }
        guard f.isFinite else { throw BioCubeError(.corruptData, "\(place): value \(v) is not a finite number") }
        return f
    }

    /// Reads a Red List Index export `Entity, Code, Year, value` (one row per country and year).
    public static func redList(path: String) throws -> NationalSeries {
        let storage = try ByteStorage(mapping: path)
        let scanner = CSVScanner(path: path, storage: storage)
        var header: [String] = []
        var byCountry: [String: (name: String, code: String, values: [Int: Float])] = [:]
        var order: [String] = []
        try scanner.forEachRecord { record, fields in
            if header.isEmpty {
                header = try fields.indices.map { try scanner.text(fields[$0], record: record, column: $0 + 1) }
                guard header.count >= 4, header[0] == "Entity", header[1] == "Code", header[2] == "Year" else {
                    throw BioCubeError(
                        .invalidArgument,
                        "\(path): not a Red List export (expected Entity, Code, Year, value; got \(header.prefix(4).joined(separator: ", ")))"
                    )
                }
                return true
            }
            guard fields.count >= 4 else {
                throw BioCubeError(.corruptData, "\(path): record \(record) has \(fields.count) fields, expected 4")
            }
            let name = try scanner.text(fields[0], record: record, column: 1)
            let code = try scanner.text(fields[1], record: record, column: 2)
            guard let y = scanner.number(fields[2]), let v = scanner.number(fields[3]) else {
                throw BioCubeError(.corruptData, "\(path): record \(record): year or value is not a number")
            }
            // A year is a whole number of four digits (a huge one would trap converting).
            guard y.rounded() == y, (1000...9999).contains(y) else {
                throw BioCubeError(.corruptData, "\(path): record \(record): year \(y) is not a year (1000…9999)")
            }
            let year = Int(y)
            let key = code.isEmpty ? name : code
            if byCountry[key] == nil {
                byCountry[key] = (name, code, [:])
                order.append(key)
            }
            byCountry[key]!.values[year] = try float32(v, "\(path): record \(record)")
            return true
        }
        return NationalSeries(
            indicator: header.count > 3 ? header[3] : "Red List Index",
            entries: order.compactMap { byCountry[$0] }.map { Entry(name: $0.name, code: $0.code, values: $0.values) }
        )
    }
}
