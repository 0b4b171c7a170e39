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

/// CDS zips are extracted into a scratch folder: it goes when opening fails, and folders
/// a killed run left behind on this host are swept by the next opening.
@Suite struct ERA5ZipScratchTests {
    /// A zip with one stored member.
    static func storedZip(_ name: String, _ data: [UInt8]) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { u16(v & 0xFFFF) + u16(v >> 16 & 0xFFFF) }
        let crc = Int(data.withUnsafeBytes { CRC32.checksum($0) })
        let n = Array(name.utf8)
        let common =
            u16(20) + u16(0) + u16(0) + u16(0) + u16(0) + u32(crc) + u32(data.count) + u32(data.count) + u16(n.count)
        let local = u32(0x0403_4B50) + common + u16(0) + n + data
        let central = u32(0x0201_4B50) + u16(20) + common + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(0) + n
        let end = u32(0x0605_4B50) + u16(0) + u16(0) + u16(1) + u16(1) + u32(central.count) + u32(local.count) + u16(0)
        return local + central + end
    }

    /// A process id no process has.
    static func deadPID() -> Int32 {
        var pid: Int32 = 4_000_000
        while kill(pid, 0) == 0 || errno != ESRCH { pid += 1 }
        return pid
    }

    @Test func aFailedOpeningLeavesNoScratchAndStaleFoldersAreSwept() throws {
        let root = TemporaryDirectory()
        let dead = Self.deadPID()
        let stale = root.file(".biocube-era5.\(TemporaryName.hostTag).\(dead).1.tmp")
        let foreign = root.file(".biocube-era5.0badf00d.\(dead).1.tmp")
        let mine = root.file(".biocube-era5.\(TemporaryName.hostTag).\(getpid()).2.tmp")
        for d in [stale, foreign, mine] { try FileIO.createDirectories(d + "/x") }
        let zip = root.file("download.zip")
        try FileIO.writeAtomically(zip, Self.storedZip("data.nc", Array("not netcdf at all".utf8)))
        #expect(throws: BioCubeError.self) {
            _ = try ERA5Modality(
                paths: [zip],
                cadence: .monthly,
                groupTable: .published,
                problems: ProblemLog(),
                scratchRoot: root.path
            )
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: root.path).filter {
            $0.hasPrefix(".biocube-era5.")
        }
        // The stale folder is gone, the failed opening's own folder too; another host's and a
        // live process's (this one's earlier folder) stay.
        #expect(Set(left) == [(foreign as NSString).lastPathComponent, (mine as NSString).lastPathComponent])
    }
}
