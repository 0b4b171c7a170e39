import BioCubeCore
public import Foundation

#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// A dataset repository on the Hugging Face Hub, fetched over its HTTP API (no git, no
/// git-lfs): ``files()`` lists the tree (`GET api/datasets/<repo>/tree/<revision>?recursive=true`,
/// following `Link: …; rel="next"` pages) with sizes, git blob ids and, for LFS files, their
/// SHA-256; ``download(_:into:onEvent:)`` fetches files by their `resolve` URLs in ranged
/// pieces through `.part` files (a cut connection resumes), checks each against the listed
/// size and SHA-256 (git blob id for small files), and skips files already complete.
///
/// The listing is pinned to one commit (its `X-Repo-Commit` answer header, else the
/// revision's `sha` from `api/datasets/<repo>/revision/<revision>`): every file is resolved
/// at that commit, and its pieces after the first come from the location the Hub redirected
/// to (its CDN), so a branch that moves mid-download cannot mix two versions of a file.
///
/// ```swift
/// let hub = HuggingFaceDataset(repository: "BioDT/BioCube")
/// let wanted = try await hub.files().filter { $0.path.hasPrefix("Copernicus/") }
/// let summary = try await hub.download(wanted, into: "data/BioCube") { print($0) }
/// ```
///
/// A token (``init(repository:revision:endpoint:token:options:session:)``, by default
/// `HF_TOKEN` from the environment) goes with every request as `Authorization: Bearer`; the
/// default session drops it when the Hub redirects a download to its CDN on another host.
public struct HuggingFaceDataset: Sendable {
    /// One file of the repository.
    public struct File: Sendable, Hashable {
        /// The path in the repository (`Copernicus/ERA5-monthly/era5-single/…nc`).
        public var path: String
        /// The size in bytes.
        public var size: Int64
        /// The SHA-256 of an LFS file (nil for a file stored in git itself).
        public var sha256: String?
        /// The git blob id (SHA-1 of `blob <size>\0` + content).
        public var gitBlobID: String
        /// The commit the listing was taken at (files are fetched from it); nil when unknown.
        public var commit: String? = nil
    }

    /// What a download did.
    public struct Summary: Sendable, Hashable {
        /// Files downloaded and verified.
        public var downloaded = 0
        /// Files found complete and intact.
        public var skipped = 0
        /// Bytes downloaded.
        public var bytes: Int64 = 0
    }

    /// `owner/name`.
    let repository: String
    /// A branch, tag or commit.
    let revision: String
    private let endpoint: URL
    private let token: String?
    private let options: DownloadOptions
    private let http: HTTPTransport

    /// A client of `repository` at `revision` on the Hub at `endpoint`.
    public init(
        repository: String = "BioDT/BioCube",
        revision: String = "main",
        endpoint: URL = URL(string: "https://huggingface.co")!,
        token: String? = ProcessInfo.processInfo.environment["HF_TOKEN"],
        options: DownloadOptions = DownloadOptions(),
        session: URLSession? = nil
    ) {
        self.repository = repository
        self.revision = revision
        self.endpoint = endpoint
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.options = options
        http = HTTPTransport(
            session: session,
            timeout: options.requestTimeout,
            retry: options.retryPolicy(),
            contact: options.contact
        )
    }

    /// The request headers for `url`: the token only on the Hub's own origin (a listing's
    /// `Link` to another host never receives it).
    private func headers(for url: URL) -> [String: String] {
        var h = ["Accept": "application/json"]
        if let token, CrossOriginRedirectGuard.sameOrigin(url, endpoint) { h["Authorization"] = "Bearer \(token)" }
        return h
    }

    /// `revision` and `path` percent-encoded for a URL path (a `/` in a branch name included).
    private static func encoded(_ s: String, keepingSlashes: Bool) -> String {
        var allowed = CharacterSet.urlPathAllowed
        if !keepingSlashes { allowed.remove("/") }
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// Every file of the repository at its revision.
    public func files() async throws -> [File] {
        let start =
            "\(endpoint.absoluteString)/api/datasets/\(repository)/tree/\(Self.encoded(revision, keepingSlashes: false))?recursive=true"
        var next = URL(string: start)
        var out: [File] = []
        var page = 0
        var commit: String?
        var seen: Set<String> = []
        while let url = next {
            guard seen.insert(url.absoluteString).inserted else {
                throw BioCubeError(
                    .remoteFailure,
                    "\(repository): the tree listing's next page repeats \(Redaction.url(url))"
                )
            }
            page += 1
            guard page <= 100_000 else {
                throw BioCubeError(.remoteFailure, "\(repository): the tree listing never ends")
            }
            let r = try await http.sendRetrying("GET", url, headers: headers(for: url))
            switch r.status {
            case 200: break
            case 401, 403:
                throw BioCubeError(
                    r.errorCode,
                    "\(repository): the Hub refused the listing (HTTP \(r.status)); for a gated or private dataset set HF_TOKEN"
                )
            case 404:
                throw BioCubeError(
                    r.errorCode,
                    "\(repository): no such dataset or revision '\(revision)' on \(endpoint.host ?? "the Hub")"
                )
            default:
                throw BioCubeError(r.errorCode, "\(repository): listing answered HTTP \(r.status)")
            }
            if let c = r.headers["x-repo-commit"].map({ $0.trimmingCharacters(in: .whitespaces) }), !c.isEmpty {
                guard Self.isCommitID(c) else {
                    throw BioCubeError(
                        .corruptData,
                        "\(repository): X-Repo-Commit '\(c.prefix(80))' is not a commit id"
                    )
                }
                if let earlier = commit, earlier != c {
                    throw BioCubeError(
                        .remoteFailure,
                        "\(repository): '\(revision)' moved from \(earlier.prefix(12)) to \(c.prefix(12)) during the listing; run again"
                    )
                }
                commit = c
            }
            let parsed = try Self.parseListing(r.body, repository: repository, page: page)
            out += parsed
            next = Self.nextPage(r.headers["link"]).flatMap { HTTPTransport.resolve($0.absoluteString, against: url) }
        }
        try Self.checkLayout(out, repository: repository)
        var pinned = commit
        if pinned == nil { pinned = try await revisionCommit() }
        return out.map {
            var f = $0
            f.commit = pinned
            return f
        }.sorted { $0.path < $1.path }
    }

    /// Refuses a listing that names one path twice, or a file where another entry needs a
    /// folder (`Species` and `Species/a.csv`): written out, one would replace the other.
    package static func checkLayout(_ files: [File], repository: String) throws {
        var seen: Set<String> = []
        for f in files where !seen.insert(f.path).inserted {
            throw BioCubeError(.corruptData, "\(repository): the listing names '\(f.path)' twice")
        }
        // Folder paths split by hand: Foundation's `deletingLastPathComponent` traps on some
        // one-letter names (found by the `hub-listing` fuzz target).
        for f in files {
            let parts = f.path.split(separator: "/", omittingEmptySubsequences: false)
            for k in parts.indices.dropLast() {
                let folder = parts[...k].joined(separator: "/")
                if seen.contains(folder) {
                    throw BioCubeError(
                        .corruptData,
                        "\(repository): the listing has a file '\(folder)' and also '\(f.path)' inside a folder of that name"
                    )
                }
            }
        }
    }

    /// Where `file` goes under `directory`: checked to stay inside it, and refused when a
    /// folder (or, on the way, a file) of the user's is in the place a listed file would take.
    /// Nothing is removed: a finished download replaces an older file of the same name
    /// atomically, and a folder is never replaced by a file.
    static func target(of file: File, in directory: String, repository: String) throws -> String {
        let target = try UntrustedPath.resolve(file.path, inside: directory, what: "\(repository): the listed path")
        if FileIO.isDirectory(target) {
            throw BioCubeError(
                .alreadyExists,
                "the listing names a file '\(file.path)', but there is a folder of that name; refusing to replace it",
                file: target
            )
        }
        let parts = file.path.split(separator: "/")
        var folder = directory
        for part in parts.dropLast() {
            folder += "/" + part
            if FileIO.exists(folder), !FileIO.isDirectory(folder) {
                throw BioCubeError(
                    .alreadyExists,
                    "'\(file.path)' would need a folder where a file is; refusing to replace it",
                    file: folder
                )
            }
        }
        return target
    }

    /// The commit `revision` names now (`GET api/datasets/<repo>/revision/<revision>` → `sha`),
    /// or nil when the Hub does not say (the files are then fetched by the revision's name).
    private func revisionCommit() async throws -> String? {
        if Self.isCommitID(revision) { return revision }
        guard
            let url = URL(
                string:
                    "\(endpoint.absoluteString)/api/datasets/\(repository)/revision/\(Self.encoded(revision, keepingSlashes: false))"
            )
        else { return nil }
        let r = try await http.sendRetrying("GET", url, headers: headers(for: url))
        guard r.status == 200, let sha = r.json?["sha"]?.stringValue, Self.isCommitID(sha) else { return nil }
        return sha
    }

    /// Whether `text` is a full git commit id (40 hex digits, or 64 for SHA-256 repositories).
    static func isCommitID(_ text: String) -> Bool {
        (text.count == 40 || text.count == 64) && text.allSatisfy(\.isHexDigit)
    }

    /// The files of one page of a tree listing (a JSON list of entries; folders skipped),
    /// every path checked as an untrusted name.
    package static func parseListing(_ body: Data, repository: String, page: Int) throws -> [File] {
        guard let entries = (try? JSONValue.decode(body))?.arrayValue else {
            throw BioCubeError(.corruptData, "\(repository): the tree listing (page \(page)) is not a JSON list")
        }
        var out: [File] = []
        for e in entries where e["type"]?.stringValue == "file" {
            guard let path = e["path"]?.stringValue, let size = e["size"]?.intValue, size >= 0,
                let oid = e["oid"]?.stringValue
            else {
                throw BioCubeError(
                    .corruptData,
                    "\(repository): a listed file lacks path, size or oid (page \(page))"
                )
            }
            do { _ = try UntrustedPath.components(path, what: "\(repository): the listed path") } catch let e
                as BioCubeError
            {
                throw BioCubeError(.corruptData, e.message)
            }
            let sha = e["lfs"]?["oid"]?.stringValue
            if let lfsSize = e["lfs"]?["size"]?.intValue, lfsSize != size {
                throw BioCubeError(.corruptData, "\(path): listed with size \(size) but LFS size \(lfsSize)")
            }
            out.append(File(path: path, size: size, sha256: sha, gitBlobID: oid))
        }
        return out
    }

    /// The `rel="next"` URL of a `Link` header.
    static func nextPage(_ link: String?) -> URL? {
        guard let link else { return nil }
        for part in link.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count >= 2,
                pieces.dropFirst().contains(where: { $0.replacingOccurrences(of: " ", with: "") == "rel=\"next\"" }),
                pieces[0].hasPrefix("<"), pieces[0].hasSuffix(">")
            else { continue }
            return URL(string: String(pieces[0].dropFirst().dropLast()))
        }
        return nil
    }

    /// Whether the file at `path` is `file` (size, then SHA-256 or git blob id).
    static func isIntact(_ file: File, at path: String) throws -> Bool {
        guard let a = FileIO.attributes(path), a.size == file.size else { return false }
        if let sha = file.sha256 { return try Digest.sha256(ofFile: path) == sha.lowercased() }
        return try Digest.gitBlobID(ofFile: path) == file.gitBlobID.lowercased()
    }

    /// Downloads `files` into `directory` (their repository paths below it), up to
    /// ``DownloadOptions/concurrentDownloads`` at a time. A file already there and intact
    /// is skipped (its checksum is verified); a finished download that fails its checksum
    /// is removed and reported as an error naming it.
    public func download(
        _ files: [File],
        into directory: String,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> Summary {
        var summary = Summary()
        try Self.checkLayout(files, repository: repository)
        var todo: [File] = []
        for f in files {
            let target = try Self.target(of: f, in: directory, repository: repository)
            if try Self.isIntact(f, at: target) {
                summary.skipped += 1
                onEvent(.skipped(file: f.path))
            } else {
                if FileIO.exists(target) {
                    onEvent(
                        .status(file: f.path, job: repository, status: "differs from the listing: downloading it again")
                    )
                }
                todo.append(f)
            }
        }
        let piece = options.pieceSize
        try await withThrowingTaskGroup(of: File.self) { group in
            var next = 0
            func launch() {
                let f = todo[next]
                next += 1
                group.addTask {
                    let target = try Self.target(of: f, in: directory, repository: repository)
                    try FileIO.createDirectories(FileIO.parent(of: target))
                    let url = URL(
                        string:
                            "\(endpoint.absoluteString)/datasets/\(repository)/resolve/\(Self.encoded(f.commit ?? revision, keepingSlashes: false))/\(Self.encoded(f.path, keepingSlashes: true))"
                    )!
                    var h: [String: String] = [:]
                    if let token { h["Authorization"] = "Bearer \(token)" }
                    let download = ResumableDownload(http: http, pieceSize: piece, service: "the Hugging Face Hub")
                    try await download.run(from: url, size: f.size, to: target, headers: h) { p in
                        switch p {
                        case .bytes(let n, let total): onEvent(.downloading(file: f.path, bytes: n, total: total))
                        case .retrying(let a, let why): onEvent(.retrying(attempt: a, reason: why))
                        }
                    }
                    guard try Self.isIntact(f, at: target) else {
                        // Only the download just written is removed.
                        try? FileManager.default.removeItem(atPath: target)
                        throw BioCubeError(
                            .checksumMismatch,
                            "the download does not match the listed \(f.sha256 == nil ? "git blob id" : "SHA-256") (removed; rerun to fetch it again)",
                            file: target
                        )
                    }
                    return f
                }
            }
            while next < min(todo.count, max(1, options.concurrentDownloads)) { launch() }
            while let f = try await group.next() {
                summary.downloaded += 1
                summary.bytes += f.size
                onEvent(.completed(file: f.path, bytes: f.size))
                if next < todo.count { launch() }
            }
        }
        return summary
    }
}
