import Foundation

/// Separable resampling weights: for each output position, the first input index and the
/// normalised weights from there.
struct ImageResampling: Sendable {
    let first: [Int]
    let weights: [[Float]]

    /// Exact area weights: output `j` covers input `[j·s, (j + 1)·s)` with `s = input / output`;
    /// each input pixel weighs its overlap with that span, divided by `s`.
    static func area(input: Int, output: Int) -> ImageResampling {
        let s = Double(input) / Double(output)
        var first: [Int] = []
        var weights: [[Float]] = []
        for j in 0..<output {
            let lo = Double(j) * s
            let hi = Double(j + 1) * s
            let a = Int(lo.rounded(.down))
            let b = min(input, Int(hi.rounded(.up)))
            var w: [Float] = []
            for i in a..<b { w.append(Float((min(hi, Double(i + 1)) - max(lo, Double(i))) / s)) }
            first.append(a)
            weights.append(w)
        }
        return ImageResampling(first: first, weights: weights)
    }

    /// Lanczos-3 weights as Pillow computes them: the kernel `sinc(x)·sinc(x/3)` stretched by
    /// the scale when shrinking, centred on `(j + ½)·s`, sampled at input pixel centres and
    /// normalised to sum 1.
    static func lanczos3(input: Int, output: Int) -> ImageResampling {
        let scale = Double(input) / Double(output)
        let filterScale = max(1, scale)
        let support = 3 * filterScale
        func sinc(_ x: Double) -> Double { x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x) }
        func kernel(_ x: Double) -> Double { abs(x) < 3 ? sinc(x) * sinc(x / 3) : 0 }
        var first: [Int] = []
        var weights: [[Float]] = []
        for j in 0..<output {
            let centre = (Double(j) + 0.5) * scale
            let lo = max(0, Int((centre - support + 0.5).rounded(.down)))
            let hi = min(input, Int((centre + support + 0.5).rounded(.down)))
            var w = (lo..<max(lo, hi)).map { kernel((Double($0) - centre + 0.5) / filterScale) }
            let total = w.reduce(0, +)
            if total != 0 { w = w.map { $0 / total } }
            first.append(lo)
            weights.append(w.map(Float.init))
        }
        return ImageResampling(first: first, weights: weights)
    }
}
