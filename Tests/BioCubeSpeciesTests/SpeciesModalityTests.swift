import BioCubeCore
import Foundation
import Testing

@testable import BioCubeParquet
@testable import BioCubeSpecies

@Suite struct SpeciesModalityTests {
    enum KeyStorage: String, CaseIterable { case string, int64 }
    enum TimeStorage: String, CaseIterable { case timestamp, text }

    /// Rows: (species, lat, lon, "YYYY-MM-DD", distribution?) written as the chosen storage.
    static func write(
        _ rows: [(Int64?, Double?, Double, String, Double?)],
        keys: KeyStorage,
        time: TimeStorage,
        rowGroupRows: Int = 4,
        dictionary: Bool = true
    ) throws -> String {
        // A file of its own per call: parameterised cases run in parallel with different rows.
        let path = ParquetWriterTests.temporaryPath(
            "species-\(keys)-\(time)-\(rows.count)-\(rowGroupRows)-\(dictionary)-\(UUID().uuidString).parquet"
        )
        var options = ParquetWriter.Options()
        options.rowGroupRows = rowGroupRows
        options.dictionary = dictionary
        let writer = try ParquetWriter(
            path: path,
            fields: [
                .init("Species", keys == .string ? .string : .int64, optional: true),
                .init("Latitude", .double, optional: true), .init("Longitude", .double),
                .init("Timestamp", time == .text ? .string : .timestamp(.nanos, utc: false)),
                .init("Distribution", .double, optional: true), .init("Family", .string),
            ],
            options: options
        )
        let valid = rows.map { $0.0 != nil }
        let species: ParquetWriter.Column =
            keys == .string
            ? .string(rows.map { $0.0.map { "00\($0)" } ?? "" }, validity: valid)
            : .int64(rows.map { $0.0 ?? 0 }, validity: valid)
        let stamps: ParquetWriter.Column =
            time == .text
            ? .string(rows.map { $0.3 })
            : .int64(try rows.map { try UTCDateTime(parsing: $0.3).secondsSince1970 * 1_000_000_000 })
        try writer.write([
            species, .double(rows.map { $0.1 ?? 0 }, validity: rows.map { $0.1 != nil }), .double(rows.map(\.2)),
            stamps, .double(rows.map { $0.4 ?? 0 }, validity: rows.map { $0.4 != nil }),
            .string(rows.map { _ in "Fam" }),
        ])
        try writer.finish()
        return path
    }

    static let rows: [(Int64?, Double?, Double, String, Double?)] = [
        (1_340_361, 44.0, 5.25, "2000-01-01", 2),
        (1_340_361, 44.0, 5.25, "2000-01-15", 3),  // same cell and month: summed
        (1_340_361, 44.0, 365.25, "2000-01-01", 4),  // 0…360 longitude of the same cell
        (1_340_361, 44.25, 5.25, "2000-02-01", 1),
        (212, 32.0, -25.0, "2000-01-01", 7),  // grid corner
        (212, 80.0, 5.0, "2000-01-01", 9),  // off grid
        (212, 44.1, 5.0, "2000-01-01", 9),  // off the 0.25° lattice
        (nil, 44.0, 5.0, "2000-01-01", 1),  // null key
        (212, nil, 5.0, "2000-01-01", 1),  // null latitude
        (212, 44.0, 5.0, "2000-01-01", nil),  // null value
        (212, 44.0, 5.0, "2000-01-01", .nan),  // NaN value
    ]

    /// Every key and time storage, dictionary-encoded (species and months resolved per
    /// dictionary entry) or plain (resolved per row).
    @Test(
        arguments: [KeyStorage.string, .int64].flatMap { k in
            [TimeStorage.timestamp, .text].flatMap { t in [(k, t, true), (k, t, false)] }
        }
    )
    func sumsPerSpeciesCellAndMonth(keys: KeyStorage, time: TimeStorage, dictionary: Bool) throws {
        let problems = ProblemLog()
        let path = try Self.write(Self.rows, keys: keys, time: time, dictionary: dictionary)
        // The file really takes the path under test: dictionary indices exist exactly when dictionary-encoded.
        let file = try ParquetFile(path: path)
        for name in ["Species", "Timestamp"] {
            #expect(
                (try file.read(column: file.columnIndex(name), rowGroup: 0, dictionaryIndices: true).dictionaryIndices
                    != nil) == dictionary
            )
        }
        let m = try SpeciesModality(path: path, problems: problems)
        #expect(m.species.map(\.value) == ["212", "1340361"])  // numeric order, leading zeros dropped
        #expect(try m.variables().map(\.groups) == [[.species], [.species]])
        #expect(m.rowCount == 11 && m.skippedRows == 4)
        #expect(m.stepRange == (try UTCDateTime(year: 2000, month: 1))...(try UTCDateTime(year: 2000, month: 2)))
        let g = Grid.europe025
        let jan = try UTCDateTime(year: 2000, month: 1)
        let feb = try UTCDateTime(year: 2000, month: 2)
        let v = try m.variables()
        let a = try m.read(v[1], at: jan, onto: g)
        let cell = try #require(g.cell(latitude: 44, longitude: 5.25))
        #expect(a[cell.row, cell.column] == 9)
        #expect(a.storage.filter { !$0.isNaN }.count == 1)
        let b = try m.read(v[1], at: feb, onto: g)
        let cellB = try #require(g.cell(latitude: 44.25, longitude: 5.25))
        #expect(b[cellB.row, cellB.column] == 1 && b.storage.filter { !$0.isNaN }.count == 1)
        let c = try m.read(v[0], at: jan, onto: g)
        #expect(c[0, 0] == 7 && c.storage.filter { !$0.isNaN }.count == 1)
        #expect(try m.read(v[0], at: feb, onto: g).storage.allSatisfy(\.isNaN))
        let text = problems.problems.map(\.message).joined(separator: "\n")
        #expect(text.contains("1 of 11 rows skipped: a null or non-numeric species key"))
        #expect(text.contains("1 of 11 rows skipped: a null or non-finite latitude/longitude"))
        #expect(text.contains("2 of 11 rows skipped: a null or non-finite Distribution"))
        #expect(text.contains("2 of 7 usable rows lie outside"))
    }

    @Test func callerListedSpeciesKeepTheirOrderAndMissingOnesAreNaN() throws {
        let problems = ProblemLog()
        let m = try SpeciesModality(
            path: Self.write(Self.rows, keys: .int64, time: .timestamp, rowGroupRows: 100),
            species: ["1340361", "999", "212"],
            problems: problems
        )
        #expect(m.species.map(\.value) == ["1340361", "999", "212"])
        let v = try m.variables()
        let jan = try UTCDateTime(year: 2000, month: 1)
        #expect(try m.read(v[1], at: jan, onto: .europe025).storage.allSatisfy(\.isNaN))
        #expect(try m.read(v[2], at: jan, onto: .europe025)[0, 0] == 7)
        #expect(problems.problems.contains { $0.variable == "999" && $0.code == .noRows })
        #expect(throws: BioCubeError.self) {
            try SpeciesModality(path: Self.write(Self.rows, keys: .int64, time: .timestamp), species: ["abc"])
        }
    }

    @Test func sixHourlySlots() throws {
        let rows: [(Int64?, Double?, Double, String, Double?)] = [
            (5, 44.0, 5.0, "2000-01-01 00:00:00", 1), (5, 44.0, 5.0, "2000-01-01 05:59:59", 2),
            (5, 44.0, 5.0, "2000-01-01 06:00:00", 4),
        ]
        let m = try SpeciesModality(path: Self.write(rows, keys: .int64, time: .text), cadence: .hours(6))
        let g = Grid.europe6Hourly
        let cell = try #require(g.cell(latitude: 44, longitude: 5))
        let v = try m.variables()[0]
        #expect(try m.read(v, at: UTCDateTime(year: 2000, month: 1), onto: g)[cell.row, cell.column] == 3)
        #expect(try m.read(v, at: UTCDateTime(year: 2000, month: 1, hour: 6), onto: g)[cell.row, cell.column] == 4)
    }

    @Test func missingColumnNamesTheFileAndColumn() throws {
        let path = ParquetWriterTests.temporaryPath("no-distribution.parquet")
        let w = try ParquetWriter(
            path: path,
            fields: [
                .init("Species", .int64), .init("Latitude", .double), .init("Longitude", .double),
                .init("Timestamp", .string),
            ]
        )
        try w.write([.int64([1]), .double([1]), .double([1]), .string(["2000-01-01"])])
        try w.finish()
        let error = try #require(throws: BioCubeError.self) { try SpeciesModality(path: path) }
        #expect(error.message.contains(path) && error.message.contains("'Distribution'"))
    }

    /// Rows spilled to the scratch file (after every row, every few rows, or never) read back
    /// exactly as an independent per-(species, month, cell) sum of the same rows.
    @Test(arguments: [16, 16 * 7, 1 << 20])
    func spilledRowsReadBackAsAnIndependentSum(stagingLimit: Int) throws {
        var generator = SystemRandomNumberGenerator()
        var rows: [(Int64?, Double?, Double, String, Double?)] = []
        var expected: [String: Float] = [:]  // "species/month/row/column" → sum
        let g = Grid.europe025
        for _ in 0..<600 {
            let species = Int64([3, 17, 2_000_001].randomElement(using: &generator)!)
            let month = Int.random(in: 1...12, using: &generator)
            let row = Int.random(in: 0..<6, using: &generator)
            let column = Int.random(in: 0..<6, using: &generator)
            let lat = 32.0 + Double(row) * 0.25
            let lon = -25.0 + Double(column) * 0.25
            let value = Double(Int.random(in: 1...9, using: &generator))
            rows.append((species, lat, lon, String(format: "2001-%02d-03", month), value))
            let cell = try #require(g.cell(latitude: lat, longitude: lon))
            expected["\(species)/\(month)/\(cell.row)/\(cell.column)", default: 0] += Float(value)
        }
        let path = try Self.write(rows, keys: .int64, time: .text, rowGroupRows: 97)
        let m = try SpeciesModality(
            path: path,
            species: nil,
            cadence: .monthly,
            problems: ProblemLog(),
            maxConcurrency: 2,
            stagingLimit: stagingLimit
        )
        #expect(m.rowCount == 600 && m.skippedRows == 0)
        #expect(m.rows.spilled == (stagingLimit < 600 * 16))
        var seen = 0
        for v in try m.variables() {
            for month in 1...12 {
                let plane = try m.read(v, at: UTCDateTime(year: 2001, month: month), onto: g)
                for r in 0..<g.height {
                    for c in 0..<g.width where !plane[r, c].isNaN {
                        #expect(expected["\(v.name)/\(month)/\(r)/\(c)"] == plane[r, c])
                        seen += 1
                    }
                }
            }
        }
        #expect(seen == expected.count)
    }
}
