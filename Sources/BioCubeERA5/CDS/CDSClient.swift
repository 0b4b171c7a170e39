public import BioCubeCore
package import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// A client for the Copernicus Climate Data Store retrieve API (OGC API – Processes):
/// submit a job (`POST …/retrieve/v1/processes/{dataset}/execution`), poll it
/// (`GET …/retrieve/v1/jobs/{id}`) with backoff until it succeeds, fetch its result
/// asset (`GET …/jobs/{id}/results`) and download the file in ranged pieces that resume
/// after a cut connection.
///
/// ```swift
/// let client = CDSClient(credentials: try .load())
/// let request = try CDSRequest.monthlySingleLevels(variables: ["t2m", "msl"], years: Array(2000...2020))
/// let files = try await client.retrieve(request.splitByYear(), into: "downloads/era5") { print($0) }
/// ```
public struct CDSClient: Sendable {
    package let credentials: CDSCredentials
    package let options: DownloadOptions
    private let http: HTTPTransport

    /// Creates a client. Without a `session`, requests go through one that drops the access
    /// token on any redirect to another host; a session given here follows its own policy.
    public init(
        credentials: CDSCredentials, options: DownloadOptions = DownloadOptions(), session: URLSession? = nil
    ) {
        self.credentials = credentials
        self.options = options
        http = HTTPTransport(
            session: session ?? CrossOriginRedirectGuard.session, timeout: options.requestTimeout,
            retries: options.retries, backoff: options.retryBackoff)
    }

    private var retrieveRoot: URL { credentials.url.appendingPathComponent("retrieve/v1") }
    private var authHeaders: [String: String] { ["PRIVATE-TOKEN": credentials.key, "Accept": "application/json"] }

    private func checkStatus(_ r: HTTPResponse, _ what: String, _ url: URL) throws {
        switch r.status {
        case 200..<300: return
        case 401:
            throw BioCubeError(
                .accessDenied,
                "\(what): the CDS rejected the API key (401 \(r.reason)); check CDSAPI_KEY or ~/.cdsapirc")
        case 403:
            throw BioCubeError(
                .accessDenied,
                "\(what): the CDS refused the request (403 \(r.reason)); accept the dataset's licence on its CDS page")
        case 404:
            throw BioCubeError(.notFound, "\(what): \(Redaction.url(url)) not found (404 \(r.reason))")
        default:
            throw BioCubeError(
                r.status >= 500 ? .remoteFailure : .invalidArgument, "\(what): HTTP \(r.status) \(r.reason)")
        }
    }

    /// Submits a request; returns the job id.
    package func submit(
        _ request: CDSRequest, onEvent: @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> String {
        let url = retrieveRoot.appendingPathComponent("processes/\(request.dataset)/execution")
        let body = try JSONValue.object(["inputs": request.inputs]).encoded()
        let r = try await http.sendRetrying(
            "POST", url, headers: authHeaders.merging(["Content-Type": "application/json"]) { $1 }, body: body,
            onRetry: { onEvent(.retrying(attempt: $0, reason: $1)) })
        try checkStatus(r, "submitting \(request.dataset)", url)
        guard let id = r.json?["jobID"]?.stringValue, !id.isEmpty else {
            throw BioCubeError(.remoteFailure, "submitting \(request.dataset): the answer names no jobID (\(r.reason))")
        }
        return id
    }

    /// Polls a job with growing waits until it succeeds; returns the result asset's URL and size.
    package func waitForResult(
        job id: String, file: String = "", onEvent: @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> (url: URL, size: Int64?) {
        let jobURL = retrieveRoot.appendingPathComponent("jobs/\(id)")
        var wait = options.pollInitial
        let clock = ContinuousClock()
        let deadline = clock.now + options.jobTimeout
        var last = ""
        while true {
            let r = try await http.sendRetrying(
                "GET", jobURL, headers: authHeaders, onRetry: { onEvent(.retrying(attempt: $0, reason: $1)) })
            try checkStatus(r, "job \(id)", jobURL)
            let status = r.json?["status"]?.stringValue ?? "unknown"
            if status != last { onEvent(.status(file: file, job: id, status: status)); last = status }
            switch status {
            case "successful":
                return try await result(job: id)
            case "failed", "dismissed", "deleted":
                let detail = try? await http.send("GET", jobURL.appendingPathComponent("results"), headers: authHeaders)
                throw BioCubeError(.remoteFailure, "job \(id) \(status) on the CDS: \(detail?.reason ?? "no detail")")
            case "accepted", "running":
                guard clock.now + wait < deadline else {
                    throw BioCubeError(.remoteFailure, "job \(id) still \(status) after \(options.jobTimeout)")
                }
                try await Task.sleep(for: wait)
                wait = min(wait * 2, options.pollMaximum)
            default:
                throw BioCubeError(.remoteFailure, "job \(id): unknown status '\(status)'")
            }
        }
    }

    private func result(job id: String) async throws -> (url: URL, size: Int64?) {
        let url = retrieveRoot.appendingPathComponent("jobs/\(id)/results")
        let r = try await http.sendRetrying("GET", url, headers: authHeaders)
        try checkStatus(r, "results of job \(id)", url)
        guard let asset = r.json?["asset"]?["value"], let href = asset["href"]?.stringValue,
            let target = URL(string: href, relativeTo: url)?.absoluteURL
        else {
            throw BioCubeError(.remoteFailure, "results of job \(id) name no asset href (\(r.reason))")
        }
        return (target, asset["file:size"]?.intValue)
    }

    /// Downloads `url` to `path` through `path`'s `.part` file, in ranged pieces: an
    /// interrupted download (cut connection, killed process) resumes where it stopped.
    /// The finished file is checked against `size` and renamed into place.
    package func download(
        from url: URL, size: Int64?, to path: String, onEvent: @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws {
        let name = (path as NSString).lastPathComponent
        try await ResumableDownload(http: http, pieceSize: options.pieceSize, service: "the CDS").run(
            from: url, size: size, to: path
        ) {
            switch $0 {
            case .bytes(let have, let total): onEvent(.downloading(file: name, bytes: have, total: total))
            case .retrying(let attempt, let reason): onEvent(.retrying(attempt: attempt, reason: reason))
            }
        }
    }

    /// Retrieves every request into `directory` (one file each, named by
    /// ``CDSRequest/fileName``), skipping those the folder's manifest records as complete
    /// with an intact file. Returns the file paths in request order.
    public func retrieve(
        _ requests: [CDSRequest], into directory: String, onEvent: @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> [String] {
        try FileIO.createDirectories(directory)
        var manifest = try DownloadManifest.load(from: directory)
        var files: [String] = []
        for request in requests {
            let name = request.fileName
            let path = directory + "/" + name
            let key = String(request.identity, radix: 16)
            if try manifest.isComplete(key, at: path) {
                onEvent(.skipped(file: name))
                files.append(path)
                continue
            }
            let job = try await submit(request, onEvent: onEvent)
            onEvent(.submitted(file: name, job: job))
            let (url, size) = try await waitForResult(job: job, file: name, onEvent: onEvent)
            try await download(from: url, size: size, to: path, onEvent: onEvent)
            let bytes = try manifest.record(
                key, dataset: request.dataset,
                request: String(decoding: try request.inputs.encoded(), as: UTF8.self), path: path)
            try manifest.save(to: directory)
            onEvent(.completed(file: name, bytes: bytes))
            files.append(path)
        }
        return files
    }
}
