import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing
@testable import BioCubeERA5
@testable import BioCubeNetCDF

@Suite struct ERA5BadInputTests {
    func expectError(_ file: String, code: BioCubeError.Code? = nil, mentioning words: [String]) throws {
        let path = try Fixtures.path(file)
        let error = #expect(throws: BioCubeError.self) { _ = try ERA5File(path: path) }
        if let code { #expect(error?.code == code) }
        // What the user reads (the description: code, file field, message) names the file.
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains(path), "the error does not name the file: \(text)")
        for w in words { #expect(error?.message.contains(w) == true, "message lacks '\(w)': \(error?.message ?? "")") }
    }

    @Test func notANetCDFFile() throws {
        try expectError("bad/not_netcdf.nc", code: .corruptData, mentioning: ["not a NetCDF"])
    }
    @Test func truncatedFile() throws { try expectError("bad/truncated.nc", mentioning: []) }
    @Test func missingLatitude() throws {
        try expectError("bad/no_latitude.nc", code: .invalidMetadata, mentioning: ["latitude"])
    }
    @Test func unknownTimeUnits() throws {
        try expectError("bad/bad_time_units.nc", code: .unsupported, mentioning: ["fortnights"])
    }
    @Test func missingFile() throws { try expectError("bad/does_not_exist.nc", mentioning: []) }

    /// A folder or FIFO named like a netCDF file never reaches libnetcdf (whose open of a
    /// FIFO blocks for ever).
    @Test(arguments: ["folder", "fifo"])
    func aFolderOrFIFOIsNotAFile(kind: String) throws {
        let tmp = TemporaryDirectory("era5-not-a-file")
        let path = tmp.file("era5_single.nc")
        if kind == "folder" {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } else {
            #expect(mkfifo(path, 0o644) == 0)
        }
        let error = #expect(throws: BioCubeError.self) { _ = try ERA5File(path: path) }
        #expect(error?.code == .notAFile)
        #expect(error?.file == path || error?.message.contains(path) == true, "\(String(describing: error))")
    }

    @Test func offLatticeGridNamesTheFirstOffendingCoordinate() throws {
        let path = try Fixtures.path("bad/off_lattice.nc")
        let file = try ERA5File(path: path)
        let error = #expect(throws: BioCubeError.self) { _ = try file.mapping(onto: .europe025) }
        #expect(error?.code == .offGrid && error?.file == path)
        #expect(error?.message.contains("latitude 71.9") == true, "\(error?.message ?? "")")
    }

    @Test func variableWithoutLatitudeLongitudeIsRefusedByName() throws {
        let path = try Fixtures.path("bad/no_latlon_variable.nc")
        let file = try ERA5File(path: path)
        #expect(file.variables.map(\.name) == ["t2m"])
        let error = #expect(throws: BioCubeError.self) { _ = try file.variable(named: "station_t2m") }
        #expect(error?.message.contains(path) == true && error?.message.contains("latitude/longitude") == true)
        let problems = ProblemLog()
        _ = try ERA5Modality(paths: [path], problems: problems)
        #expect(problems.problems.contains { $0.variable == "station_t2m" })
    }
}

@Suite struct CFTimeTests {
    @Test(arguments: [
        ("seconds since 1970-01-01", "proleptic_gregorian", Int64(946_684_800), "2000-01-01 00:00:00"),
        ("hours since 1900-01-01 00:00:00.0", "gregorian", Int64(876_582), "2000-01-01 06:00:00"),
        ("days since 2000-01-01", "standard", Int64(59), "2000-02-29 00:00:00"),
        ("minutes since 2000-01-01T00:00:00Z", "standard", Int64(90), "2000-01-01 01:30:00"),
    ])
    func decoding(units: String, calendar: String, value: Int64, expected: String) throws {
        let cf = try CFTimeUnits(units: units, calendar: calendar, context: "t")
        #expect(cf.date(value)?.description == expected)
        #expect(cf.date(Double(value))?.description == expected)
    }

    @Test(arguments: [
        ("weeks since 2000-01-01", "standard"), ("hours after 2000-01-01", "standard"),
        ("hours since 2000-01-01", "noleap"), ("hours since 1500-01-01", "gregorian"),
    ])
    func unsupported(units: String, calendar: String) {
        #expect(throws: BioCubeError.self) { try CFTimeUnits(units: units, calendar: calendar, context: "t") }
    }
}
