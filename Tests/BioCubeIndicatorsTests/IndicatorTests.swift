import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeIndicators

enum IndicatorFixtures {
    static let fixtures = FixtureSet("indicators")
    static var root: String { fixtures.root }

    /// The path of a fixture; fails the test (not a skip) when fixtures were not generated.
    static func path(_ relative: String) throws -> String { try fixtures.path(relative) }

    static func expected(_ variable: String, _ month: String) throws -> [Float] {
        try fixtures.floats("expected/\(variable)_\(month).f32")
    }

    static let all = [
        "Europe_forest_data.csv", "Europe_red_list_index.csv", "Europe_ndvi_monthly_un_025.csv",
        "Europe_combined_agriculture_data.csv", "Europe_land_combined.csv",
    ]
}

func sameValues(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
}

@Suite struct IndicatorReadingTests {
    static let cases: [(String, String)] = [
        ("Forest", "2000-01"), ("Forest", "2000-07"), ("Forest", "2001-01"), ("Forest", "2001-07"),
        ("Forest", "2002-01"),
        ("RLI", "1999-01"), ("RLI", "2000-12"), ("RLI", "2001-01"),
        ("NDVI", "2000-01"), ("NDVI", "2000-02"), ("NDVI", "2000-03"), ("NDVI", "2001-01"), ("NDVI", "2001-02"),
        ("Agriculture", "2000-06"), ("Agriculture_Irrigated", "2001-06"), ("Arable", "2000-06"),
        ("Cropland", "2001-06"),
        ("Land", "2000-03"), ("Land", "2001-03"),
    ]

    @Test(arguments: cases)
    func everyLayoutMatchesTheIndependentExpectation(variable: String, month: String) throws {
        let problems = ProblemLog()
        let modality = try IndicatorModality(
            paths: IndicatorFixtures.all.map(IndicatorFixtures.path),
            problems: problems
        )
        let d = try #require(try modality.variables().first { $0.name == variable })
        let t = try modality.read(d, at: UTCDateTime(parsing: month), onto: .europe025)
        #expect(t.shape == [161, 281])
        let want = try IndicatorFixtures.expected(variable, month)
        #expect(
            sameValues(t.storage, want),
            "\(variable) \(month): \(zip(t.storage, want).enumerated().first { !($0.element.0 == $0.element.1 || ($0.element.0.isNaN && $0.element.1.isNaN)) }.map { "cell \($0.offset): got \($0.element.0), want \($0.element.1)" } ?? "")"
        )
    }

    @Test func layoutsAreDetected() throws {
        let layouts = try IndicatorFixtures.all.map { try IndicatorTable(path: IndicatorFixtures.path($0)).layout }
        #expect(layouts == [.yearColumns, .yearColumns, .monthColumns, .variableColumn, .yearAndMonthColumns])
        let agri = try IndicatorTable(path: IndicatorFixtures.path("Europe_combined_agriculture_data.csv"))
        #expect(agri.variables == ["Agriculture", "Agriculture_Irrigated", "Arable", "Cropland"])
    }

    @Test func groupsAndReports() throws {
        let problems = ProblemLog()
        let modality = try IndicatorModality(
            paths: IndicatorFixtures.all.map(IndicatorFixtures.path),
            problems: problems
        )
        let groups = Dictionary(uniqueKeysWithValues: try modality.variables().map { ($0.name, $0.groups) })
        #expect(groups["Forest"] == [.forest] && groups["RLI"] == [.redlist] && groups["NDVI"] == [.vegetation])
        #expect(
            groups["Land"] == [.land] && groups["Cropland"] == [.agriculture]
                && groups["Agriculture_Irrigated"] == [.agriculture]
        )
        let forest = try #require(try modality.variables().first { $0.name == "Forest" })
        _ = try modality.read(forest, at: UTCDateTime(parsing: "2000-01"), onto: .europe025)
        _ = try modality.read(forest, at: UTCDateTime(parsing: "2010-01"), onto: .europe025)
        let messages = problems.problems.map(\.message)
        #expect(messages.contains { $0.contains("2 of") && $0.contains("off the grid") })
        #expect(messages.contains { $0.contains("rows repeat a grid cell: the first row per cell is used") })
        #expect(problems.problems.contains { $0.step == "2010-01-01 00:00:00" && $0.code == .missingSteps })
    }

    @Test func twoFilesProvidingOneIndicatorAreAnError() throws {
        let forest = try IndicatorFixtures.path("Europe_forest_data.csv")
        let modality = try IndicatorModality(paths: [forest, forest])
        let d = try #require(try modality.variables().first)
        let error = #expect(throws: BioCubeError.self) {
            try modality.read(d, at: UTCDateTime(parsing: "2000-01"), onto: .europe025)
        }
        #expect(error?.message.contains("choose one source") == true)
    }
}

@Suite struct IndicatorBadInputTests {
    @Test(arguments: [
        ("unknown_layout.csv", "no Latitude and Longitude"),
        ("no_time_columns.csv", "no {Var}_{YYYY}"),
        ("bad_number.csv", "record 3, column 5 (Forest_2001): '1,250' is not a number"),
        ("ragged.csv", "record 3 has 3 fields, the header 4"),
        ("not_utf8.csv", "not UTF-8"),
        ("header_not_utf8.csv", "not UTF-8"),
        ("empty.csv", "empty file"),
        ("bad_latitude.csv", "latitude 'north' is not a number"),
    ])
    func badInputNamesTheFileAndTheProblem(file: String, phrase: String) throws {
        let path = try IndicatorFixtures.path("bad/" + file)
        let error = #expect(throws: BioCubeError.self) { _ = try IndicatorTable(path: path) }
        #expect(error?.message.contains(path) == true)
        #expect(error?.message.contains(phrase) == true, "\(error?.message ?? "")")
    }

    @Test func missingFile() {
        #expect(throws: BioCubeError.self) { _ = try IndicatorTable(path: "/nonexistent/forest.csv") }
    }
}

@Suite struct CSVScannerTests {
    func records(_ text: String) throws -> [[String]] {
        let s = CSVScanner(path: "t.csv", bytes: Array(text.utf8))
        var out: [[String]] = []
        try s.forEachRecord { r, fields in
            out.append(try fields.indices.map { try s.text(fields[$0], record: r, column: $0 + 1) })
            return true
        }
        return out
    }

    @Test func rfc4180() throws {
        #expect(try records("a,b,c\n1,,3\n") == [["a", "b", "c"], ["1", "", "3"]])
        #expect(try records("a,\"b,c\",\"d \"\"q\"\"\"\r\n1,2,3") == [["a", "b,c", "d \"q\""], ["1", "2", "3"]])
        #expect(try records("\u{FEFF}x,y\n\n1,2\n") == [["x", "y"], ["1", "2"]])
        #expect(try records("a,b,\n") == [["a", "b", ""]])
        #expect(throws: BioCubeError.self) { try records("a,\"b\nc") }
        #expect(throws: BioCubeError.self) { try records("a,\"b\"x,c\n") }
    }

    @Test(arguments: [
        ("1.5", 1.5), ("-0.25", -0.25), ("3e-4", 3e-4), ("1E+05", 1e5), ("0.00123", 0.00123),
        ("  42 ", 42), ("12345678901234567890123", 12345678901234567890123.0),
        ("1.7976931348623157e308", 1.7976931348623157e308),
        ("0.1", 0.1), ("-0", -0.0),
    ])
    func numbers(text: String, value: Double) {
        let bytes = Array(text.utf8)
        let parsed = bytes.withUnsafeBufferPointer { NumberParser.parse($0, 0, bytes.count) }
        #expect(parsed == value)
    }

    @Test(arguments: ["", "abc", "1.2.3", "1e", "--1", "1,5"])
    func notNumbers(text: String) {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBufferPointer { NumberParser.parse($0, 0, bytes.count) } == nil)
    }

    @Test func numbersAgreeWithStrtodOnRandomInput() {
        var rng = SplitMix64(seed: 1)
        for _ in 0..<20000 {
            let v = Double(Int64(bitPattern: rng.next()) >> 20) / pow(10, Double(rng.next() % 12))
            let text = "\(v)"
            let bytes = Array(text.utf8)
            #expect(bytes.withUnsafeBufferPointer { NumberParser.parse($0, 0, bytes.count) } == Double(text))
        }
    }
}

/// Tables larger than one parse part (``IndicatorParser/partBytes``) are parsed part by
/// part, releasing each part's pages: every value and row still lands where it belongs.
@Suite struct IndicatorLargeTableTests {
    static func write(rows: Int, months: Int) throws -> (path: String, text: (Int, Int) -> String) {
        func text(_ r: Int, _ c: Int) -> String {
            let v = (r * 7 + c * 13) % 1000
            return "0.\(v < 100 ? "0" : "")\(v < 10 ? "0" : "")\(v)"
        }
        var csv =
            "Country,Latitude,Longitude"
            + (0..<months).map { ",NDVI_\(String(format: "%02d", $0 % 12 + 1))/\(2000 + $0 / 12)" }.joined() + "\n"
        csv.reserveCapacity(rows * months * 6)
        for r in 0..<rows {
            csv += "Land,\(32 + Double(r / 281) * 0.25),\(-25 + Double(r % 281) * 0.25)"
            for c in 0..<months { csv += "," + text(r, c) }
            csv += "\n"
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("large-ndvi-\(rows)x\(months).csv")
            .path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        return (path, text)
    }

    @Test(arguments: [false, true])
    func everyPartLandsInPlace(concurrent: Bool) async throws {
        let (path, text) = try Self.write(rows: 20_000, months: 120)
        #expect((FileIOProbe.size(path) ?? 0) > 2 * IndicatorParser.partBytes)
        let table =
            concurrent ? try await IndicatorTable.load(path: path, maxConcurrency: 2) : try IndicatorTable(path: path)
        #expect(table.rowCount == 20_000 && table.columns.count == 120)
        // 9.6 MB of values: kept in a scratch file, a column resident while it is read.
        #expect(table.valuesSpilled)
        let modality = IndicatorModality(tables: [table])
        let v = try #require(try modality.variables().first { $0.name == "NDVI" })
        let grid = Grid.europe025
        for c in [0, 37, 119] {
            let plane = try modality.read(v, at: UTCDateTime(year: 2000 + c / 12, month: c % 12 + 1), onto: grid)
            var wrong = 0
            for r in stride(from: 0, to: 20_000, by: 7) {
                let cell = try #require(
                    grid.cell(latitude: 32 + Double(r / 281) * 0.25, longitude: -25 + Double(r % 281) * 0.25)
                )
                if plane[cell.row, cell.column] != Float(text(r, c))! { wrong += 1 }
            }
            #expect(wrong == 0, "month column \(c): \(wrong) rows misplaced")
        }
    }
}

enum FileIOProbe {
    static func size(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
    }
}

/// Values float32 cannot hold (1e39 in an NDVI CSV, an `inf`) are missing and counted, never ±∞.
@Suite struct OutOfRangeValueTests {
    @Test(arguments: [false, true])  // the unquoted fast parser and the general (quoted) one
    func valuesBeyondFloat32AreMissingAndReported(quoted: Bool) throws {
        let tmp = TemporaryDirectory("out-of-range")
        let path = tmp.file("Europe_forest_data.csv")
        let name = quoted ? "\"A, north\"" : "A"
        let csv = """
            Country,Latitude,Longitude,Forest_2000,Forest_2001
            \(name),48.25,5.5,1e39,2.5
            B,48.5,5.5,-1e40,inf
            C,48.75,5.5,3.0,3.4e38

            """
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let table = try IndicatorTable(path: path)
        #expect(table.outOfRangeValues == 3)
        let problems = table.coverageProblems(offGrid: 0, duplicates: 0, file: path)
        #expect(problems.map(\.code) == [.valueOutOfRange] && problems[0].file == path)
        // On the grid: the cells of those values are missing, the others keep theirs.
        let log = ProblemLog()
        let modality = try IndicatorModality(paths: [path], problems: log)
        let forest = try #require(try modality.variables().first { $0.name == "Forest" })
        let grid = Grid.europe025
        func cell(_ year: Int, _ latitude: Double) throws -> Float {
            let plane = try modality.read(forest, at: UTCDateTime(year: year, month: 6), onto: grid)
            let c = try #require(grid.cell(latitude: latitude, longitude: 5.5))
            return plane[c.row, c.column]
        }
        #expect(try cell(2000, 48.25).isNaN && cell(2000, 48.5).isNaN && cell(2000, 48.75) == 3)
        #expect(try cell(2001, 48.25) == 2.5 && cell(2001, 48.5).isNaN && cell(2001, 48.75) == Float(3.4e38))
    }
}

@Suite struct CutFileTests {
    @Test(arguments: [false, true])
    func aLastRowWithoutLineEndIsReportedWithItsValue(quoted: Bool) async throws {
        let tmp = TemporaryDirectory("cut")
        let path = tmp.file("Europe_ndvi_monthly_un_025.csv")
        let name = quoted ? "\"A, north\"" : "A"
        let whole = "Country,Latitude,Longitude,NDVI_01/2000\n\(name),48.25,5.5,0.21\nB,48.5,5.5,0.84\n"
        try FileIO.writeAtomically(path, Array(whole.utf8.dropLast(3)))  // cut inside "0.84"
        let table = try await IndicatorTable.load(path: path)
        #expect(table.unterminatedLastField == "0.")
        let problems = table.coverageProblems(offGrid: 0, duplicates: 0, file: path)
        #expect(problems.map(\.code) == [.unterminatedLastRow] && problems[0].message.contains("'0.'"))
        // A whole file has no such warning.
        try FileIO.writeAtomically(path, Array(whole.utf8))
        let fine = try await IndicatorTable.load(path: path)
        #expect(
            fine.unterminatedLastField == nil && fine.coverageProblems(offGrid: 0, duplicates: 0, file: path).isEmpty
        )
    }
}
