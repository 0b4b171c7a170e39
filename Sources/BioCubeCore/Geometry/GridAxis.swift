/// A regular coordinate axis: `count` values `first + i · step`.
///
/// The step is signed, so an axis may ascend (`step > 0`) or descend (`step < 0`).
/// Values are computed from the index, never accumulated, so `axis[160]` of
/// `GridAxis(first: 32, step: 0.25, count: 161)` is exactly `72.0`.
public struct GridAxis: Hashable, Sendable, Codable {
    /// The first coordinate value.
    public let first: Double
    /// The signed distance between neighbouring values.
    public let step: Double
    /// The number of values.
    public let count: Int

    /// The most values an axis may have (a 0.005° global longitude axis).
    public static let maxCount = 72_000

    /// Creates an axis, rejecting an empty axis, a zero step or non-finite values.
    public init(first: Double, step: Double, count: Int) throws {
        guard count > 0 else {
            throw BioCubeError(.invalidArgument, "axis must have at least one value, got count \(count)")
        }
        guard count <= Self.maxCount else {
            throw BioCubeError(
                .invalidArgument,
                "axis of \(count) values: more than \(Self.maxCount) (a 0.005° global axis)"
            )
        }
        guard first.isFinite, step.isFinite, step != 0 else {
            throw BioCubeError(
                .invalidArgument,
                "axis needs a finite first value and a finite non-zero step (first \(first), step \(step))"
            )
        }
        self.init(unchecked: first, step: step, count: count)
    }

    /// Creates an axis from its two ends and the absolute step; the direction follows from the ends.
    public init(from first: Double, to last: Double, step: Double) throws {
        guard step > 0, step.isFinite, first.isFinite, last.isFinite else {
            throw BioCubeError(
                .invalidArgument,
                "axis from \(first) to \(last) needs a positive finite step, got \(step)"
            )
        }
        let intervals = abs(last - first) / step
        let rounded = intervals.rounded()
        guard abs(intervals - rounded) < 1e-6 else {
            throw BioCubeError(
                .invalidArgument,
                "axis from \(first) to \(last) is not a whole number of steps of \(step)"
            )
        }
        guard rounded < Double(Self.maxCount) else {
            throw BioCubeError(
                .invalidArgument,
                "axis from \(first) to \(last) by \(step) has more than \(Self.maxCount) values"
            )
        }
        try self.init(first: first, step: last >= first ? step : -step, count: Int(rounded) + 1)
    }

    init(unchecked first: Double, step: Double, count: Int) {
        self.first = first
        self.step = step
        self.count = count
    }

    /// The coordinate value at `index`.
    public subscript(index: Int) -> Double { first + Double(index) * step }

    /// All values, in axis order.
    public var values: [Double] { (0..<count).map { self[$0] } }

    /// The last value.
    public var last: Double { self[count - 1] }

    /// Whether values increase with the index.
    package var isAscending: Bool { step > 0 }

    /// The smallest and largest value.
    public var bounds: ClosedRange<Double> { min(first, last)...max(first, last) }

    /// The default tolerance for matching a coordinate to the lattice: a thousandth of a step.
    package var defaultTolerance: Double { abs(step) / 1000 }

    /// The index whose value equals `value` within `tolerance` (default: a thousandth of
    /// a step), or `nil` when `value` is off the axis or off its lattice.
    public func index(of value: Double, tolerance: Double? = nil) -> Int? {
        let tol = tolerance ?? defaultTolerance
        let position = (value - first) / step
        let nearest = position.rounded()
        guard nearest >= 0, nearest < Double(count) else { return nil }
        let i = Int(nearest)
        return abs(self[i] - value) <= tol ? i : nil
    }

    /// The contiguous index range whose values lie in `lower...upper` (inclusive, with a
    /// tolerance of a thousandth of a step), or `nil` when no value does.
    public func indexRange(within lower: Double, _ upper: Double) -> Range<Int>? {
        let tol = defaultTolerance
        let lo = min(lower, upper) - tol
        let hi = max(lower, upper) + tol
        // Positions (possibly fractional) of the interval ends along the axis.
        // Clamped before converting, so any finite interval maps to indices without trapping.
        func clamped(_ x: Double) -> Double { Swift.min(Swift.max(x, -1), Double(count)) }
        guard lo.isFinite, hi.isFinite else { return nil }
        let a = clamped((lo - first) / step)
        let b = clamped((hi - first) / step)
        let start = max(0, Int(min(a, b).rounded(.up)))
        let end = min(count - 1, Int(max(a, b).rounded(.down)))
        return start <= end ? start..<(end + 1) : nil
    }

    /// The axis restricted to `range` of its indices.
    public func slice(_ range: Range<Int>) -> GridAxis {
        GridAxis(unchecked: self[range.lowerBound], step: step, count: range.count)
    }
}
