import Foundation

/// Slaney-style mel filters as librosa builds them (`htk=False`, `norm="slaney"`): `bands`
/// triangles equally spaced on the Slaney mel scale (linear below 1 kHz, logarithmic above),
/// each scaled to unit area (2 / width in hertz), over the `fftSize / 2 + 1` bins.
struct MelFilterBank: Sendable {
    let bands: Int
    let bins: Int
    /// Per band: the first bin with a non-zero weight and the weights from there.
    let filters: [(first: Int, weights: [Double])]

    init(sampleRate: Int, fftSize: Int, bands: Int, minimumFrequency: Double, maximumFrequency: Double) {
        self.bands = bands
        bins = fftSize / 2 + 1
        let lo = Self.mel(hertz: minimumFrequency)
        let hi = Self.mel(hertz: maximumFrequency)
        let edges = (0..<(bands + 2)).map { Self.hertz(mel: lo + (hi - lo) * Double($0) / Double(bands + 1)) }
        let binFrequency = Double(sampleRate) / Double(fftSize)
        var filters: [(Int, [Double])] = []
        for b in 0..<bands {
            let (left, centre, right) = (edges[b], edges[b + 1], edges[b + 2])
            let norm = 2 / (right - left)
            var first = -1
            var weights: [Double] = []
            for k in 0..<bins {
                let f = Double(k) * binFrequency
                let rising = (f - left) / (centre - left)
                let falling = (right - f) / (right - centre)
                let w = max(0, min(rising, falling)) * norm
                if w > 0 {
                    if first < 0 { first = k }
                    weights += [Double](repeating: 0, count: k - first - weights.count) + [w]
                }
            }
            filters.append((max(first, 0), weights))
        }
        self.filters = filters
    }

    /// Slaney's mel scale: 3 mels per 200 Hz up to 1 kHz, then 27 mels per factor 6.4.
    static func mel(hertz f: Double) -> Double {
        f < 1000 ? f * 3 / 200 : 15 + log(f / 1000) * 27 / log(6.4)
    }

    /// The inverse of ``mel(hertz:)``.
    static func hertz(mel m: Double) -> Double {
        m < 15 ? m * 200 / 3 : 1000 * exp((m - 15) * log(6.4) / 27)
    }
}
