/// Spaces requests to one service at least `interval` apart, across every task that shares
/// the limiter (iNaturalist asks for about one request per second): each caller reserves
/// the next free slot, then sleeps until it.
package actor RateLimiter {
    package let interval: Duration
    private var next: ContinuousClock.Instant?

    /// A limiter allowing one request per `interval` (`.zero`: no limit).
    package init(interval: Duration) { self.interval = interval }

    /// Waits for this caller's slot.
    package func wait() async throws {
        guard interval > .zero else { return }
        let now = ContinuousClock.now
        let slot = max(now, next ?? now)
        next = slot + interval
        if slot > now { try await Task.sleep(until: slot, clock: .continuous) }
    }
}
