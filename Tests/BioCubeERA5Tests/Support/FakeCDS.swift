import Foundation
import Synchronization
import BioCubeTestSupport

/// A scripted Copernicus CDS retrieve API behind a ``LoopbackHTTPServer``: jobs go
/// accepted → running → successful over successive polls, and the result asset supports
/// `Range`. Switches make it misbehave the ways the real service does.
final class FakeCDS: Sendable {
    struct Script: Sendable {
        var key = "test-key"
        var asset = Data()
        /// Answer the first N submissions with HTTP 500.
        var submitFailures = 0
        /// Answer submissions with this status (401, 403, …) instead.
        var submitStatus: Int? = nil
        /// The job ends `failed` instead of `successful`.
        var jobFails = false
        /// Cut the body of asset request number `cutDownload` (1-based) after `cutAfter` bytes.
        var cutDownload = 1
        var cutAfter: Int? = nil
        /// The asset URL answers 404.
        var assetMissing = false
        /// Polls reporting `running` before `successful`.
        var runningPolls = 2
    }

    private struct State {
        var script: Script
        var submissions = 0
        var polls: [String: Int] = [:]
        var downloads = 0
        var inputs: [String] = []
    }

    private let box: LoopbackHTTPServer.Locked<State>
    let server: LoopbackHTTPServer

    init(_ script: Script) throws {
        let box = LoopbackHTTPServer.Locked(State(script: script))
        self.box = box
        server = try LoopbackHTTPServer { FakeCDS.handle($0, box) }
    }

    var url: URL { server.baseURL.appendingPathComponent("api") }
    var submissions: Int { box.withLock { $0.submissions } }
    var downloads: Int { box.withLock { $0.downloads } }
    var submittedInputs: [String] { box.withLock { $0.inputs } }

    private static func handle(
        _ r: LoopbackHTTPServer.Request, _ box: LoopbackHTTPServer.Locked<State>
    ) -> LoopbackHTTPServer.Response {
        box.withLock { s -> LoopbackHTTPServer.Response in
            if r.path.hasPrefix("/files/") {
                s.downloads += 1
                if s.script.assetMissing { return .json(404, #"{"title": "asset not found"}"#) }
                var response = LoopbackHTTPServer.Response.file(
                    s.script.asset, range: r.headers["range"], contentType: "application/x-netcdf")
                if s.downloads == s.script.cutDownload, let cut = s.script.cutAfter { response.cutAfter = cut }
                return response
            }
            guard r.headers["private-token"] == s.script.key else {
                return .json(401, #"{"title": "Authentication failed", "detail": "invalid token"}"#)
            }
            let parts = r.path.split(separator: "/")  // api retrieve v1 …
            if r.method == "POST", parts.count == 6, parts[3] == "processes", parts[5] == "execution" {
                s.submissions += 1
                s.inputs.append(String(decoding: r.body, as: UTF8.self))
                if let status = s.script.submitStatus {
                    return .json(
                        status,
                        #"{"title": "required licences not accepted", "detail": "accept the licence to use this dataset"}"#
                    )
                }
                if s.submissions <= s.script.submitFailures { return .json(500, #"{"title": "internal error"}"#) }
                let id = "job-\(s.submissions)"
                return .json(
                    201,
                    #"{"jobID": "\#(id)", "status": "accepted", "links": [{"rel": "monitor", "href": "/api/retrieve/v1/jobs/\#(id)"}]}"#
                )
            }
            if r.method == "GET", parts.count == 5, parts[3] == "jobs" {
                let id = String(parts[4])
                let n = s.polls[id, default: 0]
                s.polls[id] = n + 1
                let status =
                    n == 0
                    ? "accepted"
                    : n <= s.script.runningPolls ? "running" : (s.script.jobFails ? "failed" : "successful")
                return .json(200, #"{"jobID": "\#(id)", "status": "\#(status)"}"#)
            }
            if r.method == "GET", parts.count == 6, parts[3] == "jobs", parts[5] == "results" {
                if s.script.jobFails {
                    return .json(400, #"{"title": "The job has failed", "detail": "MARS returned no data"}"#)
                }
                return .json(
                    200,
                    #"{"asset": {"value": {"href": "/files/\#(parts[4]).nc", "file:size": \#(s.script.asset.count), "type": "application/netcdf"}}}"#
                )
            }
            return .json(404, #"{"title": "no such route \#(r.path)"}"#)
        }
    }
}
