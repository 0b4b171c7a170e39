import BioCubeCore
public import BioCubeTransfer
package import Foundation
import Synchronization

#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// A client for GBIF's occurrence download API in its SQL flavour: validate a query
/// (`POST occurrence/download/request/validate`), request the download
/// (`POST occurrence/download/request`, HTTP Basic authentication, answered with a
/// download key), poll it (`GET occurrence/download/{key}`) with growing waits while it
/// is `PREPARING`, `RUNNING` or `SUSPENDED`, and fetch the finished zip from its
/// `downloadLink` in ranged pieces that resume after a cut connection.
///
/// ```swift
/// let client = GBIFClient(credentials: try .load())
/// let cubes = try [2435098, 5219173].map { try GBIFDownloadRequest.speciesCube(speciesKey: $0, years: 2000...2020) }
/// let zips = try await client.retrieve(cubes, into: "downloads/gbif") { print($0) }
/// // then: OccurrenceCubeConverter().convert(directory: "downloads/gbif", output: "europe_species.parquet")
/// ```
///
/// A folder's manifest (`.biocube-downloads.json`) records finished files (skipped on a
/// rerun) with the DOI, citation and licence GBIF gives each download — GBIF's data-use
/// agreement requires citing that DOI (``citations(in:)`` lists them) — and the keys of
/// requested, unfinished downloads: an interrupted run waits for the same download instead
/// of asking GBIF again. GBIF answers 420 when an account already runs its allowed number
/// of downloads; that answer is waited out like a 429 (`DownloadOptions.gbif`).
public struct GBIFClient: Sendable {
    /// The account and API root.
    package let credentials: GBIFCredentials
    /// The settings.
    package let options: DownloadOptions
    private let http: HTTPTransport

    /// Creates a client. Without a `session`, requests go through one that drops the
    /// credentials on any redirect to another host (GBIF hands downloads out through
    /// redirects); a session given here follows its own policy.
    public init(credentials: GBIFCredentials, options: DownloadOptions = .gbif, session: URLSession? = nil) {
        self.credentials = credentials
        self.options = options
        Redaction.register(credentials.password)
        Redaction.register(credentials.basicAuthorization)
        http = HTTPTransport(
            session: session,
            timeout: options.requestTimeout,
            retry: options.retryPolicy(extra: [420]),
            contact: options.contact
        )
    }

    private func endpoint(_ path: String) -> URL { credentials.url.appendingPathComponent(path) }
    private var jsonHeaders: [String: String] {
        [
            "Authorization": credentials.basicAuthorization, "Content-Type": "application/json",
            "Accept": "application/json, text/plain",
        ]
    }

    private func check(_ r: HTTPResponse, _ what: String, _ url: URL) throws {
        switch r.status {
        case 200..<300: return
        case 401:
            throw BioCubeError(
                r.errorCode,
                "\(what): GBIF rejected user '\(credentials.user)' (401 \(r.reason)); check GBIF_USER (the user name, not the e-mail) and GBIF_PWD"
            )
        case 403:
            throw BioCubeError(
                r.errorCode,
                "\(what): GBIF refused the request (403 \(r.reason)); SQL downloads may need to be enabled for the account"
            )
        case 404:
            throw BioCubeError(r.errorCode, "\(what): \(Redaction.url(url)) not found (404 \(r.reason))")
        case 400:
            throw BioCubeError(r.errorCode, "\(what): GBIF rejected the query (400 \(r.reason))")
        case 420:
            throw BioCubeError(
                r.errorCode,
                "\(what): GBIF still answers 420 (too many downloads running for '\(credentials.user)'); wait for them to finish or lower --concurrent"
            )
        default:
            throw BioCubeError(
                r.errorCode,
                "\(what): HTTP \(r.status) \(r.reason)"
            )
        }
    }

    /// Asks GBIF whether the query is acceptable; throws GBIF's explanation when not.
    package func validate(
        _ request: GBIFDownloadRequest,
        onEvent: @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws {
        let url = endpoint("occurrence/download/request/validate")
        let r = try await http.sendRetrying(
            "POST",
            url,
            headers: jsonHeaders,
            body: try request.body(email: nil).encoded(),
            onRetry: { onEvent(.retrying(attempt: $0, reason: $1)) }
        )
        try check(r, "validating the query for \(request.fileName)", url)
    }

    /// Requests the download; returns GBIF's download key.
    package func submit(
        _ request: GBIFDownloadRequest,
        onEvent: @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> String {
        let url = endpoint("occurrence/download/request")
        let r = try await http.sendRetrying(
            "POST",
            url,
            headers: jsonHeaders,
            body: try request.body(email: credentials.email).encoded(),
            onRetry: { onEvent(.retrying(attempt: $0, reason: $1)) }
        )
        try check(r, "requesting \(request.fileName)", url)
        let key = String(decoding: r.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty, key.count <= 64, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw BioCubeError(
                .remoteFailure,
                "requesting \(request.fileName): GBIF answered no download key ('\(key.prefix(80))')"
            )
        }
        return key
    }

    /// What GBIF says a finished download must be cited as.
    struct Provenance: Sendable {
        var doi: String?
        var citation: String?
        var licence: String?
    }

    /// The outcome of polling a download.
    enum Outcome {
        case ready(url: URL, size: Int64?, provenance: Provenance)
        /// The download's file is gone (`FILE_ERASED`): request it again.
        case erased
    }

    /// Polls a download with growing waits until it succeeds; returns its file's URL and size.
    package func waitForResult(
        key: String,
        file: String = "",
        onEvent: @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> (url: URL, size: Int64?) {
        switch try await poll(key: key, file: file, onEvent: onEvent) {
        case .ready(let url, let size, _): return (url, size)
        case .erased: throw BioCubeError(.notFound, "GBIF download \(key): its file has been erased; request it again")
        }
    }

    func poll(key: String, file: String, onEvent: @Sendable (DownloadEvent) -> Void) async throws -> Outcome {
        let url = endpoint("occurrence/download/\(key)")
        func report(_ status: String) { onEvent(.status(file: file, job: key, status: status)) }
        let poller = JobPoller(job: "GBIF download \(key)", options: options)
        let outcome: JobPoller.Outcome<Outcome> = try await poller.poll(onStatus: report) {
            let r = try await http.sendRetrying(
                "GET",
                url,
                headers: ["Accept": "application/json"],
                onRetry: { onEvent(.retrying(attempt: $0, reason: $1)) }
            )
            try check(r, "GBIF download \(key)", url)
            guard let json = r.json, let status = json["status"]?.stringValue else {
                throw BioCubeError(
                    .remoteFailure,
                    "GBIF download \(key): the status answer names no status (\(r.reason))"
                )
            }
            switch status {
            case "SUCCEEDED":
                let link =
                    json["downloadLink"]?.stringValue.flatMap { URL(string: $0, relativeTo: url)?.absoluteURL }
                    ?? endpoint("occurrence/download/request/\(key).zip")
                let size = json["size"]?.intValue.flatMap { $0 > 0 ? $0 : nil }
                return (status, .done(.ready(url: link, size: size, provenance: Self.provenance(json))))
            case "FILE_ERASED":
                return (status, .gone)
            case "FAILED", "KILLED", "CANCELLED":
                throw BioCubeError(
                    .remoteFailure,
                    "GBIF download \(key) ended \(status); see https://www.gbif.org/occurrence/download/\(key)"
                )
            case "PREPARING", "RUNNING", "SUSPENDED":
                return (status, .waiting(status))
            default:
                throw BioCubeError(.remoteFailure, "GBIF download \(key): unknown status '\(status)'")
            }
        }
        switch outcome {
        case .done(let o): return o
        case .gone: return .erased
        }
    }

    /// The DOI (bare, `10.15468/dl.…`), citation and licence of a download's status answer.
    /// GBIF's citation is `GBIF.org (<day Month year of creation>) GBIF Occurrence Download
    /// https://doi.org/<doi>`.
    static func provenance(_ json: JSONValue) -> Provenance {
        var p = Provenance()
        if var doi = json["doi"]?.stringValue?.trimmingCharacters(in: .whitespaces), !doi.isEmpty {
            for prefix in ["https://doi.org/", "http://doi.org/", "doi:"] where doi.lowercased().hasPrefix(prefix) {
                doi = String(doi.dropFirst(prefix.count))
            }
            p.doi = doi
        }
        p.licence = json["license"]?.stringValue
        if let given = json["citation"]?.stringValue, !given.isEmpty {
            p.citation = given
        } else if let doi = p.doi {
            var date = ""
            if let created = json["created"]?.stringValue, created.count >= 10,
                let t = try? UTCDateTime(parsing: String(created.prefix(10)))
            {
                let months = [
                    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                    "November", "December",
                ]
                date = " (\(t.day) \(months[t.month - 1]) \(t.year))"
            }
            p.citation = "GBIF.org\(date) GBIF Occurrence Download https://doi.org/\(doi)"
        }
        return p
    }

    /// A download's citation as recorded in a folder's manifest.
    public struct Citation: Sendable, Hashable {
        /// The zip's file name.
        public var file: String
        /// The DOI GBIF minted for the download (`10.15468/dl.…`).
        public var doi: String?
        /// The citation text (`GBIF.org (4 June 2026) GBIF Occurrence Download https://doi.org/…`).
        public var text: String?
        /// The licence of the downloaded data (a Creative Commons URL).
        public var licence: String?
    }

    /// The citations of the GBIF downloads recorded in `directory`'s manifest, by file name.
    public static func citations(in directory: String) throws -> [Citation] {
        try DownloadManifest.load(from: directory).entries.values.filter { $0.dataset.hasPrefix("gbif-") }
            .map { Citation(file: $0.file, doi: $0.doi, text: $0.citation, licence: $0.licence) }
            .sorted { $0.file < $1.file }
    }

    /// Downloads a finished download's zip to `path` (resumable through `path`'s `.part` file).
    package func download(
        from url: URL,
        size: Int64?,
        to path: String,
        onEvent: @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws {
        let name = (path as NSString).lastPathComponent
        try await ResumableDownload(http: http, pieceSize: options.pieceSize, service: "GBIF").run(
            from: url,
            size: size,
            to: path
        ) {
            switch $0 {
            case .bytes(let have, let total): onEvent(.downloading(file: name, bytes: have, total: total))
            case .retrying(let attempt, let reason): onEvent(.retrying(attempt: attempt, reason: reason))
            }
        }
        try Self.checkZip(path)
    }

    /// A finished download must be a zip: GBIF answering an HTML page with 200 would
    /// otherwise be recorded as complete.
    static func checkZip(_ path: String) throws {
        let head = FileIO.readPrefix(path, count: 4) ?? []
        guard head == [0x50, 0x4B, 0x03, 0x04] || head == [0x50, 0x4B, 0x05, 0x06] else {
            try? FileManager.default.removeItem(atPath: path)
            throw BioCubeError(
                .corruptData,
                "\(path): the downloaded file is not a zip archive (starts \(head.map { String(format: "%02x", $0) }.joined())); removed"
            )
        }
    }

    /// Retrieves every request into `directory` (one zip each, named by
    /// ``GBIFDownloadRequest/fileName``), up to `concurrentDownloads` at a time,
    /// skipping files the manifest records as complete and waiting for downloads an earlier
    /// run requested. Returns the file paths in request order.
    public func retrieve(
        _ requests: [GBIFDownloadRequest],
        into directory: String,
        validate: Bool = true,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> [String] {
        let names = requests.map(\.fileName)
        if let dup = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw BioCubeError(
                .invalidArgument,
                "two GBIF requests are saved as \(dup); give them different file names"
            )
        }
        try FileIO.createDirectories(directory)
        let book = ManifestBook(try DownloadManifest.load(from: directory), directory: directory)
        var todo: [(request: GBIFDownloadRequest, key: String)] = []
        for request in requests {
            let key = String(request.identity, radix: 16)
            if try book.isComplete(key, at: directory + "/" + request.fileName) {
                onEvent(.skipped(file: request.fileName))
            } else {
                todo.append((request, key))
            }
        }
        if validate {
            for t in todo where book.pending(t.key) == nil { try await self.validate(t.request, onEvent: onEvent) }
        }
        try await withThrowingTaskGroup(
            of: (request: GBIFDownloadRequest, key: String, provenance: Provenance).self
        ) { group in
            var next = 0
            func launch() {
                let t = todo[next]
                next += 1
                group.addTask {
                    let p = try await self.fetch(t.request, manifestKey: t.key, into: book, onEvent: onEvent)
                    return (t.request, t.key, p)
                }
            }
            while next < min(todo.count, max(1, options.concurrentDownloads)) { launch() }
            while let done = try await group.next() {
                let bytes = try book.finish(done.key, request: done.request, provenance: done.provenance)
                onEvent(.completed(file: done.request.fileName, bytes: bytes))
                if next < todo.count { launch() }
            }
        }
        return names.map { directory + "/" + $0 }
    }

    /// Requests (or resumes waiting for) one download and fetches its file. The download
    /// key is written to the folder's manifest as soon as GBIF gives it.
    private func fetch(
        _ request: GBIFDownloadRequest,
        manifestKey: String,
        into book: ManifestBook,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void
    ) async throws -> Provenance {
        let name = request.fileName
        let path = book.directory + "/" + name
        var earlier = book.pending(manifestKey)
        while true {
            let job: String
            if let earlier {
                job = earlier
                onEvent(.status(file: name, job: job, status: "waiting for the download requested earlier"))
            } else {
                job = try await submit(request, onEvent: onEvent)
                onEvent(.submitted(file: name, job: job))
                try book.setPending(manifestKey, job: job)
            }
            switch try await poll(key: job, file: name, onEvent: onEvent) {
            case .ready(let url, let size, let provenance):
                if let doi = provenance.doi { onEvent(.status(file: name, job: job, status: "DOI \(doi)")) }
                try await download(from: url, size: size, to: path, onEvent: onEvent)
                return provenance
            case .erased:
                // An earlier run's download has expired: ask again (a fresh one must not be erased).
                guard earlier != nil else {
                    throw BioCubeError(
                        .remoteFailure,
                        "GBIF download \(job) for \(name) was erased before it could be fetched"
                    )
                }
                earlier = nil
                try? FileManager.default.removeItem(atPath: ResumableDownload.partPath(of: path))
            }
        }
    }
}

/// A folder's download manifest shared by concurrent downloads: every change is saved at once.
final class ManifestBook: Sendable {
    let directory: String
    private let manifest: Locked<DownloadManifest>

    init(_ manifest: DownloadManifest, directory: String) {
        self.manifest = Locked(manifest)
        self.directory = directory
    }

    func isComplete(_ key: String, at path: String) throws -> Bool {
        try manifest.withLock { try $0.isComplete(key, at: path) }
    }

    func pending(_ key: String) -> String? { manifest.withLock { $0.pending?[key] } }

    func setPending(_ key: String, job: String) throws {
        try manifest.withLock { m in
            m.pending = (m.pending ?? [:]).merging([key: job]) { $1 }
            try m.save(to: directory)
        }
    }

    func finish(_ key: String, request: GBIFDownloadRequest, provenance: GBIFClient.Provenance) throws -> Int64 {
        try manifest.withLock { m in
            let bytes = try m.record(
                key,
                dataset: "gbif-occurrence-\(request.format.lowercased())",
                request: request.sql,
                path: directory + "/" + request.fileName,
                doi: provenance.doi,
                citation: provenance.citation,
                licence: provenance.licence
            )
            try m.save(to: directory)
            return bytes
        }
    }
}
