/// How far apart consecutive time steps are.
public enum Cadence: Hashable, Sendable, Codable, CustomStringConvertible {
    /// One step per calendar month, stamped on day 1 at 00:00 UTC.
    case monthly
    /// One step every `n` hours (BioCube's daily pipeline uses 6).
    case hours(Int)

    /// Parses `monthly`, `6h` or `6-hourly`.
    public init(parsing text: String) throws {
        let t = text.lowercased()
        if t == "monthly" || t == "month" { self = .monthly; return }
        let digits = t.prefix(while: \.isNumber)
        let rest = t.dropFirst(digits.count)
        if let n = Int(digits), n > 0, 24 % n == 0, ["h", "-hourly", "hourly", "hours"].contains(String(rest)) {
            self = .hours(n); return
        }
        throw BioCubeError(.invalidArgument, "unknown cadence '\(text)' (expected monthly or Nh with N dividing 24, e.g. 6h)")
    }

    public var description: String {
        switch self {
        case .monthly: "monthly"
        case .hours(let n): "\(n)h"
        }
    }
}
