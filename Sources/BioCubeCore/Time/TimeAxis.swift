/// A regular time axis: `count` steps from `start` at a ``Cadence``.
///
/// Windows are pairs of consecutive steps `(t, t+1)`; an axis of `n` steps has `n − 1`
/// windows (2000-01 … 2020-06 monthly: 246 steps, 245 windows).
public struct TimeAxis: Hashable, Sendable, Codable {
    /// The step spacing.
    public let cadence: Cadence
    /// The first step.
    public let start: UTCDateTime
    /// The number of steps.
    public let count: Int

    /// The most steps an axis may have: a century of hourly steps.
    public static let maxCount = 876_600

    /// Creates an axis of `count` steps; a monthly axis must start on day 1 at 00:00,
    /// an hourly one on a multiple of its step.
    public init(cadence: Cadence, start: UTCDateTime, count: Int) throws {
        guard count > 0 else {
            throw BioCubeError(.invalidArgument, "time axis needs at least one step, got \(count)")
        }
        guard count <= Self.maxCount else {
            throw BioCubeError(
                .invalidArgument,
                "time axis of \(count) steps: more than \(Self.maxCount) (a century of hours)"
            )
        }
        switch cadence {
        case .monthly:
            guard start == start.startOfMonth else {
                throw BioCubeError(.invalidArgument, "a monthly axis starts on day 1 at 00:00, not \(start)")
            }
        case .hours(let n):
            guard n > 0, 24 % n == 0, start.hour % n == 0, start.minute == 0, start.second == 0 else {
                throw BioCubeError(.invalidArgument, "a \(n)-hourly axis cannot start at \(start)")
            }
        }
        self.cadence = cadence
        self.start = start
        self.count = count
    }

    /// Creates the axis of every step from `first` through `last`, both included.
    ///
    /// For a monthly cadence, `first` and `last` may be any instant of their months.
    public init(cadence: Cadence, from first: UTCDateTime, through last: UTCDateTime) throws {
        guard first <= last else {
            throw BioCubeError(.invalidArgument, "time range \(first) … \(last) is empty (start after end)")
        }
        switch cadence {
        case .monthly:
            let n = (last.year - first.year) * 12 + (last.month - first.month) + 1
            try self.init(cadence: cadence, start: first.startOfMonth, count: n)
        case .hours(let h):
            let span = last.secondsSince1970 - first.secondsSince1970
            try self.init(cadence: cadence, start: first, count: Int(span / Int64(h * 3600)) + 1)
        }
    }

    /// The step at `index` (which may lie outside `0..<count`, for neighbours).
    public subscript(index: Int) -> UTCDateTime {
        switch cadence {
        case .monthly: start.addingMonths(index)
        case .hours(let h): start.adding(seconds: Int64(index) * Int64(h) * 3600)
        }
    }

    /// All steps in order.
    public var steps: [UTCDateTime] { (0..<count).map { self[$0] } }

    /// The last step.
    public var end: UTCDateTime { self[count - 1] }

    /// The number of two-step windows.
    public var windowCount: Int { max(0, count - 1) }

    /// The two steps of window `index`: `(self[index], self[index + 1])`.
    public func window(_ index: Int) -> (UTCDateTime, UTCDateTime) { (self[index], self[index + 1]) }

    /// The steps the windows between `start` and `end` cover: from the first step at or after
    /// `start` through the last step at or before `end` (the whole axis when both are nil).
    /// Window `i` of the range is `window(range.lowerBound + i)`; there are `range.count - 1`.
    ///
    /// - Throws: `BioCubeError` (`invalidArgument`) when `start` is after the last step, `end`
    ///   before the first, or the range holds fewer than two steps (no window).
    public func windowSteps(from start: UTCDateTime? = nil, through end: UTCDateTime? = nil) throws -> Range<Int> {
        let lo =
            try start.map { t in
                guard let i = (0..<count).first(where: { self[$0] >= t }) else {
                    throw BioCubeError(
                        .invalidArgument,
                        "start \(t.dateString) is after the last step \(self.end.dateString)"
                    )
                }
                return i
            } ?? 0
        let hi =
            try end.map { t in
                guard let i = (0..<count).last(where: { self[$0] <= t }) else {
                    throw BioCubeError(
                        .invalidArgument,
                        "end \(t.dateString) is before the first step \(self.start.dateString)"
                    )
                }
                return i
            } ?? (count - 1)
        guard hi > lo else {
            throw BioCubeError(
                .invalidArgument,
                "fewer than two steps between \(start?.dateString ?? self.start.dateString) and \(end?.dateString ?? self.end.dateString): no window"
            )
        }
        return lo..<(hi + 1)
    }

    /// How many of the two-step windows over `steps` hold step `t`: one at either end of the
    /// range, two inside it, none outside.
    package static func windowsHolding(step t: Int, in steps: Range<Int>) -> Int {
        guard steps.count >= 2, steps.contains(t) else { return 0 }
        return t == steps.lowerBound || t == steps.upperBound - 1 ? 1 : 2
    }

    /// The step that `instant` falls in, by ``Cadence/step(containing:)``: its calendar month
    /// for a monthly axis, the `n`-hour slot starting at or before it for an hourly one;
    /// `nil` when outside the axis.
    public func index(of instant: UTCDateTime) -> Int? {
        // One rule for "which step holds this instant": Cadence.step(containing:).
        let step = cadence.step(containing: instant)
        let i: Int
        switch cadence {
        case .monthly:
            i = (step.year - start.year) * 12 + (step.month - start.month)
        case .hours(let h):
            let delta = step.secondsSince1970 - start.secondsSince1970
            let stepSeconds = Int64(h) * 3600
            guard delta % stepSeconds == 0 else { return nil }  // an axis not aligned to its cadence
            i = Int(delta / stepSeconds)
        }
        return (0..<count).contains(i) ? i : nil
    }

    /// Step times as seconds since 1970-01-01 (the store's `time` coordinate).
    package var secondsSince1970: [Int64] { (0..<count).map { self[$0].secondsSince1970 } }
}
