package import Foundation
#if canImport(FoundationNetworking)
package import FoundationNetworking
#endif

/// HTTP over URLSession with a per-request timeout and bounded retries with exponential
/// backoff for connection failures, 5xx and 429 answers.
package struct HTTPTransport: Sendable {
    package let session: URLSession
    package let timeout: TimeInterval
    package let retries: Int
    package let backoff: Duration
    /// When set, every request (retries and download pieces included) first waits for its
    /// slot here, so a service's rate limit holds whatever the caller does.
    package var limiter: RateLimiter? = nil

    /// A transport over `session`.
    package init(session: URLSession, timeout: TimeInterval, retries: Int, backoff: Duration) {
        self.session = session
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
    }

    /// One attempt; transport failures become `.network` errors naming the URL.
    package func send(
        _ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil
    ) async throws -> HTTPResponse {
        if let limiter { try await limiter.wait() }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = method
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        request.httpBody = body
        let (data, response): (Data, URLResponse)
        do { (data, response) = try await session.data(for: request) } catch {
            throw BioCubeError(
                .network, "\(method) \(Redaction.url(url)): \(Redaction.text(error.localizedDescription))")
        }
        guard let http = response as? HTTPURLResponse else {
            throw BioCubeError(.network, "\(method) \(Redaction.url(url)): not an HTTP response")
        }
        var lowered: [String: String] = [:]
        for (k, v) in http.allHeaderFields { lowered[String(describing: k).lowercased()] = String(describing: v) }
        return HTTPResponse(status: http.statusCode, headers: lowered, body: data)
    }

    /// Sends with retries: connection failures, 5xx and 429 are retried up to `retries`
    /// times, waiting `backoff`, 2×, 4×, … (at most 30 s; `Retry-After` is honoured).
    package func sendRetrying(
        _ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil,
        onRetry: (Int, String) -> Void = { _, _ in }
    ) async throws -> HTTPResponse {
        var attempt = 0
        while true {
            var reason = ""
            var wait = backoff * (1 << min(attempt, 16))
            do {
                let r = try await send(method, url, headers: headers, body: body)
                guard r.status >= 500 || r.status == 429 else { return r }
                reason = "HTTP \(r.status) \(r.reason)"
                if let s = r.headers["retry-after"], let seconds = Double(s) {
                    wait = .milliseconds(Int(seconds * 1000))
                }
                if attempt >= retries {
                    throw BioCubeError(
                        .remoteFailure, "\(method) \(Redaction.url(url)): \(reason) (after \(attempt + 1) attempts)")
                }
            } catch let e as BioCubeError where e.code == .network {
                reason = e.message
                if attempt >= retries {
                    throw BioCubeError(.network, "\(e.message) (after \(attempt + 1) attempts)")
                }
            }
            attempt += 1
            onRetry(attempt, reason)
            try await Task.sleep(for: min(wait, .seconds(30)))
        }
    }
}
