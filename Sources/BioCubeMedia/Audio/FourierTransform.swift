import Foundation

/// The discrete Fourier transform of real frames of one length, any length: a radix-2
/// transform of half the length for powers of two, Bluestein's chirp-z algorithm (through a
/// power-of-two transform) otherwise. Twiddles and chirps are computed once, in double
/// precision; one value serves every frame of a clip (it is immutable and `Sendable`).
struct FourierTransform: Sendable {
    /// The frame length.
    let size: Int
    private let plan: Plan

    private enum Plan: Sendable {
        case trivial
        case halfLength(ComplexTransform, twiddleRe: [Double], twiddleIm: [Double])
        case bluestein(ComplexTransform, chirpRe: [Double], chirpIm: [Double], kernelRe: [Double], kernelIm: [Double])
    }

    /// A transform of `size`-sample frames (`size` ≥ 1).
    init(size: Int) {
        precondition(size >= 1, "FourierTransform: size \(size)")
        self.size = size
        if size == 1 {
            plan = .trivial
        } else if size & (size - 1) == 0 {
            let half = size / 2
            var re = [Double](repeating: 0, count: half + 1)
            var im = re
            for k in 0...half {
                let a = -2 * Double.pi * Double(k) / Double(size)
                re[k] = cos(a)
                im[k] = sin(a)
            }
            plan = .halfLength(ComplexTransform(size: half), twiddleRe: re, twiddleIm: im)
        } else {
            var m = 1
            while m < 2 * size - 1 { m <<= 1 }
            let fft = ComplexTransform(size: m)
            var cRe = [Double](repeating: 0, count: size)
            var cIm = cRe
            for k in 0..<size {
                // exp(-iπk²/n), with k² reduced modulo 2n so the angle stays exact.
                let k2 = (k * k) % (2 * size)
                let a = -Double.pi * Double(k2) / Double(size)
                cRe[k] = cos(a)
                cIm[k] = sin(a)
            }
            var bRe = [Double](repeating: 0, count: m)
            var bIm = bRe
            bRe[0] = cRe[0]
            bIm[0] = -cIm[0]
            for k in 1..<size {
                bRe[k] = cRe[k]
                bIm[k] = -cIm[k]
                bRe[m - k] = cRe[k]
                bIm[m - k] = -cIm[k]
            }
            fft.forward(&bRe, &bIm)
            plan = .bluestein(fft, chirpRe: cRe, chirpIm: cIm, kernelRe: bRe, kernelIm: bIm)
        }
    }

    /// Reusable working memory of one caller (one per concurrent task).
    struct Scratch {
        var re: [Double]
        var im: [Double]
    }

    /// Working memory for this transform.
    func makeScratch() -> Scratch {
        switch plan {
        case .trivial: Scratch(re: [0], im: [0])
        case .halfLength(let f, _, _):
            Scratch(re: .init(repeating: 0, count: f.size), im: .init(repeating: 0, count: f.size))
        case .bluestein(let f, _, _, _, _):
            Scratch(re: .init(repeating: 0, count: f.size), im: .init(repeating: 0, count: f.size))
        }
    }

    /// Writes |X[k]|² for k = 0 … size/2 of the real frame `input` (`size` values) into
    /// `power` (`size / 2 + 1` values).
    func powerSpectrum(
        _ input: UnsafeBufferPointer<Double>, into power: UnsafeMutableBufferPointer<Double>, scratch: inout Scratch
    ) {
        precondition(input.count == size && power.count == size / 2 + 1)
        switch plan {
        case .trivial:
            power[0] = input[0] * input[0]
        case .halfLength(let fft, let tRe, let tIm):
            let m = fft.size
            for k in 0..<m {
                scratch.re[k] = input[2 * k]
                scratch.im[k] = input[2 * k + 1]
            }
            fft.forward(&scratch.re, &scratch.im)
            scratch.re.withUnsafeBufferPointer { zr in
                scratch.im.withUnsafeBufferPointer { zi in
                    for k in 0...m {
                        let a = k % m
                        let b = (m - k) % m
                        // E = (Z[k] + conj Z[m-k]) / 2, O = (Z[k] - conj Z[m-k]) / 2i.
                        let eRe = 0.5 * (zr[a] + zr[b])
                        let eIm = 0.5 * (zi[a] - zi[b])
                        let oRe = 0.5 * (zi[a] + zi[b])
                        let oIm = -0.5 * (zr[a] - zr[b])
                        let xRe = eRe + tRe[k] * oRe - tIm[k] * oIm
                        let xIm = eIm + tRe[k] * oIm + tIm[k] * oRe
                        power[k] = xRe * xRe + xIm * xIm
                    }
                }
            }
        case .bluestein(let fft, let cRe, let cIm, let bRe, let bIm):
            let m = fft.size
            for k in 0..<size {
                scratch.re[k] = input[k] * cRe[k]
                scratch.im[k] = input[k] * cIm[k]
            }
            for k in size..<m {
                scratch.re[k] = 0
                scratch.im[k] = 0
            }
            fft.forward(&scratch.re, &scratch.im)
            // Multiply by the kernel's transform and transform back (inverse = conjugate,
            // forward, conjugate, divide by m).
            for k in 0..<m {
                let r = scratch.re[k] * bRe[k] - scratch.im[k] * bIm[k]
                let i = scratch.re[k] * bIm[k] + scratch.im[k] * bRe[k]
                scratch.re[k] = r
                scratch.im[k] = -i
            }
            fft.forward(&scratch.re, &scratch.im)
            let scale = 1 / Double(m)
            for k in 0...(size / 2) {
                let r = scratch.re[k] * scale
                let i = -scratch.im[k] * scale
                let xRe = r * cRe[k] - i * cIm[k]
                let xIm = r * cIm[k] + i * cRe[k]
                power[k] = xRe * xRe + xIm * xIm
            }
        }
    }
}

/// An in-place iterative radix-2 complex transform (forward, unscaled) of one power-of-two length.
struct ComplexTransform: Sendable {
    let size: Int
    private let bitReversed: [Int32]
    private let cosines: [Double]
    private let sines: [Double]

    init(size: Int) {
        precondition(size >= 1 && size & (size - 1) == 0, "ComplexTransform: size \(size) is not a power of two")
        self.size = size
        let bits = size.trailingZeroBitCount
        bitReversed = (0..<size).map { i in
            var r = 0
            for b in 0..<bits where i & (1 << b) != 0 { r |= 1 << (bits - 1 - b) }
            return Int32(r)
        }
        cosines = (0..<max(1, size / 2)).map { cos(-2 * Double.pi * Double($0) / Double(size)) }
        sines = (0..<max(1, size / 2)).map { sin(-2 * Double.pi * Double($0) / Double(size)) }
    }

    func forward(_ re: inout [Double], _ im: inout [Double]) {
        let n = size
        guard n > 1 else { return }
        re.withUnsafeMutableBufferPointer { xr in
            im.withUnsafeMutableBufferPointer { xi in
                bitReversed.withUnsafeBufferPointer { rev in
                    for i in 0..<n {
                        let j = Int(rev[i])
                        if j > i {
                            xr.swapAt(i, j)
                            xi.swapAt(i, j)
                        }
                    }
                }
                cosines.withUnsafeBufferPointer { wr in
                    sines.withUnsafeBufferPointer { wi in
                        var length = 2
                        while length <= n {
                            let half = length / 2
                            let step = n / length
                            var start = 0
                            while start < n {
                                for j in 0..<half {
                                    let cr = wr[j * step]
                                    let ci = wi[j * step]
                                    let a = start + j
                                    let b = a + half
                                    let vr = xr[b] * cr - xi[b] * ci
                                    let vi = xr[b] * ci + xi[b] * cr
                                    xr[b] = xr[a] - vr
                                    xi[b] = xi[a] - vi
                                    xr[a] += vr
                                    xi[a] += vi
                                }
                                start += length
                            }
                            length <<= 1
                        }
                    }
                }
            }
        }
    }
}
