import BioCubeCore
package import Foundation

#if canImport(FoundationNetworking)
package import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// HTTP over URLSession as a careful client does it: an identifying `User-Agent` on every
/// request, redirects followed here (relative `Location` resolved against the request URL,
/// credentials dropped when the origin changes, at most ``maximumRedirects`` hops), a
/// per-request timeout, and retries of connection failures and passing statuses under a
/// ``RetryPolicy`` (a service's `Retry-After` honoured up to the policy's limit).
package struct HTTPTransport: Sendable {
    package let session: URLSession
    package let timeout: TimeInterval
    package let retry: RetryPolicy
    /// The `User-Agent` header sent with every request.
    package let userAgent: String
    /// When set, every request (redirect hops, retries and download pieces included) first
    /// waits for its slot here, so a service's rate limit holds whatever the caller does.
    package var limiter: RateLimiter? = nil
    /// Redirect hops followed for one request.
    package static let maximumRedirects = 10

    /// A transport over `session` (by default one that hands redirects back to the transport).
    package init(session: URLSession? = nil, timeout: TimeInterval, retry: RetryPolicy, contact: String? = nil) {
        self.session = session ?? CrossOriginRedirectGuard.session
        self.timeout = timeout.isFinite && timeout > 0 ? min(timeout, 86400) : 60
        self.retry = retry
        userAgent = UserAgent.value(contact: contact)
    }

    /// A transport with `retries` retries from `backoff` (at most 30 s each).
    package init(session: URLSession?, timeout: TimeInterval, retries: Int, backoff: Duration) {
        self.init(session: session, timeout: timeout, retry: RetryPolicy(retries: retries, backoff: backoff))
    }

    /// The retry count, for messages.
    package var retries: Int { retry.retries }

    /// One request, redirects followed; transport failures become `.network` errors naming
    /// the URL. The answer's ``HTTPResponse/url`` is where it came from after redirects.
    package func send(
        _ method: String,
        _ url: URL,
        headers: [String: String] = [:],
        body: Data? = nil
    ) async throws -> HTTPResponse {
        try await follow(method, url, headers: headers, body: body, toFile: false)
    }

    /// A GET whose body goes to a temporary file instead of memory (``HTTPResponse/bodyFile``,
    /// which the caller moves or removes): a download piece costs no memory, whatever its
    /// size, and a ranged request that receives far more than its range is cancelled.
    package func sendToFile(
        _ method: String,
        _ url: URL,
        headers: [String: String] = [:]
    ) async throws
        -> HTTPResponse
    {
        try await follow(method, url, headers: headers, body: nil, toFile: true)
    }

    private func follow(
        _ method: String,
        _ url: URL,
        headers: [String: String],
        body: Data?,
        toFile: Bool
    ) async throws -> HTTPResponse {
        var current = url
        var method = method
        var headers = headers
        var body = body
        for hop in 0...Self.maximumRedirects {
            let r = try await sendOnce(method, current, headers: headers, body: body, toFile: toFile)
            guard [301, 302, 303, 307, 308].contains(r.status), let location = r.headers["location"] else { return r }
            if let file = r.bodyFile { _ = unlink(file) }
            guard hop < Self.maximumRedirects else {
                throw BioCubeError(
                    .remoteFailure,
                    "\(method) \(Redaction.url(url)): more than \(Self.maximumRedirects) redirects"
                )
            }
            guard let next = Self.resolve(location, against: current) else {
                throw BioCubeError(
                    .remoteFailure,
                    "\(method) \(Redaction.url(current)): HTTP \(r.status) redirects to '\(Redaction.text(String(location.prefix(200))))', which is not an http(s) URL"
                )
            }
            if !CrossOriginRedirectGuard.sameOrigin(current, next) {
                headers = CrossOriginRedirectGuard.withoutCredentials(headers)
            }
            // RFC 9110 §15.4: 303 always, and 301/302 after a POST in practice, become a GET.
            if r.status == 303 || ((r.status == 301 || r.status == 302) && method == "POST") {
                method = "GET"
                body = nil
                headers = headers.filter { $0.key.lowercased() != "content-type" }
            }
            current = next
        }
        throw BioCubeError(
            .remoteFailure,
            "\(method) \(Redaction.url(url)): more than \(Self.maximumRedirects) redirects"
        )
    }

    /// `location` resolved against `base` (RFC 3986 §5), when it is an http(s) URL.
    package static func resolve(_ location: String, against base: URL) -> URL? {
        let trimmed = location.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty,
            let url = URL(string: trimmed, relativeTo: base)?.absoluteURL
                ?? trimmed.addingPercentEncoding(withAllowedCharacters: .urlFragmentAllowed).flatMap({
                    URL(string: $0, relativeTo: base)?.absoluteURL
                }),
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil
        else { return nil }
        return url
    }

    /// One exchange, no redirect followed. The URLSession task runs unstructured, so a
    /// cancelled caller never cancels it mid-redirect (Foundation on Linux traps when a
    /// redirect callback meets a cancelled task); it ends by its timeout at the latest.
    private func sendOnce(
        _ method: String,
        _ url: URL,
        headers: [String: String],
        body: Data?,
        toFile: Bool
    ) async throws -> HTTPResponse {
        try Task.checkCancellation()
        if let limiter { try await limiter.wait() }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = method
        request.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        request.httpBody = body
        let session = self.session
        var data = Data()
        var file: String?
        let response: URLResponse
        do {
            if toFile {
                let exchange = Task { [request] in try await session.download(for: request) }
                let (location, r) = try await exchange.value
                (file, response) = (location.path, r)
            } else {
                let exchange = Task { [request] in try await session.data(for: request) }
                (data, response) = try await exchange.value
            }
        } catch {
            if let range = request.value(forHTTPHeaderField: "Range"),
                let length = CrossOriginRedirectGuard.rangeLength(range), (error as? URLError)?.code == .cancelled
            {
                throw BioCubeError(
                    .remoteFailure,
                    "\(method) \(Redaction.url(url)): the server sent more than the \(length) bytes asked for (it ignores Range?); stopped"
                )
            }
            throw BioCubeError(
                .network,
                "\(method) \(Redaction.url(url)): \(Redaction.text(error.localizedDescription))"
            )
        }
        guard let http = response as? HTTPURLResponse else {
            throw BioCubeError(.network, "\(method) \(Redaction.url(url)): not an HTTP response")
        }
        var lowered: [String: String] = [:]
        for (k, v) in http.allHeaderFields { lowered[String(describing: k).lowercased()] = String(describing: v) }
        return HTTPResponse(status: http.statusCode, headers: lowered, body: data, url: url, bodyFile: file)
    }

    /// Sends with retries: connection failures and the policy's statuses (5xx, 429, …) are
    /// retried up to ``RetryPolicy/retries`` times with the policy's waits.
    package func sendRetrying(
        _ method: String,
        _ url: URL,
        headers: [String: String] = [:],
        body: Data? = nil,
        onRetry: (Int, String) -> Void = { _, _ in }
    ) async throws -> HTTPResponse {
        var attempt = 0
        while true {
            var reason = ""
            var retryAfter: String?
            do {
                let r = try await send(method, url, headers: headers, body: body)
                guard retry.retries(status: r.status) else { return r }
                reason = "HTTP \(r.status) \(r.reason)"
                retryAfter = r.headers["retry-after"]
                if attempt >= retry.retries {
                    throw BioCubeError(
                        .remoteFailure,
                        "\(method) \(Redaction.url(url)): \(reason) (after \(attempt + 1) attempts)"
                    )
                }
            } catch let e as BioCubeError where e.code == .network {
                reason = e.message
                if attempt >= retry.retries {
                    throw BioCubeError(.network, "\(e.message) (after \(attempt + 1) attempts)", cause: e)
                }
            }
            attempt += 1
            let wait = retry.wait(attempt: attempt, retryAfter: retryAfter)
            onRetry(attempt, reason + " (waiting \(Self.describe(wait)))")
            try await Task.sleep(for: wait)
        }
    }

    /// `d` as `1.5 s`, `2 min`, `1.2 h`.
    package static func describe(_ d: Duration) -> String {
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        if s < 120 { return String(format: s < 10 ? "%.1f s" : "%.0f s", s) }
        if s < 7200 { return String(format: "%.0f min", s / 60) }
        return String(format: "%.1f h", s / 3600)
    }
}
