import BioCubeCore
import BioCubeTestSupport
import BioCubeTransfer
import Foundation
import Synchronization
import Testing

@testable import BioCubeERA5

/// The CDS client against a fake CDS on loopback (no test touches the internet).
@Suite struct CDSClientTests {
    static func asset(_ n: Int = 200_000) -> Data {
        var rng = SplitMix64(seed: 9)
        return Data((0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }

    func client(_ fake: FakeCDS, key: String = "test-key", pieceSize: Int = 64 << 10) -> CDSClient {
        var o = DownloadOptions()
        o.pollInitial = .milliseconds(5)
        o.pollMaximum = .milliseconds(20)
        o.retryBackoff = .milliseconds(5)
        o.requestTimeout = 10
        o.pieceSize = pieceSize
        return CDSClient(credentials: CDSCredentials(url: fake.url, key: key), options: o)
    }

    func request() throws -> CDSRequest {
        try CDSRequest.monthlySingleLevels(variables: ["t2m", "msl"], years: [2000, 2001])
    }

    @Test func happyPathSubmitsPollsAndDownloadsEachYear() async throws {
        let data = Self.asset()
        let fake = try FakeCDS(.init(asset: data))
        let tmp = TemporaryDirectory("cds")
        let dir = tmp.path
        let statuses = Locked<[String]>([])
        let files = try await client(fake).retrieve(request().splitByYear(), into: dir) { e in
            if case .status(_, _, let s) = e { statuses.withLock { $0.append(s) } }
        }
        #expect(files.count == 2)
        for f in files { #expect(try Data(contentsOf: URL(fileURLWithPath: f)) == data) }
        #expect(statuses.withLock { $0 }.filter { $0 == "successful" }.count == 2)
        #expect(statuses.withLock { $0 }.contains("running"))
        // The request body is the CDS inputs document.
        let body = try #require(fake.submittedInputs.first)
        let json = try JSONValue.decode(Data(body.utf8))
        #expect(json["inputs"]?["variable"] == ["2m_temperature", "mean_sea_level_pressure"])
        #expect(json["inputs"]?["year"] == ["2000"])
        #expect(json["inputs"]?["product_type"] == ["monthly_averaged_reanalysis"])
        #expect(json["inputs"]?["data_format"] == "netcdf")
        #expect(json["inputs"]?["area"]?.arrayValue?.map(\.doubleValue) == [72, -25, 32, 45])
        #expect(
            !FileManager.default.fileExists(atPath: dir + "/." + (files[0] as NSString).lastPathComponent + ".part")
        )
    }

    @Test func aSecondRunSkipsCompletedFiles() async throws {
        let fake = try FakeCDS(.init(asset: Self.asset(5000)))
        let tmp = TemporaryDirectory("cds")
        let dir = tmp.path
        let c = client(fake)
        _ = try await c.retrieve(request().splitByYear(), into: dir)
        #expect(fake.submissions == 2)
        let skipped = Locked(0)
        _ = try await c.retrieve(request().splitByYear(), into: dir) {
            if case .skipped = $0 { skipped.withLock { $0 += 1 } }
        }
        #expect(fake.submissions == 2)
        #expect(skipped.withLock { $0 } == 2)
        // A damaged file is fetched again.
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".nc") }.sorted()
        try Data("broken".utf8).write(to: URL(fileURLWithPath: dir + "/" + files[0]))
        _ = try await c.retrieve(request().splitByYear(), into: dir)
        #expect(fake.submissions == 3)
    }

    @Test func aCutConnectionIsResumedWithRange() async throws {
        let data = Self.asset(300_000)
        let fake = try FakeCDS(.init(asset: data, cutDownload: 2, cutAfter: 10_000))
        let tmp = TemporaryDirectory("cds")
        let dir = tmp.path
        let files = try await client(fake, pieceSize: 100_000).retrieve([request().splitByYear()[0]], into: dir)
        #expect(try Data(contentsOf: URL(fileURLWithPath: files[0])) == data)
        let ranges = fake.storage.requests.compactMap { $0.headers["range"] }
        // The cut second piece is asked for again from byte 100 000, never from 0.
        #expect(ranges == ["bytes=0-99999", "bytes=100000-199999", "bytes=100000-199999", "bytes=200000-299999"])
    }

    @Test func anInterruptedRunResumesFromThePartFile() async throws {
        let data = Self.asset(300_000)
        let fake = try FakeCDS(.init(asset: data))
        let tmp = TemporaryDirectory("cds")
        let dir = tmp.path
        let r = try request().splitByYear()[0]
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try data.prefix(150_000).write(to: URL(fileURLWithPath: dir + "/." + r.fileName + ".part"))
        let files = try await client(fake, pieceSize: 100_000).retrieve([r], into: dir)
        #expect(try Data(contentsOf: URL(fileURLWithPath: files[0])) == data)
        #expect(
            fake.storage.requests.compactMap { $0.headers["range"] } == ["bytes=150000-249999", "bytes=250000-299999"]
        )
    }

    @Test func a500IsRetriedThenSucceeds() async throws {
        let fake = try FakeCDS(.init(asset: Self.asset(1000), submitFailures: 2))
        let tmp = TemporaryDirectory("cds")
        let dir = tmp.path
        let retries = Locked(0)
        _ = try await client(fake).retrieve([request().splitByYear()[0]], into: dir) {
            if case .retrying = $0 { retries.withLock { $0 += 1 } }
        }
        #expect(fake.submissions == 3)
        #expect(retries.withLock { $0 } == 2)
    }

    @Test func aBadTokenIs401AccessDenied() async throws {
        let fake = try FakeCDS(.init(asset: Self.asset(10)))
        let error = await #expect(throws: BioCubeError.self) {
            _ = try await client(fake, key: "wrong").submit(request())
        }
        #expect(error?.code == .accessDenied)
        #expect(error?.message.contains("401") == true && error?.message.contains("CDSAPI_KEY") == true)
    }

    @Test func anUnacceptedLicenceIs403WithTheLicencePage() async throws {
        let fake = try FakeCDS(
            .init(
                asset: Self.asset(10),
                refusal: (
                    403, "required licences not accepted",
                    "please accept the following licences to proceed: [{'id': 'licence-to-use-copernicus-products', 'revision': 12}]"
                )
            )
        )
        let error = await #expect(throws: BioCubeError.self) { _ = try await client(fake).submit(request()) }
        #expect(error?.code == .accessDenied)
        let message = error?.message ?? ""
        #expect(
            message.contains("required licences not accepted") && message.contains("licence-to-use-copernicus-products")
        )
        #expect(message.contains("datasets/reanalysis-era5-single-levels-monthly-means?tab=download#manage-licences"))
    }

    /// A cost limit (or a disabled dataset) is a 403 too, but not about a licence: the server's
    /// words are shown and no licence is mentioned.
    @Test(arguments: [
        ("cost limits exceeded", "Your request is too large, please reduce your selection."),
        ("dataset not available", "This dataset is temporarily disabled"),
    ])
    func otherRefusalsDoNotMentionALicence(title: String, detail: String) async throws {
        let fake = try FakeCDS(.init(asset: Self.asset(10), refusal: (403, title, detail)))
        let error = await #expect(throws: BioCubeError.self) { _ = try await client(fake).submit(request()) }
        #expect(error?.code == .accessDenied)
        #expect(error?.message.contains(title) == true && error?.message.contains(detail) == true)
        #expect(error?.message.lowercased().contains("licence") == false)
    }

    @Test(arguments: ["failed", "rejected"])
    func aFailedOrRejectedJobPrintsTheServersReasonAndTraceback(status: String) async throws {
        let fake = try FakeCDS(.init(asset: Self.asset(10), final: status))
        let tmp = TemporaryDirectory("cds")
        let error = await #expect(throws: BioCubeError.self) {
            _ = try await client(fake).retrieve([request()], into: tmp.path)
        }
        #expect(error?.code == .remoteFailure)
        let message = error?.message ?? ""
        #expect(message.contains("\(status) on the CDS") && message.contains("job failed"))
        #expect(message.contains("MarsRuntimeError: MARS returned no data"), "the traceback: \(message)")
        #expect(!message.contains("unknown status"))
        // The ended job is not left pending: a rerun submits the request again.
        #expect(try DownloadManifest.load(from: tmp.path).pending?.isEmpty ?? true)
        _ = try? await client(fake).retrieve([request()], into: tmp.path)
        #expect(fake.submissions == 2)
    }

    @Test func aDismissedJobSaysSo() async throws {
        let fake = try FakeCDS(.init(asset: Self.asset(10), final: "dismissed"))
        let error = await #expect(throws: BioCubeError.self) {
            _ = try await client(fake).retrieve([request()], into: TemporaryDirectory("cds").path)
        }
        #expect(error?.message.contains("dismissed") == true && error?.message.contains("administrator") == true)
    }

    /// An outage of the service while a job runs is waited out: the job is polled until it
    /// is done and never submitted twice (the reference client retries for hours).
    @Test func anOutageDuringPollingCompletesWithoutASecondSubmission() async throws {
        let data = Self.asset(5000)
        let fake = try FakeCDS(.init(asset: data, pollOutage: 12))
        let tmp = TemporaryDirectory("cds")
        var o = DownloadOptions.cds
        o.pollInitial = .milliseconds(5)
        o.pollMaximum = .milliseconds(20)
        o.retryBackoff = .milliseconds(2)
        o.retryMaximumWait = .milliseconds(10)
        o.requestTimeout = 10
        let retries = Locked(0)
        let files = try await CDSClient(credentials: CDSCredentials(url: fake.url, key: "test-key"), options: o)
            .retrieve(
                [request()],
                into: tmp.path
            ) { if case .retrying = $0 { retries.withLock { $0 += 1 } } }
        #expect(try Data(contentsOf: URL(fileURLWithPath: files[0])) == data)
        #expect(fake.submissions == 1 && retries.withLock { $0 } == 12)
        #expect(DownloadOptions.cds.retries == 500 && DownloadOptions.cds.retryMaximumWait == .seconds(120))
    }

    /// A rerun after an interruption polls the job its manifest recorded; a job the CDS has
    /// forgotten is submitted again.
    @Test func aRerunPollsTheJobItHas() async throws {
        let data = Self.asset(3000)
        let tmp = TemporaryDirectory("cds")
        let r = try request()
        var manifest = DownloadManifest()
        manifest.pending = [String(r.identity, radix: 16): FakeCDS.jobID(7)]
        try FileManager.default.createDirectory(atPath: tmp.path, withIntermediateDirectories: true)
        try manifest.save(to: tmp.path)
        let fake = try FakeCDS(.init(asset: data))
        let files = try await client(fake).retrieve([r], into: tmp.path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: files[0])) == data)
        #expect(fake.submissions == 0, "the earlier job was polled, not resubmitted")
        #expect(fake.server.requests.contains { $0.path.hasSuffix(FakeCDS.jobID(7)) })
        #expect(try DownloadManifest.load(from: tmp.path).pending?.isEmpty ?? true)

        let gone = TemporaryDirectory("cds")
        try FileManager.default.createDirectory(atPath: gone.path, withIntermediateDirectories: true)
        manifest.pending = [String(r.identity, radix: 16): FakeCDS.jobID(99)]
        try manifest.save(to: gone.path)
        let forgetful = try FakeCDS(.init(asset: data, forgotten: [FakeCDS.jobID(99)]))
        _ = try await client(forgetful).retrieve([r], into: gone.path)
        #expect(forgetful.submissions == 1)
    }

    /// The token goes to the CDS, never to the storage host of the asset; a relative asset
    /// href (as in the reference client's test data) resolves against the results URL.
    @Test func theAssetIsFetchedWithoutTheToken() async throws {
        let data = Self.asset(2000)
        let fake = try FakeCDS(.init(asset: data))
        _ = try await client(fake).retrieve([request()], into: TemporaryDirectory("cds").path)
        #expect(!fake.storage.requests.isEmpty)
        #expect(fake.storage.requests.allSatisfy { $0.headers["private-token"] == nil })
        let relative = try FakeCDS(.init(asset: data, relativeHref: true))
        let files = try await client(relative).retrieve([request()], into: TemporaryDirectory("cds").path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: files[0])) == data)
    }

    @Test func aMissingAssetIs404() async throws {
        let fake = try FakeCDS(.init(asset: Self.asset(10), assetMissing: true))
        let tmp = TemporaryDirectory("cds")
        let dir = tmp.path
        let error = await #expect(throws: BioCubeError.self) {
            _ = try await client(fake).retrieve([request()], into: dir)
        }
        #expect(error?.code == .notFound)
    }

    @Test func anUnreachableServerFailsAfterBoundedRetries() async throws {
        var o = DownloadOptions()
        o.retries = 2
        o.retryBackoff = .milliseconds(1)
        o.requestTimeout = 5
        let c = CDSClient(
            credentials: CDSCredentials(url: URL(string: "http://127.0.0.1:9/api")!, key: "k"),
            options: o
        )
        let error = await #expect(throws: BioCubeError.self) { _ = try await c.submit(request()) }
        #expect(error?.code == .network)
        #expect(error?.message.contains("after 3 attempts") == true)
    }
}

@Suite struct CDSRequestTests {
    @Test func credentialsFromEnvironmentOrRcFile() throws {
        let tmp = TemporaryDirectory("cdsapirc")
        let rc = tmp.file("cdsapirc")
        try "url: http://example.invalid/api\nkey: abc-123\n".write(toFile: rc, atomically: true, encoding: .utf8)
        let fromFile = try CDSCredentials.load(environment: ["CDSAPI_RC": rc])
        #expect(fromFile.key == "abc-123" && fromFile.url.absoluteString == "http://example.invalid/api")
        let fromEnv = try CDSCredentials.load(environment: ["CDSAPI_RC": rc, "CDSAPI_KEY": "xyz"])
        #expect(fromEnv.key == "xyz")
        #expect(throws: BioCubeError.self) {
            try CDSCredentials.load(environment: ["CDSAPI_RC": "/nonexistent", "HOME": "/nonexistent"])
        }
    }

    @Test func requestBuildersAndSplitting() throws {
        let p = try CDSRequest.monthlyPressureLevels(
            variables: ["t", "z"],
            years: [2000, 2001, 2002],
            months: [1, 2]
        )
        #expect(p.dataset == "reanalysis-era5-pressure-levels-monthly-means")
        #expect(p.inputs["pressure_level"]?.arrayValue?.count == 13)
        #expect(p.inputs["month"] == ["01", "02"])
        #expect(p.splitByYear().map(\.years) == [[2000], [2001], [2002]])
        #expect(p.splitByMonth().count == 6)
        #expect(Set(p.splitByYear().map(\.fileName)).count == 3)
        let h = try CDSRequest.hourlySingleLevels(
            variables: ["2m_temperature"],
            years: [2010],
            months: [6],
            days: [1, 2]
        )
        #expect(h.inputs["time"] == ["00:00", "06:00", "12:00", "18:00"] && h.inputs["day"] == ["01", "02"])
        #expect(throws: BioCubeError.self) { try CDSRequest.monthlySingleLevels(variables: [], years: [2000]) }
        #expect(throws: BioCubeError.self) {
            try CDSRequest.monthlySingleLevels(variables: ["t2m"], years: [2000], months: [13])
        }
        #expect(throws: BioCubeError.self) {
            try CDSRequest.hourlySingleLevels(variables: ["t2m"], years: [2000], times: ["06:30"])
        }
    }
}
