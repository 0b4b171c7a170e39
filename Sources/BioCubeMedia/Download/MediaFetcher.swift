import BioCubeCore
import BioCubeTransfer
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The HTTP side shared by the media clients: one rate limiter per service, an optional
/// daily request budget, JSON and text requests with retries, and resumable file downloads
/// checked by their first bytes.
struct MediaFetcher: Sendable {
    let service: String
    let http: HTTPTransport
    let options: MediaDownloadOptions
    /// Spent once per API request and per file, when the service has a daily limit.
    var budget: RequestBudget? = nil

    init(service: String, options: MediaDownloadOptions, session: URLSession?) {
        self.service = service
        self.options = options
        var http = HTTPTransport(
            session: session,
            timeout: options.requestTimeout,
            retry: RetryPolicy(
                retries: options.retries,
                backoff: options.retryBackoff,
                maximumWait: options.retryMaximumWait,
                retryAfterLimit: options.retryAfterLimit
            ),
            contact: options.contact
        )
        http.limiter = RateLimiter(interval: options.minimumInterval)
        self.http = http
    }

    /// This fetcher counting its requests against `limit` a day in `file` (nil: no budget).
    func budgeted(_ limit: Int?, file: String) throws -> MediaFetcher {
        guard let limit else { return self }
        var f = self
        f.budget = try RequestBudget(path: file, limit: limit, service: service)
        return f
    }

    /// The URL with query items added (percent-encoded; `+` and `"` escaped too).
    static func url(_ base: URL, path: String, query: [(String, String)]) throws -> URL {
        var c = URLComponents(
            url: path.isEmpty ? base : base.appendingPathComponent(path),
            resolvingAgainstBaseURL: false
        )
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "+&=\"#")
        c?.percentEncodedQueryItems =
            query.isEmpty
            ? nil
            : query.map {
                URLQueryItem(name: $0.0, value: $0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)
            }
        guard let url = c?.url else { throw BioCubeError(.invalidArgument, "\(base): cannot add the query \(query)") }
        return url
    }

    /// A successful body of `url`; errors name the service and the status.
    func body(
        _ url: URL,
        headers: [String: String] = [:],
        onEvent: @Sendable (DownloadEvent) -> Void
    ) async throws -> Data {
        try await budget?.spend()
        let r = try await http.sendRetrying("GET", url, headers: headers) {
            onEvent(.retrying(attempt: $0, reason: $1))
        }
        switch r.status {
        case 200..<300: return r.body
        case 401, 403:
            throw BioCubeError(r.errorCode, "\(service) refused \(Redaction.url(url)) (HTTP \(r.status): \(r.reason))")
        case 404, 410:
            throw BioCubeError(r.errorCode, "\(service): \(Redaction.url(url)) not found (HTTP \(r.status))")
        default:
            throw BioCubeError(
                r.errorCode,
                "\(service) answered HTTP \(r.status) \(r.reason) to \(Redaction.url(url))"
            )
        }
    }

    /// The JSON document at `url`.
    func json(
        _ url: URL,
        headers: [String: String] = [:],
        onEvent: @Sendable (DownloadEvent) -> Void
    ) async throws
        -> JSONValue
    {
        let data = try await body(
            url,
            headers: headers.merging(["Accept": "application/json"]) { a, _ in a },
            onEvent: onEvent
        )
        do { return try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw BioCubeError(
                .corruptData,
                "\(service): \(Redaction.url(url)) did not answer JSON (\(data.count) bytes)"
            )
        }
    }

    /// Downloads `record`'s file (its ``MediaRecord/file`` under `folder`) from `url`; a file
    /// the service does not have or sends broken is noted in `summary` and gives nil, other
    /// errors (the network after retries) stop the run.
    func fetch(
        _ record: MediaRecord,
        from url: URL,
        into folder: String,
        accept: ([UInt8]) -> Bool,
        what: String,
        summary: inout MediaDownloadSummary,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void
    ) async throws -> MediaRecord? {
        do {
            _ = try await file(url, to: folder + "/" + record.file, accept: accept, what: what, onEvent: onEvent)
            return record
        } catch let e as BioCubeError where e.code == .notFound || e.code.category == .corruptData {
            summary.failures.append("\(record.id): \(e.message)")
            return nil
        }
    }

    /// Downloads `url` to `path` (resuming a `.part` file left by an interrupted run) and
    /// checks the first bytes with `accept`; a file that fails the check is removed.
    func file(
        _ url: URL,
        to path: String,
        accept: ([UInt8]) -> Bool,
        what: String,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void
    ) async throws -> Int64 {
        let name = (path as NSString).lastPathComponent
        try await budget?.spend()
        try FileIO.createDirectories(FileIO.parent(of: path))
        // A photo or a recording is megabytes; a gigabyte is a server that does not stop.
        let download = ResumableDownload(http: http, pieceSize: 16 << 20, service: service, maximumBytes: 1 << 30)
        try await download.run(from: url, size: nil, to: path) { progress in
            switch progress {
            case .bytes(let n, let total): onEvent(.downloading(file: name, bytes: n, total: total))
            case .retrying(let attempt, let reason): onEvent(.retrying(attempt: attempt, reason: reason))
            }
        }
        let head = FileIO.readPrefix(path, count: 16) ?? []
        guard accept(head) else {
            try? FileManager.default.removeItem(atPath: path)
            throw BioCubeError(
                .corruptData,
                "\(service) sent something that is not \(what) (starts \(head.prefix(8).map { String(format: "%02x", $0) }.joined())); removed",
                file: path
            )
        }
        let size = FileIO.attributes(path)?.size ?? 0
        onEvent(.completed(file: name, bytes: size))
        return size
    }
}
