import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeCore
@testable import BioCubeTransfer

@Suite("Hugging Face Hub downloads, digests and path patterns")
struct HuggingFaceDatasetTests {
    @Test func digestsMatchTheirStandardVectors() throws {
        var a = try Digest(.sha256)
        try a.update(Array("abc".utf8))
        #expect(try a.hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var b = try Digest(.sha1)
        try b.update(Array("abc".utf8))
        #expect(try b.hex() == "a9993e364706816aba3e25717850c26c9cd0d89d")
        let dir = TemporaryDirectory()
        try FileIO.writeAtomically(dir.file("hello"), Array("hello\n".utf8))
        // `git hash-object` of a file holding "hello\n".
        #expect(try Digest.gitBlobID(ofFile: dir.file("hello")) == "ce013625030ba8dba906f756967f9e9ca394464a")
        #expect(
            try Digest.sha256(ofFile: dir.file("hello"))
                == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
        )
    }

    @Test(arguments: [
        ("Copernicus/**/*.nc", "Copernicus/ERA5-monthly/era5-single/a.nc", true),
        ("Copernicus/**/*.nc", "Copernicus/a.nc", true), ("Copernicus/**/*.nc", "Land/a.nc", false),
        ("*/Europe_*.csv", "Land/Europe_land_data.csv", true), ("*.csv", "Land/Europe_land_data.csv", false),
        ("**", "anything/at/all", true), ("Species/europe_species.parquet", "Species/europe_species.parquet", true),
    ])
    func pathPatterns(pattern: String, path: String, expected: Bool) {
        #expect(PathPattern(pattern).matches(path) == expected)
    }

    static let commit = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"

    /// Two servers: the Hub (listing in two pages answering `X-Repo-Commit` as the Hub does,
    /// or only through `api/datasets/…/revision/main`; resolve at that commit redirects to the
    /// CDN, while `main` has since moved to other bytes) and the CDN (serves the bytes, cuts
    /// the LFS file once, records the Authorization header).
    private func servers(
        big: Data,
        small: Data,
        cutOnce: Bool,
        wrongBytes: Bool = false,
        commitHeader: Bool = true
    ) throws -> (hub: LoopbackHTTPServer, cdn: LoopbackHTTPServer) {
        let cuts = LoopbackHTTPServer.Locked(cutOnce ? 1 : 0)
        let cdn = try LoopbackHTTPServer { request in
            let body =
                request.path.hasPrefix("/moved")
                ? Data(repeating: 1, count: big.count)
                : request.path.hasPrefix("/big") ? (wrongBytes ? Data(big.reversed()) : big) : small
            var r = LoopbackHTTPServer.Response.file(
                body,
                range: request.headers["range"],
                contentType: "application/octet-stream"
            )
            if request.path.hasPrefix("/big"),
                cuts.withLock({ c in
                    defer { c = max(0, c - 1) }
                    return c > 0
                })
            {
                r.cutAfter = 700
            }
            return r
        }
        var shaDigest = try Digest(.sha256)
        try shaDigest.update(Array(big))
        let sha = try shaDigest.hex()
        var gitDigest = try Digest(.sha1)
        try gitDigest.update(Array("blob \(small.count)\u{0}".utf8))
        try gitDigest.update(Array(small))
        let git = try gitDigest.hex()
        let hubURL = LoopbackHTTPServer.Locked("")
        let listed = LoopbackHTTPServer.Locked(0)
        let hub = try LoopbackHTTPServer { request in
            if request.path.hasPrefix("/api/datasets/BioDT/BioCube/tree/main") {
                if listed.withLock({ n in
                    n += 1
                    return n == 1
                }) {
                    return LoopbackHTTPServer.Response(status: 429, headers: ["Retry-After": "0"])
                }
                if request.path.contains("cursor=2") {
                    var r = LoopbackHTTPServer.Response.json(
                        200,
                        #"[{"type":"file","oid":"\#(git)","size":\#(small.count),"path":"README.md"}]"#
                    )
                    if commitHeader { r.headers["X-Repo-Commit"] = Self.commit }
                    return r
                }
                let next =
                    hubURL.withLock { $0 } + "/api/datasets/BioDT/BioCube/tree/main?recursive=true&cursor=2"
                var r = LoopbackHTTPServer.Response.json(
                    200,
                    #"[{"type":"directory","oid":"x","size":0,"path":"Copernicus"},{"type":"file","oid":"0123","size":\#(big.count),"path":"Copernicus/ERA5/big file.nc","lfs":{"oid":"\#(sha)","size":\#(big.count),"pointerSize":134}}]"#
                )
                r.headers["Link"] = "<\(next)>; rel=\"next\""
                if commitHeader { r.headers["X-Repo-Commit"] = Self.commit }
                return r
            }
            if request.path == "/api/datasets/BioDT/BioCube/revision/main" {
                return .json(200, #"{"id":"BioDT/BioCube","sha":"\#(Self.commit)","private":false}"#)
            }
            if request.path.hasPrefix("/datasets/BioDT/BioCube/resolve/main/") {
                // `main` moved on since the listing: other bytes now.
                return LoopbackHTTPServer.Response(
                    status: 302,
                    headers: ["Location": cdn.baseURL.absoluteString + "/moved"]
                )
            }
            if request.path.hasPrefix("/datasets/BioDT/BioCube/resolve/\(Self.commit)/") {
                let target = request.path.contains("big%20file") ? "/big" : "/small"
                return LoopbackHTTPServer.Response(
                    status: 302,
                    headers: ["Location": cdn.baseURL.absoluteString + target]
                )
            }
            return .json(404, "{}")
        }
        hubURL.withLock { $0 = hub.baseURL.absoluteString }
        return (hub, cdn)
    }

    private func options() -> DownloadOptions {
        var o = DownloadOptions()
        o.retryBackoff = .milliseconds(10)
        o.pieceSize = 1000
        o.concurrentDownloads = 2
        return o
    }

    @Test func listsPagesDownloadsVerifiesResumesAndSkipsOnRerun() async throws {
        var g = SplitMix64(seed: 9)
        let big = Data((0..<5000).map { _ in UInt8(truncatingIfNeeded: g.next()) })
        let small = Data("# BioCube\n".utf8)
        let (hub, cdn) = try servers(big: big, small: small, cutOnce: true)
        defer {
            hub.stop()
            cdn.stop()
        }
        let client = HuggingFaceDataset(endpoint: hub.baseURL, token: "hf_secret", options: options())
        let files = try await client.files()
        #expect(files.map(\.path) == ["Copernicus/ERA5/big file.nc", "README.md"])
        #expect(files[0].sha256 != nil && files[1].sha256 == nil)
        let dir = TemporaryDirectory()
        let summary = try await client.download(files, into: dir.path)
        #expect(summary.downloaded == 2 && summary.bytes == Int64(big.count + small.count))
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("Copernicus/ERA5/big file.nc"))) == big)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("README.md"))) == small)
        #expect(
            hub.requests.filter { $0.path.hasPrefix("/datasets/") }.allSatisfy {
                $0.headers["authorization"] == "Bearer hf_secret"
            }
        )
        #expect(cdn.requests.allSatisfy { $0.headers["authorization"] == nil }, "the token stays with the Hub")
        #expect(cdn.requests.filter { $0.path == "/big" }.count >= 6, "5 pieces of 1000 bytes plus the resumed cut one")
        // Every file is resolved once, at the listing's commit; its pieces then come from the CDN.
        #expect(files.allSatisfy { $0.commit == Self.commit })
        let resolves = hub.requests.filter { $0.path.hasPrefix("/datasets/") }.map(\.path)
        #expect(resolves.allSatisfy { $0.contains("/resolve/\(Self.commit)/") }, "\(resolves)")
        // The first piece of the big file is cut before any answer pins it, so it goes through
        // the Hub twice; the other pieces come straight from the CDN.
        #expect(
            resolves.filter { $0.contains("big") }.count == 2 && resolves.filter { $0.contains("README") }.count == 1
        )
        #expect(!cdn.requests.contains { $0.path == "/moved" })

        let before = cdn.requests.count
        let again = try await client.download(files, into: dir.path)
        #expect(again.downloaded == 0 && again.skipped == 2 && cdn.requests.count == before)

        // A damaged copy is noticed and fetched again.
        try FileIO.writeAtomically(dir.file("README.md"), Array("# changed\n".utf8))
        let repaired = try await client.download(files, into: dir.path)
        #expect(repaired.downloaded == 1 && repaired.skipped == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("README.md"))) == small)
    }

    /// Without `X-Repo-Commit` the revision's commit comes from `api/datasets/…/revision/…`.
    @Test func theCommitComesFromTheRevisionWhenTheListingDoesNotSay() async throws {
        let big = Data((0..<1500).map { UInt8(truncatingIfNeeded: $0 * 3) })
        let (hub, cdn) = try servers(big: big, small: Data("y".utf8), cutOnce: false, commitHeader: false)
        defer {
            hub.stop()
            cdn.stop()
        }
        let client = HuggingFaceDataset(endpoint: hub.baseURL, token: nil, options: options())
        let files = try await client.files()
        #expect(files.allSatisfy { $0.commit == Self.commit })
        let dir = TemporaryDirectory()
        _ = try await client.download(files, into: dir.path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("Copernicus/ERA5/big file.nc"))) == big)
    }

    @Test func aDownloadThatFailsItsChecksumIsRemovedAndNamed() async throws {
        let big = Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let (hub, cdn) = try servers(big: big, small: Data("x".utf8), cutOnce: false, wrongBytes: true)
        defer {
            hub.stop()
            cdn.stop()
        }
        let client = HuggingFaceDataset(endpoint: hub.baseURL, token: nil, options: options())
        let files = try await client.files().filter { $0.sha256 != nil }
        let dir = TemporaryDirectory()
        await #expect {
            _ = try await client.download(files, into: dir.path)
        } throws: { e in
            (e as? BioCubeError)?.code == .checksumMismatch
                && (e as? BioCubeError)?.file == dir.file("Copernicus/ERA5/big file.nc")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("Copernicus/ERA5/big file.nc")))
    }

    @Test func linkHeaders() {
        #expect(
            HuggingFaceDataset.nextPage(#"<https://h/api?cursor=abc>; rel="next", <https://h/api?p=0>; rel="prev""#)?
                .absoluteString == "https://h/api?cursor=abc"
        )
        #expect(HuggingFaceDataset.nextPage(#"<https://h/api?p=0>; rel="prev""#) == nil)
        #expect(HuggingFaceDataset.nextPage(nil) == nil)
    }
}

/// A hostile Hub listing can neither wipe nor reach outside the output folder: every path is
/// checked before anything is written, and nothing of the user's is deleted.
@Suite struct HostileHubListingTests {
    private func hub(_ listing: String) throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { request in
            if request.path.hasPrefix("/api/datasets/BioDT/BioCube/tree/main") { return .json(200, listing) }
            return .file(Data("x".utf8), range: request.headers["range"], contentType: "application/octet-stream")
        }
    }

    /// The output folder with a user's file in it, and a sentinel beside it.
    private func setUp() throws -> (TemporaryDirectory, String) {
        let dir = TemporaryDirectory()
        try FileIO.writeAtomically(dir.file("out/Species/a.csv"), Array("mine".utf8))
        try FileIO.writeAtomically(dir.file("sentinel"), Array("beside".utf8))
        return (dir, dir.file("out"))
    }

    private func untouched(_ dir: TemporaryDirectory) throws {
        #expect(try FileIO.read(dir.file("out/Species/a.csv")) == Array("mine".utf8))
        #expect(try FileIO.read(dir.file("sentinel")) == Array("beside".utf8))
    }

    @Test(arguments: [
        #"[{"type":"file","oid":"0","size":1,"path":""}]"#,
        #"[{"type":"file","oid":"0","size":1,"path":"Species/a.csv\u0000.evil"}]"#,
        #"[{"type":"file","oid":"0","size":1,"path":"../sentinel"}]"#,
        #"[{"type":"file","oid":"0","size":1,"path":"Species"},{"type":"file","oid":"1","size":1,"path":"Species/b.csv"}]"#,
        #"[{"type":"file","oid":"0","size":1,"path":"x.nc"},{"type":"file","oid":"0","size":1,"path":"x.nc"}]"#,
    ])
    func aHostileListingIsRefusedBeforeAnythingIsTouched(listing: String) async throws {
        let (dir, out) = try setUp()
        let server = try hub(listing)
        defer { server.stop() }
        let client = HuggingFaceDataset(endpoint: server.baseURL, token: nil, options: DownloadOptions())
        await #expect(throws: BioCubeError.self) {
            let files = try await client.files()
            _ = try await client.download(files, into: out)
        }
        try untouched(dir)
    }

    @Test func aFolderOfTheUsersIsNeverReplacedByAListedFile() async throws {
        let (dir, out) = try setUp()
        let file = HuggingFaceDataset.File(path: "Species", size: 1, sha256: nil, gitBlobID: "0")
        let client = HuggingFaceDataset(endpoint: URL(string: "http://127.0.0.1:9")!, token: nil)
        await #expect {
            _ = try await client.download([file], into: out)
        } throws: { ($0 as? BioCubeError)?.code == .alreadyExists }
        try untouched(dir)
    }
}

/// One download failing while the others follow cross-host redirects: the failure is
/// reported, the process neither traps nor deadlocks (Foundation on Linux used to trap when
/// a cancelled task met its redirect callback).
@Suite struct ConcurrentRedirectFailureTests {
    @Test func aFailureAmongRedirectedDownloadsEndsCleanly() async throws {
        let cdn = try LoopbackHTTPServer { request in
            usleep(20_000)
            return .file(
                Data(repeating: 3, count: 4000),
                range: request.headers["range"],
                contentType: "application/octet-stream"
            )
        }
        defer { cdn.stop() }
        let hub = try LoopbackHTTPServer { request in
            if request.path.contains("broken") { return .json(404, #"{"error":"Entry not found"}"#) }
            return LoopbackHTTPServer.Response(status: 302, headers: ["Location": cdn.baseURL.absoluteString + "/f"])
        }
        defer { hub.stop() }
        var options = DownloadOptions()
        options.concurrentDownloads = 4
        options.pieceSize = 500
        options.retryBackoff = .milliseconds(1)
        let client = HuggingFaceDataset(
            revision: String(repeating: "a", count: 40),
            endpoint: hub.baseURL,
            token: nil,
            options: options
        )
        let files = (0..<6).map { i in
            HuggingFaceDataset.File(path: i == 3 ? "broken.nc" : "f\(i).nc", size: 4000, sha256: nil, gitBlobID: "0")
        }
        let dir = TemporaryDirectory()
        for _ in 0..<5 {
            await #expect {
                _ = try await client.download(files, into: dir.path)
            } throws: { ($0 as? BioCubeError)?.code == .notFound || ($0 as? BioCubeError)?.code == .corruptData }
        }
    }
}
