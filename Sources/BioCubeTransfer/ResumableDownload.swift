import BioCubeCore
package import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Downloads one file in ranged pieces through a hidden `.<name>.part` file beside the
/// target, so an interrupted download (cut connection, killed process) resumes where it
/// stopped; the finished file is checked against the announced size and renamed into place.
/// Shared by every download client.
///
/// Pieces after the first go straight to where the first one was redirected (a Hub file's
/// CDN location, a CDS or GBIF storage bucket), so every piece comes from one resolved
/// object and the service's resolver is asked once; credentials are only sent while the
/// pieces stay on the origin they were given for. When the redirected location stops
/// answering (an expired signed URL), the download goes back to the original URL once.
package struct ResumableDownload: Sendable {
    /// Progress and retries, for the client's event stream.
    package enum Progress: Sendable {
        case bytes(Int64, total: Int64?)
        case retrying(attempt: Int, reason: String)
    }

    package let http: HTTPTransport
    /// Bytes asked for per request.
    package let pieceSize: Int
    /// The service's name in messages ("the CDS", "GBIF").
    package let service: String
    /// The largest file this download accepts when the service announces no size (and the
    /// largest whole answer of a server that ignores `Range`): a stream of pieces that never
    /// ends, or an endless body, stops here with an error.
    package let maximumBytes: Int64

    /// A downloader over `http`.
    package init(http: HTTPTransport, pieceSize: Int, service: String, maximumBytes: Int64 = 1 << 40) {
        self.http = http
        self.pieceSize = max(1, pieceSize)
        self.service = service
        self.maximumBytes = max(1, maximumBytes)
    }

    /// The hidden partial file of `path`.
    package static func partPath(of path: String) -> String {
        (FileIO.parent(of: path).isEmpty ? "." : FileIO.parent(of: path)) + "/." + (path as NSString).lastPathComponent
            + ".part"
    }

    /// Fetches `url` into `path`. `size` is the length the service announced (nil when
    /// unknown: pieces are fetched until a short one or a 416 answer). `headers` go with
    /// every request (credentials). Redirects are followed by the transport.
    package func run(
        from url: URL,
        size: Int64?,
        to path: String,
        headers: [String: String] = [:],
        onProgress: @Sendable (Progress) -> Void = { _ in }
    ) async throws {
        let part = Self.partPath(of: path)
        if !FileIO.exists(part) { _ = FileManager.default.createFile(atPath: part, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: part) else {
            throw BioCubeError(.io, "\(part): cannot open for writing")
        }
        defer { try? handle.close() }
        var have = Int64(try handle.seekToEnd())
        if let size, have > size {
            // A stale part file longer than the answer: start over rather than append.
            try handle.truncate(atOffset: 0)
            have = 0
        }
        let name = (path as NSString).lastPathComponent
        var failures = 0
        // Where pieces are fetched from: the original URL until an answer comes from a
        // redirected location, then that location (credentials only on the original origin).
        var source = url
        var sourceHeaders = headers
        var pinned = false
        func backOff(_ reason: String, code: BioCubeError.Code) async throws {
            failures += 1
            guard failures <= http.retry.retries else {
                throw BioCubeError(
                    code,
                    "\(name): \(reason) (after \(failures) attempts; rerun to resume from byte \(have))"
                )
            }
            onProgress(.retrying(attempt: failures, reason: reason))
            try await Task.sleep(for: http.retry.wait(attempt: failures))
        }
        pieces: while size.map({ have < $0 }) ?? true {
            let end = size.map { min($0, have + Int64(pieceSize)) - 1 } ?? (have + Int64(pieceSize) - 1)
            guard size != nil || have < maximumBytes else {
                throw BioCubeError(
                    .remoteFailure,
                    "\(name): \(service) keeps sending past \(maximumBytes) bytes without announcing a size; stopped"
                )
            }
            var r: HTTPResponse
            do {
                // The body goes to a temporary file: no piece, however large, is held in memory.
                r = try await http.sendToFile(
                    "GET",
                    source,
                    headers: sourceHeaders.merging(["Range": "bytes=\(have)-\(end)"]) { $1 }
                )
            } catch let e as BioCubeError where e.code == .network {
                try await backOff(e.message, code: .network)
                continue pieces
            }
            let bodyFile = r.bodyFile
            defer { if let bodyFile { _ = unlink(bodyFile) } }
            let received = bodyFile.flatMap { FileIO.attributes($0)?.size } ?? Int64(r.body.count)
            if !(200..<300).contains(r.status) { r = r.withBodyPrefix() }
            if !pinned, (200..<300).contains(r.status), let final = r.url, final != source {
                // Pin the remaining pieces to the resolved location.
                pinned = true
                if !CrossOriginRedirectGuard.sameOrigin(source, final) {
                    sourceHeaders = CrossOriginRedirectGuard.withoutCredentials(sourceHeaders)
                }
                source = final
            } else if pinned, [401, 403, 404, 410].contains(r.status) {
                // The resolved location expired: resolve again from the original URL.
                pinned = false
                source = url
                sourceHeaders = headers
                try await backOff("HTTP \(r.status) from the resolved location; resolving again", code: .remoteFailure)
                continue pieces
            }
            switch r.status {
            case 206:
                guard let range = r.headers["content-range"], range.hasPrefix("bytes \(have)-") else {
                    throw BioCubeError(
                        .remoteFailure,
                        "\(name): \(service) answered range \(have)- with '\(r.headers["content-range"] ?? "nothing")'"
                    )
                }
                guard received > 0 else {
                    throw BioCubeError(.remoteFailure, "\(name): empty piece at byte \(have)")
                }
                guard received <= end - have + 1 else {
                    throw BioCubeError(
                        .remoteFailure,
                        "\(name): \(service) sent \(received) bytes for a piece of \(end - have + 1)"
                    )
                }
                try Self.append(r, to: handle)
                have += received
                failures = 0
                onProgress(.bytes(have, total: size))
                // A short piece (a cut body) is fine: the next request resumes from `have`;
                // without a known size a short piece ends the file only if the range says so.
                if size == nil, let total = range.split(separator: "/").last.flatMap({ Int64($0) }), have >= total {
                    break pieces
                }
            case 200:
                // No range support: the whole file arrives in one answer, which must be the
                // announced size (or, unannounced, within the limit).
                if let size, received != size {
                    throw BioCubeError(
                        .remoteFailure,
                        "\(name): \(service) answered \(received) bytes, it announced \(size)"
                    )
                }
                guard received <= maximumBytes else {
                    throw BioCubeError(
                        .remoteFailure,
                        "\(name): \(service) sent \(received) bytes, more than the \(maximumBytes) accepted"
                    )
                }
                try handle.truncate(atOffset: 0)
                try Self.append(r, to: handle)
                have = received
                onProgress(.bytes(have, total: size))
                break pieces
            case 416 where size == nil:
                break pieces
            case _ where http.retry.retries(status: r.status):
                try await backOff("HTTP \(r.status) while downloading", code: .remoteFailure)
            case 401, 403:
                throw BioCubeError(
                    r.errorCode,
                    "\(name): \(service) refused the download (HTTP \(r.status) \(r.reason))"
                )
            case 404, 410:
                throw BioCubeError(
                    r.errorCode,
                    "\(name): \(Redaction.url(source)) not found (HTTP \(r.status) \(r.reason))"
                )
            default:
                throw BioCubeError(
                    r.errorCode,
                    "\(name): unexpected HTTP \(r.status) while downloading (\(r.reason))"
                )
            }
        }
        if let size, have != size {
            throw BioCubeError(
                have < size ? .truncated : .corruptData,
                "\(name): downloaded \(have) bytes, \(service) announced \(size)"
            )
        }
        try handle.synchronize()
        try handle.close()
        try FileIO.moveIntoPlace(part, path)
    }

    /// Appends the body of `r` (its file, streamed in 1 MiB pieces, or its bytes) to `handle`.
    private static func append(_ r: HTTPResponse, to handle: FileHandle) throws {
        guard let file = r.bodyFile else { return try handle.write(contentsOf: r.body) }
        guard let input = FileHandle(forReadingAtPath: file) else {
            throw BioCubeError(.io, "cannot read the downloaded piece", file: file)
        }
        defer { try? input.close() }
        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { try handle.write(contentsOf: chunk) }
    }
}
