import Foundation
import Testing

@testable import BioCubeCore

@Suite struct TimeTests {
    @Test func civilConversionAgreesWithFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let seconds = Int64(bitPattern: rng.next() % 12_000_000_000) - 4_000_000_000
            let d = UTCDateTime(secondsSince1970: seconds)
            let c = calendar.dateComponents(
                [.year, .month, .day, .hour, .minute, .second],
                from: Date(timeIntervalSince1970: TimeInterval(seconds))
            )
            #expect(
                [d.year, d.month, d.day, d.hour, d.minute, d.second] == [
                    c.year, c.month, c.day, c.hour, c.minute, c.second,
                ]
            )
            #expect(d.secondsSince1970 == seconds)
        }
    }

    @Test(arguments: [
        ("2000-01", "2000-01-01 00:00:00"), ("2020-06-15", "2020-06-15 00:00:00"),
        ("2000-02-29 18:00:00", "2000-02-29 18:00:00"), ("2001-03-04T06:30Z", "2001-03-04 06:30:00"),
    ])
    func parsing(text: String, formatted: String) throws {
        #expect(try UTCDateTime(parsing: text).description == formatted)
    }

    @Test(arguments: ["2001-02-29", "2000-13", "2000", "20x0-01", "2000-01-01 24:00", ""])
    func invalidDatesAreRejected(text: String) {
        #expect(throws: BioCubeError.self) { try UTCDateTime(parsing: text) }
    }

    @Test(arguments: [1600, 1900, 1970, 2000, 2020, 2024, 2100])
    func firstOfMonthMatchesTheCheckedInitialiser(year: Int) throws {
        for month in [1, 2, 12] {
            #expect(UTCDateTime.firstOfMonth(year: year, month: month) == (try UTCDateTime(year: year, month: month)))
        }
    }

    @Test func monthArithmetic() throws {
        let jan31 = try UTCDateTime(parsing: "2000-01-31")
        #expect(jan31.addingMonths(1).dateString == "2000-02-29")
        #expect(jan31.addingMonths(-1).dateString == "1999-12-31")
        #expect(jan31.addingMonths(25).dateString == "2002-02-28")
    }

    @Test func publishedSpanHas245Windows() throws {
        let axis = try TimeAxis(
            cadence: .monthly,
            from: UTCDateTime(parsing: "2000-01"),
            through: UTCDateTime(parsing: "2020-06")
        )
        #expect(axis.count == 246)
        #expect(axis.windowCount == 245)
        #expect(axis.window(0).0.description == "2000-01-01 00:00:00")
        #expect(axis.window(0).1.description == "2000-02-01 00:00:00")
        #expect(axis.window(244).1.description == "2020-06-01 00:00:00")
        #expect(axis.index(of: try UTCDateTime(parsing: "2010-07-15 12:00")) == 126)
        #expect(axis.index(of: try UTCDateTime(parsing: "2020-07")) == nil)
    }

    @Test func windowStepsCoverWhatTheRangeHolds() throws {
        let axis = try TimeAxis(
            cadence: .monthly,
            from: UTCDateTime(parsing: "2000-01"),
            through: UTCDateTime(parsing: "2000-12")
        )
        #expect(try axis.windowSteps() == 0..<12)
        // A start inside a month begins at the next step; an end inside one stops at its step.
        #expect(
            try axis.windowSteps(from: UTCDateTime(parsing: "2000-03-15"), through: UTCDateTime(parsing: "2000-06-20"))
                == 3..<6
        )
        #expect(
            try axis.windowSteps(from: UTCDateTime(parsing: "1990-01"), through: UTCDateTime(parsing: "2030-01"))
                == 0..<12
        )
        for (start, end) in [("2001-01", nil), (nil, "1999-12"), ("2000-05", "2000-05"), ("2000-05-02", "2000-06-01")] {
            let error = #expect(throws: BioCubeError.self) {
                try axis.windowSteps(
                    from: start.map(UTCDateTime.init(parsing:)),
                    through: end.map(UTCDateTime.init(parsing:))
                )
            }
            #expect(error?.code == .invalidArgument)
        }
        let steps = 3..<7
        #expect((0..<9).map { TimeAxis.windowsHolding(step: $0, in: steps) } == [0, 0, 0, 1, 2, 2, 1, 0, 0])
        #expect(TimeAxis.windowsHolding(step: 4, in: 4..<5) == 0)
    }

    @Test func sixHourlyAxis() throws {
        let axis = try TimeAxis(
            cadence: .hours(6),
            from: UTCDateTime(parsing: "2000-02-28 18:00"),
            through: UTCDateTime(parsing: "2000-03-01 00:00")
        )
        #expect(
            axis.steps.map(\.description) == [
                "2000-02-28 18:00:00", "2000-02-29 00:00:00", "2000-02-29 06:00:00",
                "2000-02-29 12:00:00", "2000-02-29 18:00:00", "2000-03-01 00:00:00",
            ]
        )
        #expect(axis.index(of: try UTCDateTime(parsing: "2000-02-29 06:00")) == 2)
        // One rule: an instant belongs to the slot starting at or before it.
        #expect(axis.index(of: try UTCDateTime(parsing: "2000-02-29 07:00")) == 2)
        #expect(axis.index(of: try UTCDateTime(parsing: "2000-02-29 11:59:59")) == 2)
        #expect(axis.index(of: try UTCDateTime(parsing: "2000-03-01 06:00")) == nil)
        for seconds in stride(from: Int64(951_760_800), to: 951_890_400, by: 1_777) {
            let instant = UTCDateTime(secondsSince1970: seconds)
            let i = try #require(axis.index(of: instant))
            #expect(axis[i] == Cadence.hours(6).step(containing: instant))
        }
        #expect(axis.window(1).0.fileNameString == "2000-02-29_00-00-00")
        #expect(throws: BioCubeError.self) {
            try TimeAxis(cadence: .hours(6), start: UTCDateTime(parsing: "2000-01-01 03:00"), count: 2)
        }
    }

    @Test(arguments: [("monthly", Cadence.monthly), ("6h", .hours(6)), ("6-hourly", .hours(6)), ("1h", .hours(1))])
    func cadenceParsing(text: String, cadence: Cadence) throws {
        #expect(try Cadence(parsing: text) == cadence)
    }

    @Test func badCadenceIsRejected() {
        #expect(throws: BioCubeError.self) { try Cadence(parsing: "5h") }
        #expect(throws: BioCubeError.self) { try Cadence(parsing: "weekly") }
    }
}
