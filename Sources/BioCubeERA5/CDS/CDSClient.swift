import BioCubeCore
public import BioCubeTransfer
package import Foundation

#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// A client for the Copernicus Climate Data Store retrieve API (OGC API – Processes), as
/// its reference client (`ecmwf-datastores-client`, behind `cdsapi`) speaks it: submit a
/// job (`POST …/retrieve/v1/processes/{dataset}/execution`), poll it
/// (`GET …/retrieve/v1/jobs/{id}`) through `accepted` and `running` until it is
/// `successful`, fetch its result asset (`GET …/jobs/{id}/results`) and download the file
/// in ranged pieces that resume after a cut connection.
///
/// A `failed` or `rejected` job is reported with the server's own reason and traceback (the
/// `results` answer's `title`, `detail` and `traceback`); a `dismissed` or deleted job says
/// so. A 403 mentions the dataset's licence only when the server says the licence is what is
/// missing (cost limits and disabled datasets are reported as the server words them).
/// Passing failures (connections, 5xx, 429) are retried as `cdsapi` does: up to 500 times,
/// at most 2 minutes apart (`DownloadOptions.cds`). The folder's manifest records the job
/// id of every submitted request, so a rerun polls the job it has instead of submitting again.
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

    /// Creates a client. Without a `session`, requests go through one that hands redirects
    /// to BioCube's transport, which drops the access token on any redirect to another host.
    public init(
        credentials: CDSCredentials,
        options: DownloadOptions = .cds,
        session: URLSession? = nil
    ) {
        self.credentials = credentials
        self.options = options
        Redaction.register(credentials.key)
        http = HTTPTransport(
            session: session,
            timeout: options.requestTimeout,
            retry: options.retryPolicy(),
            contact: options.contact
        )
    }

    private var retrieveRoot: URL { credentials.url.appendingPathComponent("retrieve/v1") }
    private var authHeaders: [String: String] { ["PRIVATE-TOKEN": credentials.key, "Accept": "application/json"] }

    /// The server's own account of an answer: `title`, `detail` and, for failed jobs, the
    /// `traceback` (its last 40 lines), with credentials masked.
    static func serverReason(_ r: HTTPResponse) -> String {
        guard let j = r.json else { return r.reason }
        var parts = [j["title"]?.stringValue, j["detail"]?.stringValue, j["message"]?.stringValue].compactMap { $0 }
            .filter { !$0.isEmpty }
        if let tb = j["traceback"]?.stringValue, !tb.isEmpty {
            let lines = tb.split(separator: "\n", omittingEmptySubsequences: false)
            parts.append(
                (lines.count > 40 ? "…\n" : "") + lines.suffix(40).joined(separator: "\n")
            )
        }
        return parts.isEmpty ? r.reason : Redaction.text(parts.joined(separator: "\n"))
    }

    /// Whether a 403 is the server's "required licences not accepted".
    static func isLicenceRefusal(_ r: HTTPResponse) -> Bool {
        let text = [r.json?["title"]?.stringValue, r.json?["detail"]?.stringValue].compactMap { $0 }.joined(
            separator: " "
        ).lowercased()
        return text.contains("licence") || text.contains("license")
    }

    private func checkStatus(_ r: HTTPResponse, _ what: String, _ url: URL, dataset: String? = nil) throws {
        switch r.status {
        case 200..<300: return
        case 401:
            throw BioCubeError(
                r.errorCode,
                "\(what): the CDS rejected the API key (401 \(r.reason)); check CDSAPI_KEY or ~/.cdsapirc"
            )
        case 403 where Self.isLicenceRefusal(r):
            let page =
                dataset.map {
                    " at \(credentials.url.deletingLastPathComponent().absoluteString)datasets/\($0)?tab=download#manage-licences"
                }
                ?? " on the dataset's CDS page"
            throw BioCubeError(
                r.errorCode,
                "\(what): the CDS refused the request (403 \(Self.serverReason(r))); accept the dataset's licence\(page)"
            )
        case 403:
            throw BioCubeError(r.errorCode, "\(what): the CDS refused the request (403 \(Self.serverReason(r)))")
        case 404:
            throw BioCubeError(r.errorCode, "\(what): \(Redaction.url(url)) not found (404 \(r.reason))")
        default:
            throw BioCubeError(
                r.errorCode,
                "\(what): HTTP \(r.status) \(Self.serverReason(r))"
            )
        }
    }

    /// Submits a request; returns the job id.
    package func submit(
        _ request: CDSRequest,
        onEvent: @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> String {
        let url = retrieveRoot.appendingPathComponent("processes/\(request.dataset)/execution")
        let body = try JSONValue.object(["inputs": request.inputs]).encoded()
        let r = try await http.sendRetrying(
            "POST",
            url,
            headers: authHeaders.merging(["Content-Type": "application/json"]) { $1 },
            body: body,
            onRetry: { onEvent(.retrying(attempt: $0, reason: $1)) }
        )
        try checkStatus(r, "submitting \(request.dataset)", url, dataset: request.dataset)
        guard let id = r.json?["jobID"]?.stringValue, Self.isJobID(id) else {
            throw BioCubeError(.remoteFailure, "submitting \(request.dataset): the answer names no jobID (\(r.reason))")
        }
        return id
    }

    /// Whether `id` can be a job id (it becomes part of a URL path).
    static func isJobID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 128
            && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// What polling a job ended with.
    enum Outcome {
        case ready(url: URL, size: Int64?)
        /// The job no longer exists (deleted, or 404): submit the request again.
        case gone
        /// The job ended badly (failed, rejected, dismissed): the error to report.
        case ended(BioCubeError)
    }

    /// Polls a job with growing waits until it succeeds; returns the result asset's URL and size.
    package func waitForResult(
        job id: String,
        file: String = "",
        onEvent: @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> (url: URL, size: Int64?) {
        switch try await poll(job: id, file: file, onEvent: onEvent) {
        case .ready(let url, let size): return (url, size)
        case .gone: throw BioCubeError(.notFound, "job \(id) no longer exists on the CDS; submit the request again")
        case .ended(let error): throw error
        }
    }

    func poll(job id: String, file: String, onEvent: @Sendable (DownloadEvent) -> Void) async throws -> Outcome {
        let jobURL = retrieveRoot.appendingPathComponent("jobs/\(id)")
        func report(_ status: String) { onEvent(.status(file: file, job: id, status: status)) }
        let poller = JobPoller(job: "job \(id)", options: options)
        let outcome: JobPoller.Outcome<Outcome> = try await poller.poll(onStatus: report) {
            let r = try await http.sendRetrying(
                "GET",
                jobURL,
                headers: authHeaders,
                onRetry: { onEvent(.retrying(attempt: $0, reason: $1)) }
            )
            if r.status == 404 { return ("deleted", .gone) }
            try checkStatus(r, "job \(id)", jobURL)
            let status = r.json?["status"]?.stringValue ?? "unknown"
            switch status {
            case "successful":
                let (url, size) = try await result(job: id)
                return (status, .done(.ready(url: url, size: size)))
            case "failed", "rejected":
                let error = BioCubeError(
                    .remoteFailure,
                    "job \(id) \(status) on the CDS: \(try await failureReason(job: id, jobAnswer: r))"
                )
                return (status, .done(.ended(error)))
            case "dismissed":
                let error = BioCubeError(
                    .remoteFailure,
                    "job \(id) was dismissed on the CDS (cancelled by its owner or the service): \(try await failureReason(job: id, jobAnswer: r))"
                )
                return (status, .done(.ended(error)))
            case "deleted":
                return (status, .gone)
            case "accepted", "running":
                return (status, .waiting(status))
            default:
                throw BioCubeError(
                    .remoteFailure,
                    "job \(id): the CDS reports status '\(status.prefix(60))', which BioCube does not know"
                )
            }
        }
        switch outcome {
        case .done(let o): return o
        case .gone: return .gone
        }
    }

    /// The reason a job ended badly: the `results` answer (title, detail, traceback), else
    /// the job's own log lines.
    private func failureReason(job id: String, jobAnswer: HTTPResponse) async throws -> String {
        let url = retrieveRoot.appendingPathComponent("jobs/\(id)/results")
        if let r = try? await http.sendRetrying("GET", url, headers: authHeaders), r.status != 404,
            r.json?["title"] != nil || r.json?["traceback"] != nil
        {
            return Self.serverReason(r)
        }
        let log = jobAnswer.json?["metadata"]?["log"]?.arrayValue?.compactMap { $0.arrayValue?.last?.stringValue } ?? []
        return log.isEmpty ? "the CDS gives no reason" : Redaction.text(log.suffix(10).joined(separator: "\n"))
    }

    private func result(job id: String) async throws -> (url: URL, size: Int64?) {
        let url = retrieveRoot.appendingPathComponent("jobs/\(id)/results")
        let r = try await http.sendRetrying("GET", url, headers: authHeaders)
        try checkStatus(r, "results of job \(id)", url)
        guard let asset = r.json?["asset"]?["value"], let href = asset["href"]?.stringValue,
            let target = HTTPTransport.resolve(href, against: url)
        else {
            throw BioCubeError(.remoteFailure, "results of job \(id) name no asset href (\(r.reason))")
        }
        let size = asset["file:size"]?.intValue
        guard size.map({ $0 >= 0 }) ?? true else {
            throw BioCubeError(.remoteFailure, "results of job \(id) announce a size of \(size!) bytes")
        }
        return (target, size)
    }

    /// Downloads `url` to `path` through `path`'s `.part` file, in ranged pieces: an
    /// interrupted download (cut connection, killed process) resumes where it stopped.
    /// The finished file is checked against `size` and renamed into place. The token goes
    /// only to the CDS's own origin (result assets are usually on a storage host).
    package func download(
        from url: URL,
        size: Int64?,
        to path: String,
        onEvent: @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws {
        let name = (path as NSString).lastPathComponent
        let headers = CrossOriginRedirectGuard.sameOrigin(url, credentials.url) ? authHeaders : [:]
        try await ResumableDownload(http: http, pieceSize: options.pieceSize, service: "the CDS").run(
            from: url,
            size: size,
            to: path,
            headers: headers
        ) {
            switch $0 {
            case .bytes(let have, let total): onEvent(.downloading(file: name, bytes: have, total: total))
            case .retrying(let attempt, let reason): onEvent(.retrying(attempt: attempt, reason: reason))
            }
        }
    }

    /// Retrieves every request into `directory` (one file each, named by
    /// ``CDSRequest/fileName``), skipping those the folder's manifest records as complete
    /// with an intact file. A request submitted by an earlier, interrupted run is not
    /// submitted again: its job (recorded in the manifest) is polled, and only a job the
    /// CDS no longer has is submitted anew. Returns the file paths in request order.
    public func retrieve(
        _ requests: [CDSRequest],
        into directory: String,
        onEvent: @Sendable (DownloadEvent) -> Void = { _ in }
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
            var earlier = manifest.pending?[key].flatMap { Self.isJobID($0) ? $0 : nil }
            var located: (url: URL, size: Int64?)?
            while located == nil {
                let job: String
                if let earlier {
                    job = earlier
                    onEvent(.status(file: name, job: job, status: "polling the job submitted earlier"))
                } else {
                    job = try await submit(request, onEvent: onEvent)
                    manifest.pending = (manifest.pending ?? [:]).merging([key: job]) { $1 }
                    try manifest.save(to: directory)
                    onEvent(.submitted(file: name, job: job))
                }
                switch try await poll(job: job, file: name, onEvent: onEvent) {
                case .ready(let url, let size): located = (url, size)
                case .gone:
                    guard earlier != nil else {
                        throw BioCubeError(
                            .remoteFailure,
                            "job \(job) for \(name) vanished from the CDS before it finished"
                        )
                    }
                    onEvent(.status(file: name, job: job, status: "the earlier job is gone; submitting again"))
                    earlier = nil
                    manifest.pending?[key] = nil
                    try manifest.save(to: directory)
                case .ended(let error):
                    // A job that ended badly is not waited for again: a rerun submits anew.
                    manifest.pending?[key] = nil
                    try manifest.save(to: directory)
                    throw error
                }
            }
            try await download(from: located!.url, size: located!.size, to: path, onEvent: onEvent)
            let bytes = try manifest.record(
                key,
                dataset: request.dataset,
                request: String(decoding: try request.inputs.encoded(), as: UTF8.self),
                path: path
            )
            try manifest.save(to: directory)
            onEvent(.completed(file: name, bytes: bytes))
            files.append(path)
        }
        return files
    }
}
