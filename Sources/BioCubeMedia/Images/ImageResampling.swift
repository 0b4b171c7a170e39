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

    /// Lanczos-3 weights as Pillow computes them (``pillow(_:input:output:)``).
    static func lanczos3(input: Int, output: Int) -> ImageResampling {
        float(pillow(.lanczos3, input: input, output: output))
    }

    /// Pillow's bilinear weights (``pillow(_:input:output:)``).
    static func bilinear(input: Int, output: Int) -> ImageResampling {
        float(pillow(.bilinear, input: input, output: output))
    }

    private static func float(_ p: (first: [Int], weights: [[Double]])) -> ImageResampling {
        ImageResampling(first: p.first, weights: p.weights.map { $0.map(Float.init) })
    }

    /// The weights of Pillow's `precompute_coeffs` (`libImaging/Resample.c`): the filter's
    /// kernel stretched by `max(1, s)` (`s = input / output`), centred on `(j + ½)·s`,
    /// sampled at input pixel centres between the rounded bounds `centre ± support`, and
    /// normalised to sum 1. `area` gives Pillow's BOX here.
    static func pillow(_ filter: ImageOptions.Filter, input: Int, output: Int) -> (first: [Int], weights: [[Double]]) {
        let scale = Double(input) / Double(output)
        let filterScale = max(1, scale)
        let support = Self.support(filter) * filterScale
        var first: [Int] = []
        var weights: [[Double]] = []
        first.reserveCapacity(output)
        weights.reserveCapacity(output)
        for j in 0..<output {
            let centre = (Double(j) + 0.5) * scale
            // C's (int) cast truncates towards zero; both bounds are clamped after it.
            let lo = max(0, Int(centre - support + 0.5))
            let hi = min(input, Int(centre + support + 0.5))
            var w = (lo..<max(lo, hi)).map { kernel(filter, (Double($0) - centre + 0.5) / filterScale) }
            let total = w.reduce(0, +)
            if total != 0 { w = w.map { $0 / total } }
            first.append(lo)
            weights.append(w)
        }
        return (first, weights)
    }

    /// Half the width of `filter`'s kernel, in output pixels.
    static func support(_ filter: ImageOptions.Filter) -> Double {
        switch filter {
        case .bilinear: 1
        case .lanczos3: 3
        case .area: 0.5
        }
    }

    /// Pillow's kernels: bilinear's triangle, Lanczos-3's `sinc(x)·sinc(x/3)` on `[−3, 3)`,
    /// BOX's `(−½, ½]`.
    static func kernel(_ filter: ImageOptions.Filter, _ x: Double) -> Double {
        switch filter {
        case .bilinear:
            let a = abs(x)
            return a < 1 ? 1 - a : 0
        case .lanczos3:
            guard -3 <= x, x < 3 else { return 0 }
            func sinc(_ t: Double) -> Double { t == 0 ? 1 : sin(Double.pi * t) / (Double.pi * t) }
            return sinc(x) * sinc(x / 3)
        case .area:
            return x > -0.5 && x <= 0.5 ? 1 : 0
        }
    }
}
