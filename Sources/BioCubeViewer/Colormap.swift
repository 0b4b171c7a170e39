/// Perceptually uniform colour maps for the viewer.
package enum Colormap: Sendable {
    /// viridis (matplotlib's default), from a degree-6 polynomial fit of the published table
    /// (error below one 8-bit step).
    case viridis

    /// The colour at `t` in 0…1 (clamped) as 8-bit RGB.
    package func rgb(_ t: Double) -> (UInt8, UInt8, UInt8) {
        let x = min(1, max(0, t))
        let c: [(Double, Double, Double)] = [
            (0.2777273272234177, 0.005407344544966578, 0.3340998053353061),
            (0.1050930431085774, 1.404613529898575, 1.384590162594685),
            (-0.3308618287255563, 0.214847559468213, 0.09509516302823659),
            (-4.634230498983486, -5.799100973351585, -19.33244095627987),
            (6.228269936347081, 14.17993336680509, 56.69055260068105),
            (4.776384997670288, -13.74514537774601, -65.35303263337234),
            (-5.435455855934631, 4.645852612178535, 26.3124352495832),
        ]
        var r = 0.0
        var g = 0.0
        var b = 0.0
        for k in stride(from: c.count - 1, through: 0, by: -1) {
            r = r * x + c[k].0
            g = g * x + c[k].1
            b = b * x + c[k].2
        }
        func byte(_ v: Double) -> UInt8 { UInt8(min(255, max(0, (v * 255).rounded()))) }
        return (byte(r), byte(g), byte(b))
    }
}
