import BioCubeTestSupport
import Foundation
import Synchronization

/// A scripted Copernicus CDS retrieve API behind a ``LoopbackHTTPServer``, answering in the
/// shapes of the service's own server (cads-processing-api-service) and of its reference
/// client's test data (ecmwf-datastores-client `tests/test_20_processing.py`): jobs go
/// `accepted` → `running` → their final status over successive polls; a `failed` or
/// `rejected` job's results answer 400 with `title` and `traceback`; refusals are 403
/// `permission denied` with the server's title and detail; an unknown job is 404. The
/// result asset lives on a second server (the storage host, as object storage is on the
/// real service) and supports `Range`.
final class FakeCDS: Sendable {
    struct Script: Sendable {
        var key = "test-key"
        var asset = Data()
        /// Answer the first N submissions with HTTP 500.
        var submitFailures = 0
        /// Answer submissions with this refusal instead (title, detail).
        var refusal: (status: Int, title: String, detail: String)? = nil
        /// The status a job ends with: successful, failed, rejected or dismissed.
        var final = "successful"
        /// Cut the body of asset request number `cutDownload` (1-based) after `cutAfter` bytes.
        var cutDownload = 1
        var cutAfter: Int? = nil
        /// The asset URL answers 404.
        var assetMissing = false
        /// Polls reporting `running` before the final status.
        var runningPolls = 2
        /// Polls, after the first, answered 502 (an outage of the service during polling).
        var pollOutage = 0
        /// The asset href is relative to the results URL (`./<hash>`), as in the reference
        /// client's test data, instead of an absolute storage URL.
        var relativeHref = false
        /// Jobs the service has forgotten (answered 404).
        var forgotten: Set<String> = []
    }

    private struct State {
        var script: Script
        var submissions = 0
        var polls: [String: Int] = [:]
        var pollRequests = 0
        var downloads = 0
        var inputs: [String] = []
    }

    private let box: LoopbackHTTPServer.Locked<State>
    let server: LoopbackHTTPServer
    /// The storage host of result assets.
    let storage: LoopbackHTTPServer

    init(_ script: Script) throws {
        let box = LoopbackHTTPServer.Locked(State(script: script))
        self.box = box
        storage = try LoopbackHTTPServer { FakeCDS.asset($0, box) }
        let storageURL = storage.baseURL.absoluteString
        server = try LoopbackHTTPServer { FakeCDS.handle($0, box, storage: storageURL) }
    }

    var url: URL { server.baseURL.appendingPathComponent("api") }
    var submissions: Int { box.withLock { $0.submissions } }
    var downloads: Int { box.withLock { $0.downloads } }
    var submittedInputs: [String] { box.withLock { $0.inputs } }
    /// Every request to both hosts, in order of arrival.
    var requests: [LoopbackHTTPServer.Request] {
        (server.requests + storage.requests).sorted { $0.received < $1.received }
    }

    static func jobID(_ n: Int) -> String { "9bfc1362-2832-48e1-a235-\(String(format: "%012d", n))" }

    private static func asset(
        _ r: LoopbackHTTPServer.Request,
        _ box: LoopbackHTTPServer.Locked<State>
    ) -> LoopbackHTTPServer.Response {
        box.withLock { s in
            s.downloads += 1
            if s.script.assetMissing {
                return LoopbackHTTPServer.Response(
                    status: 404,
                    headers: ["Content-Type": "application/xml"],
                    body: Data("<Error><Code>NoSuchKey</Code></Error>".utf8)
                )
            }
            var response = LoopbackHTTPServer.Response.file(
                s.script.asset,
                range: r.headers["range"],
                contentType: "application/netcdf"
            )
            if s.downloads == s.script.cutDownload, let cut = s.script.cutAfter { response.cutAfter = cut }
            return response
        }
    }

    private static func handle(
        _ r: LoopbackHTTPServer.Request,
        _ box: LoopbackHTTPServer.Locked<State>,
        storage: String
    ) -> LoopbackHTTPServer.Response {
        box.withLock { s -> LoopbackHTTPServer.Response in
            let parts = r.path.split(separator: "/")  // api retrieve v1 …
            if s.script.relativeHref, parts.count == 6, parts[3] == "jobs", parts[5].hasPrefix("e7d452a7") {
                s.downloads += 1
                return .file(s.script.asset, range: r.headers["range"], contentType: "application/netcdf")
            }
            guard r.headers["private-token"] == s.script.key else {
                return .json(
                    401,
                    #"{"type": "authentication failed", "title": "authentication failed", "status": 401, "detail": "invalid API token"}"#
                )
            }
            let base = "http://127.0.0.1:\(r.headers["host"]?.split(separator: ":").last ?? "")/api/retrieve/v1"
            if r.method == "POST", parts.count == 6, parts[3] == "processes", parts[5] == "execution" {
                s.submissions += 1
                s.inputs.append(String(decoding: r.body, as: UTF8.self))
                if let refusal = s.script.refusal {
                    return .json(
                        refusal.status,
                        #"{"type": "permission denied", "title": "\#(refusal.title)", "status": \#(refusal.status), "detail": "\#(refusal.detail)", "instance": "\#(base)/processes/\#(parts[4])/execution", "trace_id": "ca3e7170-1ce2-48fc-97f8-bbe64fafce44"}"#
                    )
                }
                if s.submissions <= s.script.submitFailures {
                    return .json(500, #"{"title": "internal server error", "status": 500}"#)
                }
                let id = jobID(s.submissions)
                return .json(201, job(id, process: String(parts[4]), status: "accepted", base: base))
            }
            if r.method == "GET", parts.count == 5, parts[3] == "jobs" {
                let id = String(parts[4])
                s.pollRequests += 1
                if s.pollRequests > 1, s.pollRequests <= 1 + s.script.pollOutage {
                    return LoopbackHTTPServer.Response(
                        status: 502,
                        headers: ["Content-Type": "text/html"],
                        body: Data("<html><head><title>502 Bad Gateway</title></head></html>".utf8)
                    )
                }
                guard !s.script.forgotten.contains(id), id.hasPrefix("9bfc1362") else {
                    return .json(404, #"{"type": "job not found", "title": "job not found", "status": 404}"#)
                }
                let n = s.polls[id, default: 0]
                s.polls[id] = n + 1
                let status = n == 0 ? "accepted" : n <= s.script.runningPolls ? "running" : s.script.final
                return .json(
                    200,
                    job(id, process: "reanalysis-era5-single-levels-monthly-means", status: status, base: base)
                )
            }
            if r.method == "GET", parts.count == 6, parts[3] == "jobs", parts[5] == "results" {
                let id = String(parts[4])
                switch s.script.final {
                case "successful":
                    let href =
                        s.script.relativeHref
                        ? "./e7d452a747061ab880887d88814bfb0c27593a73cb7736d2dc340852"
                        : "\(storage)/cci2-prod-cache/e7d452a7/\(id).nc"
                    return .json(
                        200,
                        #"{"asset": {"value": {"type": "application/netcdf", "href": "\#(href)", "file:checksum": "e7d452a747061ab880887d88814bfb0c27593a73cb7736d2dc340852", "file:size": \#(s.script.asset.count), "file:local_path": ["/cache-store/", "e7d452a7.nc"], "xarray:open_kwargs": {}, "xarray:storage_options": {}}}}"#
                    )
                case "dismissed":
                    return .json(
                        400,
                        #"{"type": "job results failed", "title": "job dismissed", "status": 400, "detail": "the job has been dismissed by the system administrator"}"#
                    )
                default:
                    return .json(
                        400,
                        #"{"type": "job results failed", "title": "job failed", "status": 400, "instance": "\#(base)/jobs/\#(id)/results", "trace_id": "ca3e7170", "traceback": "Traceback (most recent call last):\n  File \"/opt/cads_adaptors/mars.py\", line 58, in execute_mars\n    raise MarsRuntimeError\nMarsRuntimeError: MARS returned no data, please check your selection"}"#
                    )
                }
            }
            return .json(404, #"{"title": "no such route \#(r.path)", "status": 404}"#)
        }
    }

    private static func job(_ id: String, process: String, status: String, base: String) -> String {
        #"{"processID": "\#(process)", "type": "process", "jobID": "\#(id)", "status": "\#(status)", "created": "2022-09-02T17:30:48.201213", "updated": "2022-09-02T17:32:54.308116", "links": [{"href": "\#(base)/jobs/\#(id)", "rel": "monitor", "type": "application/json", "title": "job status info"}, {"href": "\#(base)/jobs/\#(id)/results", "rel": "results"}], "metadata": {"log": [["2024-02-09T09:14:47.811223", "This is a log"]]}}"#
    }
}
