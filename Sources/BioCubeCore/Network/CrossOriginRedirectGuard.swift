package import Foundation
#if canImport(FoundationNetworking)
package import FoundationNetworking
#endif

/// A session delegate that follows redirects but drops the credentials when a redirect
/// leaves the origin (scheme, host, port) of the request that carried them: a CDS token or
/// GBIF password must never reach a host the user did not name (a storage bucket, a mirror,
/// or a hostile server).
///
/// The delegate is the session's, not the task's: on Linux, Foundation calls only session
/// delegates (swift-corelibs-foundation#5187).
package final class CrossOriginRedirectGuard: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    // Safety: no stored state.

    /// Request headers that carry credentials.
    package static let credentialHeaders = ["Authorization", "Proxy-Authorization", "PRIVATE-TOKEN", "Cookie"]

    /// A session that follows redirects through this guard (what the clients use unless given
    /// a session of their own).
    package static let session = URLSession(
        configuration: .default, delegate: CrossOriginRedirectGuard(), delegateQueue: nil)

    package func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(Self.forwarded(request, from: response.url ?? task.currentRequest?.url))
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

    /// Whether two URLs share scheme, host and port (the default port of the scheme when none is given).
    package static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        func port(_ u: URL) -> Int? { u.port ?? (u.scheme?.lowercased() == "https" ? 443 : 80) }
        return a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased()
            && port(a) == port(b)
    }
}
