import BioCubeCore
internal import CSoxr
import Foundation

/// Band-limited resampling by a rational factor with a Kaiser-windowed sinc filter (the
/// method of resampy and libsamplerate's sinc converters).
///
/// For rates `from` → `to`, with `L / M` the reduced ratio `to / from`, output sample `n`
/// sits at input time `t = n·M / L` and is `Σₖ x[k]·h(t − k)` (zero outside the clip), where
/// `h(τ) = 2f·sinc(2f·τ)·kaiser(τ / T)`, the cut-off `f = rolloff · ½ · min(1, L / M)` cycles
/// per input sample, `T = zeroCrossings / 2f` and `kaiser(u) = I₀(β√(1 − u²)) / I₀(β)`.
/// With the defaults (32 zero crossings, β = 9, roll-off 0.945) a tone above 1.05 × the new
/// Nyquist frequency is attenuated by more than 80 dB and the pass band is flat within 0.1 dB
/// to 85 % of it (both measured by the tests). The output has `⌈count · L / M⌉` samples.
struct Resampler: Sendable {
    let from: Int
    let to: Int
    let up: Int
    let down: Int
    let halfTaps: Int
    private let cutoff: Double
    private let halfLength: Double
    private let beta: Double
    /// Per output phase `p` (0..<up), the taps for input offsets `-halfTaps+1 … halfTaps`
    /// around `⌊t⌋`, when `up` is small enough to tabulate.
    private let table: [Float]?

    static let zeroCrossings = 32.0
    static let defaultBeta = 9.0
    static let rolloff = 0.945

    init(from: Int, to: Int) {
        precondition(from > 0 && to > 0)  // invariant: AudioPreprocessor checks both rates before resampling
        self.from = from
        self.to = to
        var a = from
        var b = to
        while b != 0 { (a, b) = (b, a % b) }
        up = to / a
        down = from / a
        beta = Self.defaultBeta
        cutoff = Self.rolloff * 0.5 * min(1, Double(up) / Double(down))
        halfLength = Self.zeroCrossings / (2 * cutoff)
        halfTaps = Int(halfLength.rounded(.up)) + 1
        if up <= 4096 {
            var t = [Float](repeating: 0, count: up * 2 * halfTaps)
            for p in 0..<up {
                let frac = Double(p) / Double(up)
                for j in 0..<(2 * halfTaps) {
                    t[p * 2 * halfTaps + j] = Float(Self.tap(frac - Double(j - halfTaps + 1), cutoff, halfLength, beta))
                }
            }
            table = t
        } else {
            table = nil
        }
    }

    /// The filter at `tau` input samples from the output instant.
    static func tap(_ tau: Double, _ cutoff: Double, _ halfLength: Double, _ beta: Double) -> Double {
        guard abs(tau) < halfLength else { return 0 }
        let x = 2 * cutoff * tau
        let sinc = x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
        let u = tau / halfLength
        return 2 * cutoff * sinc * besselI0(beta * (1 - u * u).squareRoot()) / besselI0(beta)
    }

    /// The modified Bessel function of the first kind, order 0 (power series).
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0
        var term = 1.0
        let q = x * x / 4
        var k = 1.0
        while term > 1e-17 * sum {
            term *= q / (k * k)
            sum += term
            k += 1
        }
        return sum
    }

    /// The resampled samples.
    func callAsFunction(_ input: [Float]) -> [Float] {
        if up == down { return input }
        let count = (input.count * up + down - 1) / down
        var out = [Float](repeating: 0, count: count)
        let width = 2 * halfTaps
        input.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                for n in 0..<count {
                    let position = n * down
                    let base = position / up
                    let phase = position % up
                    let first = base - halfTaps + 1
                    let lo = max(0, -first)
                    let hi = min(width, x.count - first)
                    var s: Double = 0
                    if let table {
                        table.withUnsafeBufferPointer { h in
                            let row = phase * width
                            var acc: Float = 0
                            if lo < hi { for j in lo..<hi { acc += h[row + j] * x[first + j] } }
                            s = Double(acc)
                        }
                    } else {
                        let frac = Double(phase) / Double(up)
                        if lo < hi {
                            for j in lo..<hi {
                                s +=
                                    Self.tap(frac - Double(j - halfTaps + 1), cutoff, halfLength, beta)
                                    * Double(x[first + j])
                            }
                        }
                    }
                    y[n] = Float(s)
                }
            }
        }
        return out
    }

    /// `input` resampled by libsoxr at `SOXR_HQ` as python-soxr's `resample` does it (one
    /// stream fed in pieces, then flushed), its length then fixed to `⌈count · to / from⌉`
    /// (zeros appended or samples dropped) as `librosa.resample` fixes it.
    static func soxr(_ input: [Float], from: Int, to: Int) throws -> [Float] {
        if from == to { return input }
        let target = Int((Double(input.count) * Double(to) / Double(from)).rounded(.up))
        let capacity = Int(Double(input.count) * Double(to) / Double(from)) + 1
        var out = [Float](repeating: 0, count: max(capacity, target))
        var done = 0
        let error = input.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                biocube_soxr_resample(
                    x.baseAddress,
                    x.count,
                    Double(from),
                    Double(to),
                    biocube_soxr_hq,
                    y.baseAddress,
                    capacity,
                    &done
                )
            }
        }
        if let error {
            throw BioCubeError(.invalidArgument, "libsoxr: \(String(cString: error)) (\(from) → \(to) Hz)")
        }
        // python-soxr returns `done` samples; librosa then pads with zeros or trims to `target`.
        for i in done..<out.count { out[i] = 0 }
        return Array(out.prefix(target))
    }
}
