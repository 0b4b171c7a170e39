import BioCubeTestSupport
import Foundation
import Synchronization

/// A scripted GBIF occurrence download API behind a ``LoopbackHTTPServer``: SQL requests
/// need Basic authentication, downloads go PREPARING → RUNNING → SUCCEEDED over successive
/// polls, and the download link redirects (302) to a file server that supports `Range`,
/// like api.gbif.org does. Switches make it misbehave the ways the real service does.
final class FakeGBIF: Sendable {
    struct Script: Sendable {
        var user = "tester", password = "secret"
        /// The zip served for a species key (from `speciesKey = N` in the SQL).
        var file: @Sendable (String) -> Data = { key in
            Data("PK\u{3}\u{4}fake zip of \(key) ".utf8) + Data(repeating: 7, count: 50_000)
        }
        /// Answer the first N download requests with HTTP 420, as GBIF does when the account
        /// already runs its allowed number of downloads (no Retry-After).
        var busyRequests = 0
        /// Polls reporting RUNNING before the final status.
        var runningPolls = 2
        /// The final status of every download.
        var finalStatus = "SUCCEEDED"
        /// Keys reported FILE_ERASED.
        var erased: Set<String> = []
        /// Cut the body of file request number `cutDownload` (1-based) after `cutAfter` bytes.
        var cutDownload = 1
        var cutAfter: Int? = nil
        /// Serve an HTML page instead of the zip.
        var serveHTML = false
    }

    private struct State {
        var script: Script
        var requests: [String] = []  // SQL of each accepted download request
        var validations = 0
        var keys: [String: String] = [:]  // download key → SQL
        var polls: [String: Int] = [:]
        var fileRequests = 0
    }

    private let box: LoopbackHTTPServer.Locked<State>
    let server: LoopbackHTTPServer

    init(_ script: Script = Script()) throws {
        let box = LoopbackHTTPServer.Locked(State(script: script))
        self.box = box
        server = try LoopbackHTTPServer { FakeGBIF.handle($0, box) }
    }

    var url: URL { server.baseURL.appendingPathComponent("v1") }
    var requestedSQL: [String] { box.withLock { $0.requests } }
    var validations: Int { box.withLock { $0.validations } }
    var fileRequests: Int { box.withLock { $0.fileRequests } }
    /// Registers a download as if an earlier run had requested it.
    func preload(key: String, sql: String) { box.withLock { $0.keys[key] = sql } }

    static func speciesKey(in sql: String) -> String {
        guard let r = sql.range(of: "speciesKey = ") else { return "custom" }
        return String(sql[r.upperBound...].prefix { $0.isNumber })
    }

    private static func handle(
        _ r: LoopbackHTTPServer.Request,
        _ box: LoopbackHTTPServer.Locked<State>
    ) -> LoopbackHTTPServer.Response {
        box.withLock { s -> LoopbackHTTPServer.Response in
            let path = r.path
            if path.hasPrefix("/files/") {
                s.fileRequests += 1
                let key = String(path.dropFirst(7).dropLast(4))
                guard let sql = s.keys[key] else { return .json(404, #"{"error": "no such file"}"#) }
                if s.script.serveHTML {
                    return .init(
                        status: 200,
                        headers: ["Content-Type": "text/html"],
                        body: Data("<html>maintenance</html>".utf8)
                    )
                }
                let file = s.script.file(speciesKey(in: sql))
                var response = LoopbackHTTPServer.Response.file(
                    file,
                    range: r.headers["range"],
                    contentType: "application/zip"
                )
                if s.fileRequests == s.script.cutDownload, let cut = s.script.cutAfter { response.cutAfter = cut }
                return response
            }
            if r.method == "GET", path.hasPrefix("/v1/occurrence/download/request/"), path.hasSuffix(".zip") {
                let key = String(path.dropFirst("/v1/occurrence/download/request/".count).dropLast(4))
                return .init(status: 302, headers: ["Location": "/files/\(key).zip"])
            }
            if r.method == "GET", path.hasPrefix("/v1/occurrence/download/") {
                let key = String(path.dropFirst("/v1/occurrence/download/".count))
                guard let sql = s.keys[key] else { return .json(404, #"{"error": "download \#(key) not found"}"#) }
                let n = s.polls[key, default: 0]
                s.polls[key] = n + 1
                var status = n == 0 ? "PREPARING" : n <= s.script.runningPolls ? "RUNNING" : s.script.finalStatus
                if s.script.erased.contains(key) { status = "FILE_ERASED" }
                let size = s.script.file(speciesKey(in: sql)).count
                let link = "http://\(r.headers["host"] ?? "127.0.0.1")/v1/occurrence/download/request/\(key).zip"
                return .json(
                    200,
                    #"{"key": "\#(key)", "doi": "10.15468/dl.\#(key.prefix(7))", "license": "http://creativecommons.org/licenses/by-nc/4.0/legalcode", "request": {"sql": "SELECT …", "format": "SQL_TSV_ZIP", "creator": "\#(s.script.user)"}, "created": "2026-06-04T19:32:00.000+00:00", "modified": "2026-06-04T19:40:00.000+00:00", "eraseAfter": "2026-12-04T19:32:00.000+00:00", "status": "\#(status)", "downloadLink": "\#(link)", "size": \#(status == "SUCCEEDED" ? size : 0), "totalRecords": 12, "numberDatasets": 3}"#
                )
            }
            let expected = "Basic " + Data("\(s.script.user):\(s.script.password)".utf8).base64EncodedString()
            guard r.headers["authorization"] == expected else {
                return .init(status: 401, headers: ["Content-Type": "text/plain"], body: Data("Unauthorized".utf8))
            }
            guard r.method == "POST", let body = try? JSONSerialization.jsonObject(with: r.body) as? [String: Any],
                body["format"] as? String == "SQL_TSV_ZIP", let sql = body["sql"] as? String
            else {
                return .json(400, #"{"error": "bad request body"}"#)
            }
            if sql.contains("noSuchColumn") {
                return .init(
                    status: 400,
                    headers: ["Content-Type": "text/plain"],
                    body: Data("Column 'noSuchColumn' cannot be resolved".utf8)
                )
            }
            if path == "/v1/occurrence/download/request/validate" {
                s.validations += 1
                return .json(200, #"{"sql": "validated"}"#)
            }
            if path == "/v1/occurrence/download/request" {
                if s.script.busyRequests > 0 {
                    s.script.busyRequests -= 1
                    return .init(
                        status: 420,
                        headers: ["Content-Type": "text/plain"],
                        body: Data("User \(s.script.user) has too many simultaneous downloads; the limit is 3.".utf8)
                    )
                }
                s.requests.append(sql)
                let key = String(format: "%07d-261126120000000", s.requests.count)
                s.keys[key] = sql
                return .init(status: 201, headers: ["Content-Type": "text/plain"], body: Data(key.utf8))
            }
            return .json(404, #"{"error": "no route \#(path)"}"#)
        }
    }
}
