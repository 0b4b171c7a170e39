import BioCubeCore

/// Observation times as the sources write them, to UTC: `2020-05-01T08:15:00+02:00`,
/// `2020-06-01T01:00:00Z`, `2020-05-01T08:15:00.123`, `2020-05-01`, `2020-05-01 08:15`. A time
/// without a zone is taken as UTC (xeno-canto's local times have none).
enum MediaTimestamp {
    /// The UTC time, or nil when `text` is empty or not a date.
    static func parse(_ text: String) -> UTCDateTime? {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        guard s.count >= 7 else { return nil }
        var offset: Int64 = 0
        // A trailing ±HH:MM or ±HHMM zone after the time.
        if s.count > 16, let sign = s.dropFirst(10).lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let zone = s[s.index(after: sign)...].replacingOccurrences(of: ":", with: "")
            // Real zones lie within ±14:00, minutes under 60 (a `+99:99` is not a zone).
            guard zone.count == 4, let h = Int(zone.prefix(2)), let m = Int(zone.suffix(2)), h <= 14, m < 60
            else { return nil }
            offset = Int64((h * 60 + m) * 60) * (s[sign] == "+" ? 1 : -1)
            s = s[..<sign]
        }
        if s.hasSuffix("Z") { s = s.dropLast() }
        if let dot = s.lastIndex(of: "."), s.distance(from: s.startIndex, to: dot) > 10 { s = s[..<dot] }
        guard let t = try? UTCDateTime(parsing: String(s)) else { return nil }
        return t.adding(seconds: -offset)
    }
}
