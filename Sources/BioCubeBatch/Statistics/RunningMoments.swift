/// Mergeable summary of a stream of values: finite count, NaN count, infinity count, mean
/// and sum of squared deviations (M2), minimum and maximum.
///
/// Blocks of values are summarised two-pass in `Double` (mean, then squared deviations
/// from it) and combined with Chan et al.'s pairwise update, so variances stay accurate
/// where `E[x²] − E[x]²` cancels catastrophically (values near 1e8 with a small spread).
/// NaN and ±∞ are counted and excluded from the moments. Merging in a fixed order gives
/// the same result on every run.
package struct RunningMoments: Sendable, Hashable {
    /// Finite values seen.
    package private(set) var count: Int = 0
    /// NaN values seen.
    package private(set) var nanCount: Int = 0
    /// ±∞ values seen.
    package private(set) var infinityCount: Int = 0
    /// Mean of the finite values (0 when there are none).
    package private(set) var mean: Double = 0
    /// Sum of squared deviations from the mean.
    package private(set) var m2: Double = 0
    /// Smallest and largest finite value (nil when there are none).
    package private(set) var min: Double? = nil, max: Double? = nil

    /// An empty summary.
    package init() {}

    /// Population variance (0 without values).
    package var variance: Double { count > 0 ? m2 / Double(count) : 0 }
    /// Population standard deviation.
    package var standardDeviation: Double { variance.squareRoot() }

    /// Adds a block of values, `weight` times (a store step that two windows share counts twice).
    package mutating func add(_ values: UnsafeBufferPointer<Float>, weight: Int = 1) {
        var block = RunningMoments()
        var sum = 0.0
        var n = 0
        var nan = 0
        var inf = 0
        var lo = Float.infinity
        var hi = -Float.infinity
        for x in values {
            if x.isFinite {
                sum += Double(x)
                n += 1
                lo = Swift.min(lo, x)
                hi = Swift.max(hi, x)
            } else if x.isNaN {
                nan += 1
            } else {
                inf += 1
            }
        }
        block.nanCount = nan
        block.infinityCount = inf
        if n > 0 {
            let mean = sum / Double(n)
            var m2 = 0.0
            var correction = 0.0
            for x in values where x.isFinite {
                let d = Double(x) - mean
                m2 += d * d
                correction += d
            }
            // The compensated two-pass form: subtract the (tiny) rounding error of the mean.
            m2 -= correction * correction / Double(n)
            block.count = n
            block.mean = mean + correction / Double(n)
            block.m2 = Swift.max(0, m2)
            block.min = Double(lo)
            block.max = Double(hi)
        }
        for _ in 0..<Swift.max(0, weight) { merge(block) }
    }

    /// Adds values from an array.
    package mutating func add(_ values: [Float], weight: Int = 1) {
        values.withUnsafeBufferPointer { add($0, weight: weight) }
    }

    /// Combines another summary into this one (Chan et al.).
    package mutating func merge(_ other: RunningMoments) {
        nanCount += other.nanCount
        infinityCount += other.infinityCount
        guard other.count > 0 else { return }
        guard count > 0 else {
            (count, mean, m2, min, max) = (other.count, other.mean, other.m2, other.min, other.max)
            return
        }
        let n = Double(count + other.count)
        let delta = other.mean - mean
        mean += delta * Double(other.count) / n
        m2 += other.m2 + delta * delta * Double(count) * Double(other.count) / n
        count += other.count
        min = Swift.min(min!, other.min!)
        max = Swift.max(max!, other.max!)
    }

    /// NaN share of all values seen (NaN and ∞ included in the denominator); 1 when nothing
    /// was seen (no valid value, as for an all-NaN variable). The JSON's `nan_pct` and
    /// ``NormalisationStatistics`` both use it.
    package var nanFraction: Double {
        let all = count + nanCount + infinityCount
        return all > 0 ? Double(nanCount) / Double(all) : 1
    }
}
