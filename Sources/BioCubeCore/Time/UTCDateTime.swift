/// A calendar date and time in UTC on the proleptic Gregorian calendar, to the second.
///
/// BioCube uses it instead of `Date` so that month arithmetic and the batch file names
/// (`"2000-01-01 00:00:00"`) are exact and independent of time zones.
public struct UTCDateTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int
    public let hour: Int
    public let minute: Int
    public let second: Int

    /// Creates a date, validating every field (including the day against the month's length).
    public init(year: Int, month: Int, day: Int = 1, hour: Int = 0, minute: Int = 0, second: Int = 0) throws {
        guard (1...12).contains(month) else {
            throw BioCubeError(.invalidArgument, "month \(month) is not in 1…12")
        }
        guard (1...UTCDateTime.daysIn(year: year, month: month)).contains(day) else {
            throw BioCubeError(.invalidArgument, "day \(day) does not exist in \(year)-\(month)")
        }
        guard (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second) else {
            throw BioCubeError(.invalidArgument, "time \(hour):\(minute):\(second) is not a valid time of day")
        }
        self.init(unchecked: year, month, day, hour, minute, second)
    }

    init(unchecked year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The date `seconds` after 1970-01-01 00:00:00 UTC (negative values go back in time).
    public init(secondsSince1970 seconds: Int64) {
        let (days, rem) = seconds.quotientAndRemainder(dividingBy: 86_400)
        var d = days
        var r = rem
        if r < 0 {
            r += 86_400
            d -= 1
        }
        let (y, m, dd) = UTCDateTime.civil(fromDays: d)
        self.init(unchecked: y, m, dd, Int(r / 3600), Int(r % 3600 / 60), Int(r % 60))
    }

    /// Seconds since 1970-01-01 00:00:00 UTC.
    public var secondsSince1970: Int64 {
        UTCDateTime.days(fromCivil: year, month, day) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// `"YYYY-MM-DD HH:MM:SS"`, the batch contract's timestamp format.
    public var description: String {
        "\(pad(year, 4))-\(pad(month))-\(pad(day)) \(pad(hour)):\(pad(minute)):\(pad(second))"
    }

    /// `"YYYY-MM-DD"`.
    public var dateString: String { "\(pad(year, 4))-\(pad(month))-\(pad(day))" }

    /// `"YYYY-MM-DD_HH-MM-SS"`, the 6-hourly batch file name form.
    package var fileNameString: String { "\(dateString)_\(pad(hour))-\(pad(minute))-\(pad(second))" }

    /// The first instant of this date's month.
    public var startOfMonth: UTCDateTime { UTCDateTime(unchecked: year, month, 1, 0, 0, 0) }

    /// The same instant moved by `months` calendar months (the day is clamped to the
    /// target month's length).
    public func addingMonths(_ months: Int) -> UTCDateTime {
        let total = year * 12 + (month - 1) + months
        let (y, m0) = total.quotientAndRemainder(dividingBy: 12)
        let (yy, mm) = m0 < 0 ? (y - 1, m0 + 12) : (y, m0)
        let dd = min(day, UTCDateTime.daysIn(year: yy, month: mm + 1))
        return UTCDateTime(unchecked: yy, mm + 1, dd, hour, minute, second)
    }

    /// The instant `seconds` later.
    public func adding(seconds: Int64) -> UTCDateTime {
        UTCDateTime(secondsSince1970: secondsSince1970 + seconds)
    }

    public static func < (a: UTCDateTime, b: UTCDateTime) -> Bool {
        (a.year, a.month, a.day, a.hour, a.minute, a.second) < (b.year, b.month, b.day, b.hour, b.minute, b.second)
    }

    /// Parses `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` or `YYYY-MM-DDTHH:MM[:SS][Z]`.
    public init(parsing text: String) throws {
        var s = Substring(text)
        if s.hasSuffix("Z") { s = s.dropLast() }
        let parts = s.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "T" })
        let date = parts.first.map { $0.split(separator: "-", omittingEmptySubsequences: false) } ?? []
        let time = parts.count > 1 ? parts[1].split(separator: ":", omittingEmptySubsequences: false) : []
        func number(_ p: Substring) -> Int? { p.allSatisfy(\.isASCII) ? Int(p) : nil }
        guard (2...3).contains(date.count), time.count == 0 || (2...3).contains(time.count),
            let y = number(date[0]), let m = number(date[1]),
            let d = date.count == 3 ? number(date[2]) : 1,
            let hh = time.isEmpty ? 0 : number(time[0]),
            let mi = time.isEmpty ? 0 : number(time[1]),
            let ss = time.count == 3 ? number(time[2]) : 0
        else {
            throw BioCubeError(
                .invalidArgument,
                "'\(text)' is not a date (expected YYYY-MM, YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)"
            )
        }
        do { try self.init(year: y, month: m, day: d, hour: hh, minute: mi, second: ss) } catch let e as BioCubeError {
            throw BioCubeError(e.code, "'\(text)': \(e.message)", cause: e)
        }
    }

    /// Days in a month of the proleptic Gregorian calendar.
    package static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Day 1 of `month` (1…12, clamped) of `year`, 00:00 UTC — never invalid, so it does not throw.
    package static func firstOfMonth(year: Int, month: Int = 1) -> UTCDateTime {
        UTCDateTime(secondsSince1970: days(fromCivil: year, min(12, max(1, month)), 1) * 86_400)
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func days(fromCivil y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y0 - 1 : y0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((m + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }
}

private func pad(_ value: Int, _ width: Int = 2) -> String {
    let s = String(abs(value))
    return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - s.count)) + s
}
