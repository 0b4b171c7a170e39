import BioCubeCore
package import Foundation

/// How a client retries: which answers count as passing failures, how long it waits
/// between attempts, and how far it trusts a server's `Retry-After`.
///
/// Waits grow from ``backoff`` (doubling) up to ``maximumWait``; a `Retry-After` (seconds
/// or an HTTP date) replaces the computed wait, capped at ``retryAfterLimit``. Every number
/// a server sends is checked: a negative, infinite or absurd `Retry-After` cannot trap or
/// stall the client.
package struct RetryPolicy: Sendable, Hashable {
    /// Attempts after the first.
    package var retries: Int
    /// The first wait; doubled for each further attempt.
    package var backoff: Duration
    /// The longest computed wait.
    package var maximumWait: Duration
    /// The longest wait a server's `Retry-After` can ask for.
    package var retryAfterLimit: Duration
    /// Statuses retried besides every 5xx (429 always; GBIF adds 420).
    package var statuses: Set<Int>

    /// A policy.
    package init(
        retries: Int,
        backoff: Duration,
        maximumWait: Duration = .seconds(30),
        retryAfterLimit: Duration = .seconds(3600),
        statuses: Set<Int> = [429]
    ) {
        self.retries = max(0, retries)
        self.backoff = max(.zero, backoff)
        self.maximumWait = max(.zero, maximumWait)
        self.retryAfterLimit = max(.zero, retryAfterLimit)
        self.statuses = statuses
    }

    /// Whether an answer with `status` is retried.
    package func retries(status: Int) -> Bool { status >= 500 || statuses.contains(status) }

    /// The wait before retry number `attempt` (1, 2, …), or the server's `Retry-After`.
    package func wait(attempt: Int, retryAfter: String? = nil, now: Date = Date()) -> Duration {
        if let retryAfter, let asked = Self.retryAfter(retryAfter, now: now) { return min(asked, retryAfterLimit) }
        let doubled = backoff * (1 << min(max(attempt - 1, 0), 20))
        return min(doubled, maximumWait)
    }

    /// A `Retry-After` value (RFC 9110 §10.2.3: delay seconds or an HTTP date) as a finite,
    /// non-negative duration; nil when it is neither (an unusable value is ignored).
    package static func retryAfter(_ text: String, now: Date = Date()) -> Duration? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(t) {
            guard seconds.isFinite, seconds >= 0 else { return nil }
            return .milliseconds(Int64(min(seconds, 366 * 86400) * 1000))
        }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = f.date(from: t) else { return nil }
        let delta = max(0, min(date.timeIntervalSince(now), 366 * 86400))
        return .milliseconds(Int64(delta * 1000))
    }
}
