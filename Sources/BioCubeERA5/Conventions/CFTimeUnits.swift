package import BioCubeCore

/// CF time units `"<unit> since <reference date>"` with a standard, gregorian or
/// proleptic_gregorian calendar (identical for dates after 1582-10-15, which is all
/// reanalysis data).
package struct CFTimeUnits: Hashable, Sendable {
    /// Seconds per unit (`1` for seconds, `3600` for hours, …).
    package let secondsPerUnit: Int64
    /// The reference instant.
    package let reference: UTCDateTime

    /// Parses the `units` and `calendar` attributes of a time variable; `context` names
    /// the file and variable in errors.
    package init(units: String, calendar: String?, context: String) throws {
        let cal = (calendar ?? "standard").lowercased()
        guard ["standard", "gregorian", "proleptic_gregorian"].contains(cal) else {
            throw BioCubeError(
                .unsupported,
                "\(context): calendar '\(calendar ?? "")' is not supported (standard, gregorian, proleptic_gregorian)"
            )
        }
        let parts = units.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count == 3, parts[1].lowercased() == "since" else {
            throw BioCubeError(.unsupported, "\(context): time units '\(units)' are not '<unit> since <date>'")
        }
        switch parts[0].lowercased() {
        case "second", "seconds", "sec", "secs", "s": secondsPerUnit = 1
        case "minute", "minutes", "min", "mins": secondsPerUnit = 60
        case "hour", "hours", "hr", "hrs", "h": secondsPerUnit = 3600
        case "day", "days", "d": secondsPerUnit = 86_400
        default:
            throw BioCubeError(
                .unsupported,
                "\(context): time unit '\(parts[0])' in '\(units)' is not seconds, minutes, hours or days"
            )
        }
        reference = try CFTimeUnits.parseReference(String(parts[2]), context: "\(context): time units '\(units)'")
        if cal == "gregorian" || cal == "standard", reference < (try UTCDateTime(year: 1582, month: 10, day: 15)) {
            throw BioCubeError(
                .unsupported,
                "\(context): reference date \(reference) predates the Gregorian calendar (mixed Julian/Gregorian is not supported)"
            )
        }
    }

    /// `1900-01-01 00:00:00.0`, `1970-01-01`, `1970-01-01T00:00:00Z`, `2000-1-1 0:0:0`.
    static func parseReference(_ text: String, context: String) throws -> UTCDateTime {
        var s = Substring(text.trimmingCharacters(in: " "))
        if s.hasSuffix("Z") || s.hasSuffix("z") { s = s.dropLast() }
        if s.hasSuffix(" UTC") { s = s.dropLast(4) }
        if s.hasSuffix("+00:00") { s = s.dropLast(6) }
        let halves = s.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "T" })
        let date = halves.first?.split(separator: "-", omittingEmptySubsequences: false) ?? []
        let time = halves.count > 1 ? halves[1].split(separator: ":", omittingEmptySubsequences: false) : []
        func int(_ p: Substring) -> Int? { Int(p) }
        guard date.count == 3, let y = int(date[0]), let m = int(date[1]), let d = int(date[2]) else {
            throw BioCubeError(.unsupported, "\(context): reference date '\(text)' is not YYYY-MM-DD[ HH:MM:SS]")
        }
        var hh = 0
        var mi = 0
        var ss = 0
        if !time.isEmpty {
            guard time.count >= 2, let h = int(time[0]), let m = int(time[1]) else {
                throw BioCubeError(.unsupported, "\(context): reference time in '\(text)' is not HH:MM[:SS]")
            }
            hh = h
            mi = m
            if time.count == 3 {
                guard let sec = Double(time[2]), sec >= 0, sec < 60, sec == sec.rounded() else {
                    throw BioCubeError(.unsupported, "\(context): reference seconds in '\(text)' are not whole seconds")
                }
                ss = Int(sec)
            }
        }
        return try UTCDateTime(year: y, month: m, day: d, hour: hh, minute: mi, second: ss)
    }

    /// The instant `value` units after the reference, rounded to the second.
    package func date(_ value: Double) -> UTCDateTime? {
        guard value.isFinite else { return nil }
        let seconds = (value * Double(secondsPerUnit)).rounded()
        guard abs(seconds) < 1e15 else { return nil }
        return reference.adding(seconds: Int64(seconds))
    }

    /// The instant `value` units after the reference (exact for integer time axes).
    package func date(_ value: Int64) -> UTCDateTime? {
        let (s, overflow) = value.multipliedReportingOverflow(by: secondsPerUnit)
        return overflow ? nil : reference.adding(seconds: s)
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}
