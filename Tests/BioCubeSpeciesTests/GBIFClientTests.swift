import BioCubeCore
import BioCubeTestSupport
import BioCubeTransfer
import Foundation
import Synchronization
import Testing

@testable import BioCubeSpecies

/// The GBIF occurrence download client against a fake GBIF API on loopback (no test
/// touches the internet).
@Suite struct GBIFClientTests {
    func client(
        _ fake: FakeGBIF,
        password: String = "secret",
        pieceSize: Int = 16 << 10,
        concurrent: Int = 3
    ) -> GBIFClient {
        var o = DownloadOptions.gbif
        o.pollInitial = .milliseconds(5)
        o.pollMaximum = .milliseconds(20)
        o.retryBackoff = .milliseconds(5)
        o.requestTimeout = 10
        o.pieceSize = pieceSize
        o.concurrentDownloads = concurrent
        return GBIFClient(credentials: GBIFCredentials(user: "tester", password: password, url: fake.url), options: o)
    }

    func cubes(_ keys: [Int64] = [2_435_098, 5_219_173, 2_480_528]) throws -> [GBIFDownloadRequest] {
        try keys.map { try GBIFDownloadRequest.speciesCube(speciesKey: $0, years: 2000...2020) }
    }

    /// Sets up what an interrupted run leaves: GBIF knows download 0000042-… for species
    /// 2435098, and the folder's manifest lists it as pending. Returns the request.
    func earlierRunRequested(on fake: FakeGBIF, in dir: String) throws -> GBIFDownloadRequest {
        let request = try cubes([2_435_098])[0]
        fake.preload(key: "0000042-261126120000000", sql: request.sql)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var m = DownloadManifest()
        m.pending = [String(request.identity, radix: 16): "0000042-261126120000000"]
        try m.save(to: dir)
        return request
    }

    @Test func requestsPollsAndDownloadsOneZipPerSpecies() async throws {
        let fake = try FakeGBIF()
        let tmp = TemporaryDirectory("gbif")
        let dir = tmp.path
        let statuses = Locked<[String]>([])
        let files = try await client(fake).retrieve(cubes(), into: dir) { e in
            if case .status(_, _, let s) = e { statuses.withLock { $0.append(s) } }
        }
        #expect(files.map { ($0 as NSString).lastPathComponent } == ["2435098.zip", "5219173.zip", "2480528.zip"])
        for (f, key) in zip(files, ["2435098", "5219173", "2480528"]) {
            #expect(try Data(contentsOf: URL(fileURLWithPath: f)) == FakeGBIF.Script().file(key))
        }
        #expect(fake.validations == 3)
        #expect(fake.requestedSQL.count == 3)
        #expect(Set(fake.requestedSQL.map(FakeGBIF.speciesKey)) == ["2435098", "5219173", "2480528"])
        let seen = statuses.withLock { $0 }
        #expect(seen.contains("PREPARING") && seen.contains("RUNNING") && seen.filter { $0 == "SUCCEEDED" }.count == 3)
        // Ranged pieces through the redirect: the zip arrives in 16 KiB pieces.
        #expect(fake.server.requests.filter { $0.path.hasPrefix("/files/") }.allSatisfy { $0.headers["range"] != nil })
        #expect(fake.fileRequests >= 3 * 4)
        let manifest = try DownloadManifest.load(from: dir)
        #expect(manifest.entries.count == 3 && (manifest.pending ?? [:]).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir + "/.2435098.zip.part"))
    }

    @Test func theCubeQueryHasTheColumnsTheConverterReads() throws {
        let sql = try GBIFDownloadRequest.speciesCube(speciesKey: 2_435_098, years: 2001...2019).sql
        for part in [
            "yearMonth", "eeaCellCode", "GBIF_EEARGCode(10000,", "speciesKey", "occurrences", "phylum", #""class""#,
            #""order""#,
            "family", "genus", "speciesKey = 2435098", #""year" >= 2001"#, #""year" <= 2019"#,
            "occurrenceStatus = 'PRESENT'",
            "decimalLatitude >= 31.875", "decimalLongitude <= 45.125", "GROUP BY",
        ] {
            #expect(sql.contains(part), "missing \(part)")
        }
        #expect(throws: BioCubeError.self) { try GBIFDownloadRequest.speciesCube(speciesKey: 0, years: 2000...2020) }
        #expect(throws: BioCubeError.self) {
            try GBIFDownloadRequest.speciesCube(speciesKey: 1, years: 2000...2020, gridMeters: 5000)
        }
        #expect(throws: BioCubeError.self) { try GBIFDownloadRequest(sql: "DROP TABLE occurrence", fileName: "x") }
        #expect(throws: BioCubeError.self) { try GBIFDownloadRequest(sql: "SELECT 1", fileName: "../x.zip") }
        #expect(try GBIFDownloadRequest(sql: "SELECT gbifId FROM occurrence", fileName: "mine").fileName == "mine.zip")
    }

    @Test func aSecondRunSkipsFinishedZipsAndRefetchesDamagedOnes() async throws {
        let fake = try FakeGBIF()
        let tmp = TemporaryDirectory("gbif")
        let dir = tmp.path
        let c = client(fake)
        _ = try await c.retrieve(cubes(), into: dir)
        let skipped = Locked(0)
        _ = try await c.retrieve(cubes(), into: dir) { if case .skipped = $0 { skipped.withLock { $0 += 1 } } }
        #expect(skipped.withLock { $0 } == 3 && fake.requestedSQL.count == 3)
        try Data("PK\u{3}\u{4}broken".utf8).write(to: URL(fileURLWithPath: dir + "/5219173.zip"))
        _ = try await c.retrieve(cubes(), into: dir)
        #expect(fake.requestedSQL.count == 4 && FakeGBIF.speciesKey(in: fake.requestedSQL[3]) == "5219173")
    }

    @Test func anInterruptedRunWaitsForTheDownloadItRequested() async throws {
        let fake = try FakeGBIF()
        let tmp = TemporaryDirectory("gbif")
        let dir = tmp.path
        // An earlier run requested the download and was killed before it finished.
        let request = try earlierRunRequested(on: fake, in: dir)
        let files = try await client(fake).retrieve([request], into: dir)
        #expect(fake.requestedSQL.isEmpty && fake.validations == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: files[0])) == FakeGBIF.Script().file("2435098"))
        #expect(try DownloadManifest.load(from: dir).pending?.isEmpty == true)
    }

    @Test func anErasedEarlierDownloadIsRequestedAgain() async throws {
        var script = FakeGBIF.Script()
        script.erased = ["0000042-261126120000000"]
        let fake = try FakeGBIF(script)
        let tmp = TemporaryDirectory("gbif")
        let dir = tmp.path
        let request = try earlierRunRequested(on: fake, in: dir)
        _ = try await client(fake).retrieve([request], into: dir)
        #expect(fake.requestedSQL.count == 1)
    }

    @Test func aCutConnectionResumesWithRange() async throws {
        var script = FakeGBIF.Script()
        script.cutDownload = 2
        script.cutAfter = 3000
        let fake = try FakeGBIF(script)
        let tmp = TemporaryDirectory("gbif")
        let dir = tmp.path
        let files = try await client(fake, pieceSize: 20_000).retrieve(cubes([2_435_098]), into: dir)
        #expect(try Data(contentsOf: URL(fileURLWithPath: files[0])) == script.file("2435098"))
        let ranges = fake.server.requests.filter { $0.path.hasPrefix("/files/") }.compactMap { $0.headers["range"] }
        // The cut second piece is asked for again from byte 20 000 (through the redirect), never from 0.
        #expect(
            ranges == [
                "bytes=0-19999", "bytes=20000-39999", "bytes=20000-39999",
                "bytes=40000-\(script.file("2435098").count - 1)",
            ]
        )
    }

    /// GBIF's 420 (too many downloads running for the account) is waited out, and the DOI
    /// GBIF mints for the download is recorded with its citation and licence.
    @Test func a420IsWaitedOutAndTheDOIRecorded() async throws {
        var script = FakeGBIF.Script()
        script.busyRequests = 2
        let fake = try FakeGBIF(script)
        let tmp = TemporaryDirectory("gbif")
        let dir = tmp.path
        let retries = Locked(0)
        _ = try await client(fake, concurrent: 1).retrieve(cubes([2_435_098]), into: dir) {
            if case .retrying = $0 { retries.withLock { $0 += 1 } }
        }
        #expect(retries.withLock { $0 } == 2 && fake.requestedSQL.count == 1)
        let citations = try GBIFClient.citations(in: dir)
        #expect(citations.count == 1)
        let c = try #require(citations.first)
        #expect(c.file == "2435098.zip" && c.doi == "10.15468/dl.0000001")
        #expect(c.text == "GBIF.org (4 June 2026) GBIF Occurrence Download https://doi.org/10.15468/dl.0000001")
        #expect(c.licence == "http://creativecommons.org/licenses/by-nc/4.0/legalcode")
        #expect(DownloadOptions.gbif.retryPolicy(extra: [420]).retries(status: 420))
    }

    @Test func aWrongPasswordIsAccessDeniedNamingTheVariables() async throws {
        let fake = try FakeGBIF()
        let tmp = TemporaryDirectory("gbif")
        let error = await #expect(throws: BioCubeError.self) {
            _ = try await client(fake, password: "wrong").retrieve(cubes([1]), into: tmp.path)
        }
        #expect(error?.code == .accessDenied)
        #expect(error?.message.contains("401") == true && error?.message.contains("GBIF_PWD") == true)
    }

    @Test func anInvalidQueryIsRejectedBeforeAnythingIsRequested() async throws {
        let fake = try FakeGBIF()
        let bad = try GBIFDownloadRequest(sql: "SELECT noSuchColumn FROM occurrence", fileName: "bad.zip")
        let tmp = TemporaryDirectory("gbif")
        let error = await #expect(throws: BioCubeError.self) {
            _ = try await client(fake).retrieve([bad], into: tmp.path)
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("cannot be resolved") == true)
        #expect(fake.requestedSQL.isEmpty)
    }

    @Test(arguments: ["KILLED", "FAILED", "CANCELLED"])
    func aDownloadThatEndsBadlyIsAnError(status: String) async throws {
        var script = FakeGBIF.Script()
        script.finalStatus = status
        let fake = try FakeGBIF(script)
        let tmp = TemporaryDirectory("gbif")
        let error = await #expect(throws: BioCubeError.self) {
            _ = try await client(fake).retrieve(cubes([7]), into: tmp.path)
        }
        #expect(error?.code == .remoteFailure)
        #expect(error?.message.contains("ended \(status)") == true)
    }

    @Test func anHTMLPageInsteadOfTheZipIsRefused() async throws {
        var script = FakeGBIF.Script()
        script.serveHTML = true
        let fake = try FakeGBIF(script)
        let tmp = TemporaryDirectory("gbif")
        let dir = tmp.path
        let error = await #expect(throws: BioCubeError.self) {
            _ = try await client(fake).retrieve(cubes([7]), into: dir)
        }
        #expect(error?.code != nil)
        #expect(!FileManager.default.fileExists(atPath: dir + "/7.zip"))
        #expect(try DownloadManifest.load(from: dir).entries.isEmpty)
    }

    @Test func aSpeciesListTakesCommentsCommasAndRepeatsAndNamesABadLine() throws {
        let text = "# study species\n2435098\n\n5219173, 2480528  # two on a line\n2435098\n"
        #expect(
            try GBIFDownloadRequest.speciesKeys(parsing: text, origin: "keys.txt") == [2_435_098, 5_219_173, 2_480_528]
        )
        #expect(try GBIFDownloadRequest.speciesKeys(parsing: "", origin: "keys.txt").isEmpty)
        for (bad, line) in [("2435098\nParus major\n", 2), ("-5\n", 1), ("12,0\n", 1)] {
            let error = #expect(throws: BioCubeError.self) {
                try GBIFDownloadRequest.speciesKeys(parsing: bad, origin: "keys.txt")
            }
            #expect(error?.code == .invalidArgument && error?.file == "keys.txt")
            #expect(error?.message.hasPrefix("line \(line):") == true, "\(String(describing: error))")
        }
        let tmp = TemporaryDirectory("species-list")
        try "5219173\n".write(toFile: tmp.file("keys.txt"), atomically: true, encoding: .utf8)
        #expect(try GBIFDownloadRequest.speciesKeys(fromFile: tmp.file("keys.txt")) == [5_219_173])
        let missing = #expect(throws: BioCubeError.self) {
            try GBIFDownloadRequest.speciesKeys(fromFile: tmp.file("none.txt"))
        }
        #expect(missing?.code == .io && missing?.file == tmp.file("none.txt"))
    }

    @Test func credentialsComeFromTheEnvironment() throws {
        let c = try GBIFCredentials.load(environment: ["GBIF_USER": "u", "GBIF_PWD": "p", "GBIF_EMAIL": "a@b.c"])
        #expect(c.user == "u" && c.password == "p" && c.email == "a@b.c" && c.url == GBIFCredentials.defaultURL)
        #expect(
            try GBIFCredentials.load(environment: [
                "GBIF_USER": "u", "GBIF_PWD": "p", "GBIF_API_URL": "https://api.gbif-uat.org/v1",
            ]).url.host == "api.gbif-uat.org"
        )
        let noUser = #expect(throws: BioCubeError.self) { try GBIFCredentials.load(environment: [:]) }
        #expect(noUser?.message.contains("GBIF_USER") == true)
        let noPassword = #expect(throws: BioCubeError.self) {
            try GBIFCredentials.load(environment: ["GBIF_USER": "u"])
        }
        #expect(noPassword?.message.contains("GBIF_PWD") == true)
        #expect(throws: BioCubeError.self) {
            try GBIFCredentials.load(environment: ["GBIF_USER": "u", "GBIF_PWD": "p", "GBIF_API_URL": "ftp://x"])
        }
    }
}
