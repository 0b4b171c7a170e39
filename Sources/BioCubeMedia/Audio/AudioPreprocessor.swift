import BioCubeCore
import Foundation

/// Turns clips into ``AudioFeatures``: resampling to the analysis rate, centred Hann-windowed
/// frames, power spectra, mel bands, decibels and MFCCs (conventions in
/// ``AudioFeatureOptions``). Deterministic; one value serves many clips and tasks.
///
/// ```swift
/// let audio = try AudioPreprocessor(options: AudioFeatureOptions())
/// let features = try audio.features(ofFile: "XC123456.mp3")
/// print(features.logMel.shape)   // [64, 1251] for 12.5 s
/// ```
public struct AudioPreprocessor: Sendable {
    /// The settings.
    public let options: AudioFeatureOptions
    private let transform: FourierTransform
    private let filters: MelFilterBank
    private let window: [Double]
    private let dct: [Double]

    /// Frames whose power spectra are projected onto the mel bands together.
    static let frameBlock = 512

    /// A preprocessor with checked `options`.
    public init(options: AudioFeatureOptions = AudioFeatureOptions()) throws {
        self.options = try options.validated()
        let n = options.fftSize
        transform = FourierTransform(size: n)
        filters = MelFilterBank(
            sampleRate: options.sampleRate,
            fftSize: n,
            bands: options.melBands,
            minimumFrequency: options.minimumFrequency,
            maximumFrequency: options.maximumFrequency ?? Double(options.sampleRate) / 2
        )
        window = (0..<n).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n)) }
        let (m, c) = (options.melBands, options.mfccCount)
        var d = [Double](repeating: 0, count: c * m)
        for k in 0..<c {
            let scale = (k == 0 ? 1 / Double(m) : 2 / Double(m)).squareRoot()
            for i in 0..<m { d[k * m + i] = scale * cos(Double.pi * Double(k) * (2 * Double(i) + 1) / (2 * Double(m))) }
        }
        dct = d
    }

    /// The features of the audio file at `path` (WAV or MP3); errors name the file.
    public func features(ofFile path: String) throws -> AudioFeatures {
        do { return try features(of: try AudioClip(contentsOf: path)) } catch let e as BioCubeError {
            throw e.adding(file: path)
        }
    }

    /// The features of `clip`, resampled to ``AudioFeatureOptions/sampleRate`` first.
    public func features(of clip: AudioClip) throws -> AudioFeatures {
        guard clip.sampleRate > 0 else { throw BioCubeError(.invalidArgument, "audio clip with sample rate 0") }
        let samples: [Float]
        if clip.sampleRate == options.sampleRate {
            samples = clip.samples
        } else {
            switch options.resampling {
            case .kaiser: samples = Resampler(from: clip.sampleRate, to: options.sampleRate)(clip.samples)
            case .soxrHQ: samples = try Resampler.soxr(clip.samples, from: clip.sampleRate, to: options.sampleRate)
            }
        }
        let n = options.fftSize
        let hop = options.hopLength
        let pad = n / 2
        // Centred frames as librosa counts them: the padded clip holds `frames` whole frames
        // (at least one; a clip shorter than a frame is padded with zeros).
        let frames = max(1, 1 + (samples.count + 2 * pad - n) / hop)
        let bins = n / 2 + 1
        let (m, c) = (options.melBands, options.mfccCount)
        var mel = [Double](repeating: 0, count: m * frames)
        var scratch = transform.makeScratch()
        var power = [Double](repeating: 0, count: bins)
        // Batched mel projection: the power spectra of a block of frames are kept bin-major
        // (`block[k · width + f]`), so each band is a sum of a few contiguous rows scaled by
        // its filter weights — vector work over frames instead of a dot product per frame.
        let width = min(frames, Self.frameBlock)
        var block = [Double](repeating: 0, count: bins * width)
        samples.withUnsafeBufferPointer { x in
            window.withUnsafeBufferPointer { win in
                mel.withUnsafeMutableBufferPointer { mel in
                    block.withUnsafeMutableBufferPointer { block in
                        var f0 = 0
                        while f0 < frames {
                            let count = min(width, frames - f0)
                            for j in 0..<count {
                                let start = (f0 + j) * hop - pad
                                power.withUnsafeMutableBufferPointer { p in
                                    transform.powerSpectrum(into: p, scratch: &scratch) { frame in
                                        if start >= 0 && start + n <= x.count {
                                            for i in 0..<n { frame[i] = Double(x[start + i]) * win[i] }
                                        } else {
                                            for i in 0..<n {
                                                let k = start + i
                                                frame[i] = k >= 0 && k < x.count ? Double(x[k]) * win[i] : 0
                                            }
                                        }
                                    }
                                    for k in 0..<bins { block[k * width + j] = p[k] }
                                }
                            }
                            for (b, filter) in filters.filters.enumerated() {
                                let row = mel.baseAddress! + b * frames + f0
                                for j in 0..<count { row[j] = 0 }
                                for (i, w) in filter.weights.enumerated() {
                                    let bin = block.baseAddress! + (filter.first + i) * width
                                    for j in 0..<count { row[j] += w * bin[j] }
                                }
                                for j in 0..<count { row[j] = 10 * log10(max(1e-10, row[j])) }
                            }
                            f0 += count
                        }
                    }
                }
            }
        }
        if let top = options.topDecibels, let peak = mel.max() {
            let floor = peak - top
            for i in mel.indices where mel[i] < floor { mel[i] = floor }
        }
        var cep = [Double](repeating: 0, count: c * frames)
        mel.withUnsafeBufferPointer { mel in
            cep.withUnsafeMutableBufferPointer { cep in
                for k in 0..<c {
                    let row = cep.baseAddress! + k * frames
                    for i in 0..<m {
                        let w = dct[k * m + i]
                        let band = mel.baseAddress! + i * frames
                        for f in 0..<frames { row[f] += w * band[f] }
                    }
                }
            }
        }
        return AudioFeatures(
            logMel: try Tensor(shape: [m, frames], storage: mel.map { Float($0) }),
            mfcc: try Tensor(shape: [c, frames], storage: cep.map { Float($0) }),
            duration: clip.duration
        )
    }
}
