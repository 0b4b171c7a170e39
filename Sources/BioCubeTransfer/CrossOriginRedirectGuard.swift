import BioCubeCore
package import Foundation

#if canImport(FoundationNetworking)
package import FoundationNetworking
#endif

/// The session BioCube's transport sends through, and the origin rules its redirects follow.
///
/// The session follows no redirect itself: its delegate hands every 3xx answer back, and
/// ``HTTPTransport`` follows it, resolving a relative `Location` against the request's URL
/// (RFC 9110 §10.2.2; Linux's Foundation resolves a bare `Location: Common_blackbird`
/// against `/`) and dropping the credentials when a redirect leaves the origin (scheme,
/// host, port) that they were given for: a CDS token or GBIF password never reaches a
/// storage bucket, a mirror or a hostile server.
///
/// The delegate is the session's, not the task's: on Linux, Foundation calls only session
/// delegates (swift-corelibs-foundation#5187).
package final class CrossOriginRedirectGuard: NSObject, URLSessionTaskDelegate, URLSessionDownloadDelegate,
    @unchecked Sendable
{
    // Safety: no stored state.

    /// Request headers that carry credentials.
    package static let credentialHeaders = ["Authorization", "Proxy-Authorization", "PRIVATE-TOKEN", "Cookie"]

    /// The session the clients use unless given one of their own: it hands redirects back
    /// to ``HTTPTransport`` instead of following them.
    package static let session = URLSession(
        configuration: .default,
        delegate: CrossOriginRedirectGuard(),
        delegateQueue: nil
    )

    package func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        // nil: the redirect answer itself is the task's answer; the transport follows it.
        completionHandler(nil)
    }

    /// A ranged download that receives more than it asked for (a server ignoring `Range` and
    /// sending a whole, possibly endless, body) is cancelled once it passes the range by more
    /// than 64 KiB: pieces are bounded on disk as well as in memory.
    package func urlSession(
        _ session: URLSession,
        downloadTask: URLSessionDownloadTask,
        didWriteData bytesWritten: Int64,
        totalBytesWritten: Int64,
        totalBytesExpectedToWrite: Int64
    ) {
        guard let range = downloadTask.originalRequest?.value(forHTTPHeaderField: "Range"),
            let limit = Self.rangeLength(range), totalBytesWritten > limit + 65536
        else { return }
        downloadTask.cancel()
    }

    package func urlSession(
        _ session: URLSession,
        downloadTask: URLSessionDownloadTask,
        didFinishDownloadingTo location: URL
    ) {}

    /// The length of `bytes=a-b` (nil for open or multiple ranges).
    package static func rangeLength(_ header: String) -> Int64? {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let ends = header.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count == 2, let a = Int64(ends[0]), let b = Int64(ends[1]), b >= a else { return nil }
        return b - a + 1
    }

    /// `request` as it may follow a redirect from `origin`: unchanged on the same origin,
    /// without credential headers on another (or an unknown) one.
    package static func forwarded(_ request: URLRequest, from origin: URL?) -> URLRequest {
        guard let origin, let target = request.url, sameOrigin(origin, target) else {
            var stripped = request
            for h in credentialHeaders { stripped.setValue(nil, forHTTPHeaderField: h) }
            return stripped
        }
        return request
    }

    /// `headers` without the credential headers (names compared case-insensitively).
    package static func withoutCredentials(_ headers: [String: String]) -> [String: String] {
        let lowered = Set(credentialHeaders.map { $0.lowercased() })
        return headers.filter { !lowered.contains($0.key.lowercased()) }
    }

    /// Whether two URLs share scheme, host and port (the default port of the scheme when none is given).
    package static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        func port(_ u: URL) -> Int? { u.port ?? (u.scheme?.lowercased() == "https" ? 443 : 80) }
        return a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased()
            && port(a) == port(b)
    }
}
