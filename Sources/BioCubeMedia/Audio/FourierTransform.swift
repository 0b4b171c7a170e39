internal import CFFTW
import Foundation

/// The power spectrum of real frames of one length, any length, through FFTW (double
/// precision; a plan made once per length with `FFTW_ESTIMATE`, so the result does not
/// depend on timing). FFTW's planner is not thread-safe: plans are made and destroyed under
/// one lock; executing a plan on new arrays is safe from any thread, so one value serves
/// every frame of every clip on every core.
final class FourierTransform: @unchecked Sendable {
    /// The frame length.
    let size: Int
    private let plan: fftw_plan
    private static let planner = NSLock()

    /// Per-task buffers for ``powerSpectrum(_:into:scratch:)``.
    struct Scratch {
        fileprivate var frame: [Double]
        fileprivate var spectrum: [Double]
    }

    /// A transform of `size`-sample frames (`size` ≥ 1).
    init(size: Int) {
        precondition(size >= 1, "FourierTransform: size \(size)")  // invariant: AudioFeatureOptions checks 16…65536
        self.size = size
        let input = fftw_alloc_real(size)!
        let output = fftw_alloc_complex(size / 2 + 1)!
        defer {
            fftw_free(input)
            fftw_free(output)
        }
        plan = Self.planner.withLock { fftw_plan_dft_r2c_1d(Int32(size), input, output, biocube_fftw_flags)! }
    }

    deinit { Self.planner.withLock { fftw_destroy_plan(plan) } }

    /// Buffers for one task.
    func makeScratch() -> Scratch {
        Scratch(frame: [Double](repeating: 0, count: size), spectrum: [Double](repeating: 0, count: 2 * (size / 2 + 1)))
    }

    /// `|X[k]|²` for `k = 0 … size/2` of `frame` (`size` values) into `power`.
    func powerSpectrum(
        _ frame: UnsafeBufferPointer<Double>,
        into power: UnsafeMutableBufferPointer<Double>,
        scratch: inout Scratch
    ) {
        precondition(frame.count == size && power.count >= size / 2 + 1)  // invariant: callers size both
        scratch.frame.withUnsafeMutableBufferPointer { f in
            _ = f.initialize(from: frame)
            scratch.spectrum.withUnsafeMutableBufferPointer { s in
                biocube_fftw_power(plan, f.baseAddress, s.baseAddress, power.baseAddress, Int32(size))
            }
        }
    }

    /// `|X[k]|²` of the frame already in `scratch`'s frame buffer (filled by `fill`).
    func powerSpectrum(
        into power: UnsafeMutableBufferPointer<Double>,
        scratch: inout Scratch,
        fill: (UnsafeMutableBufferPointer<Double>) -> Void
    ) {
        scratch.frame.withUnsafeMutableBufferPointer { f in
            fill(f)
            scratch.spectrum.withUnsafeMutableBufferPointer { s in
                biocube_fftw_power(plan, f.baseAddress, s.baseAddress, power.baseAddress, Int32(size))
            }
        }
    }
}
