public import BioCubeCore

/// The features of one clip: log-mel energies `(melBands, frames)` and MFCCs
/// `(mfccCount, frames)`, frames every ``AudioFeatureOptions/hopLength`` samples over the
/// whole clip (nothing cut).
public struct AudioFeatures: Sendable {
    /// Log-mel energies in decibels, `(melBands, frames)`.
    public var logMel: Tensor
    /// Cepstral coefficients, `(mfccCount, frames)`.
    public var mfcc: Tensor
    /// The clip's length in seconds before analysis.
    public var duration: Double

    /// Features from their tensors.
    init(logMel: Tensor, mfcc: Tensor, duration: Double) {
        self.logMel = logMel
        self.mfcc = mfcc
        self.duration = duration
    }

    /// The number of frames.
    public var frames: Int { logMel.shape.last ?? 0 }

    /// How a clip's frames are brought to a fixed count for batches (the stored dataset keeps
    /// every frame).
    public enum FrameFit: String, Sendable, Hashable, Codable, CaseIterable {
        /// The centre frames, or the clip padded at the end with the tensor's minimum value
        /// (the log-mel floor).
        case cropCentre = "crop-centre"
        /// The first frames, or the clip padded at the end with the tensor's minimum value.
        case cropStart = "crop-start"
        /// Equal spans averaged: output frame `f` of `count` is the mean of input frames
        /// `⌊f·n / count⌋ ..< ⌊(f + 1)·n / count⌋` (at least one, so a shorter clip's frames
        /// repeat).
        case meanPool = "mean-pool"
    }

    /// `tensor` (`(rows, frames)`) brought to `count` frames by `fit`.
    public static func fitted(_ tensor: Tensor, toFrames count: Int, by fit: FrameFit) throws -> Tensor {
        guard tensor.shape.count == 2, count >= 1 else {
            throw BioCubeError(.invalidArgument, "fitting frames: shape \(tensor.shape), \(count) frames")
        }
        let (rows, frames) = (tensor.shape[0], tensor.shape[1])
        guard frames > 0 else { throw BioCubeError(.invalidArgument, "fitting frames: the clip has no frames") }
        var out = [Float](repeating: 0, count: rows * count)
        let floor = tensor.storage.min() ?? 0
        tensor.storage.withUnsafeBufferPointer { x in
            for r in 0..<rows {
                let row = x.baseAddress! + r * frames
                switch fit {
                case .cropCentre, .cropStart:
                    let skip = fit == .cropCentre ? max(0, (frames - count) / 2) : 0
                    for f in 0..<count { out[r * count + f] = skip + f < frames ? row[skip + f] : floor }
                case .meanPool:
                    for f in 0..<count {
                        var lo = f * frames / count
                        var hi = (f + 1) * frames / count
                        if hi <= lo { (lo, hi) = (min(lo, frames - 1), min(lo, frames - 1) + 1) }
                        var s: Float = 0
                        for k in lo..<hi { s += row[k] }
                        out[r * count + f] = s / Float(hi - lo)
                    }
                }
            }
        }
        return try Tensor(shape: [rows, count], storage: out)
    }
}
