/// How far apart consecutive time steps are.
public enum Cadence: Hashable, Sendable, Codable, CustomStringConvertible {
    /// One step per calendar month, stamped on day 1 at 00:00 UTC.
    case monthly
    /// One step every `n` hours (BioCube's daily pipeline uses 6).
    case hours(Int)

    /// Parses `monthly`, `6h` or `6-hourly`.
    public init(parsing text: String) throws {
        let t = text.lowercased()
        if t == "monthly" || t == "month" {
            self = .monthly
            return
        }
        let digits = t.prefix(while: \.isNumber)
        let rest = t.dropFirst(digits.count)
        if let n = Int(digits), n > 0, 24 % n == 0, ["h", "-hourly", "hourly", "hours"].contains(String(rest)) {
            self = .hours(n)
            return
        }
        throw BioCubeError(
            .invalidArgument,
            "unknown cadence '\(text)' (expected monthly or Nh with N dividing 24, e.g. 6h)"
        )
    }

    /// The start of the step `instant` falls in: day 1 00:00 of its month, or the last
    /// multiple of `n` hours (since 1970-01-01 00:00 UTC) at or before it.
    public func step(containing instant: UTCDateTime) -> UTCDateTime {
        switch self {
        case .monthly: return instant.startOfMonth
        case .hours(let n):
            let span = Int64(n * 3600)
            let s = instant.secondsSince1970
            return UTCDateTime(secondsSince1970: s - ((s % span) + span) % span)
        }
    }

    public var description: String {
        switch self {
        case .monthly: "monthly"
        case .hours(let n): "\(n)h"
        }
    }
}
