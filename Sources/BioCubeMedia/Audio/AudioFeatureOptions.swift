import BioCubeCore

/// How clips become features: the target sample rate, the short-time Fourier transform, the
/// mel filter bank and the cepstral coefficients. The defaults are 25 ms frames every
/// 10 ms at 16 kHz, 64 mel bands, 20 MFCCs.
///
/// The conventions are librosa's (so features match models trained on them): frames are
/// centred (the clip is padded with `fftSize / 2` zeros at each end), the window is a
/// periodic Hann window of `fftSize` samples, the power spectrum goes through Slaney-style
/// mel filters (area-normalised triangles on the Slaney mel scale), the log is
/// `10 log10(max(power, 1e-10))` clipped to `topDecibels` below the clip's maximum, and the
/// MFCCs are the orthonormal DCT-II of the log-mel bands.
public struct AudioFeatureOptions: Sendable, Hashable, Codable {
    /// How a clip is brought to ``sampleRate``.
    public enum Resampling: String, Sendable, Hashable, Codable, CaseIterable {
        /// BioCube's Kaiser-windowed sinc (32 zero crossings, β = 9, roll-off 0.945; see
        /// `Documentation/Media.md`): over 80 dB down past 1.05 × the new Nyquist frequency.
        case kaiser
        /// libsoxr at its high quality (`SOXR_HQ`), fed as python-soxr feeds it: what
        /// `librosa.load(sr=…)` does by default (`res_type="soxr_hq"`), to float32 rounding.
        case soxrHQ = "soxr-hq"
    }

    /// Named settings that reproduce a library's pipeline.
    public enum Preset: String, Sendable, Hashable, Codable, CaseIterable {
        /// `librosa.load(path, sr=sampleRate)` (soundfile's float32 samples, channels averaged,
        /// soxr_hq resampling, the length fixed to `⌈n · new / old⌉`), then
        /// `librosa.feature.melspectrogram` + `power_to_db` + `mfcc` with these options.
        case librosa
    }

    /// How a clip is brought to ``sampleRate``.
    public var resampling: Resampling = .kaiser
    /// Sample rate the clip is resampled to before analysis, in hertz.
    public var sampleRate: Int = 16_000
    /// Samples per analysis frame (any length; powers of two are fastest).
    public var fftSize: Int = 400
    /// Samples between frame starts.
    public var hopLength: Int = 160
    /// Mel bands.
    public var melBands: Int = 64
    /// Cepstral coefficients kept (at most ``melBands``).
    public var mfccCount: Int = 20
    /// Lowest filter frequency, in hertz.
    public var minimumFrequency: Double = 0
    /// Highest filter frequency, in hertz; nil means half the sample rate.
    public var maximumFrequency: Double? = nil
    /// Log-mel values lower than the clip's maximum by more than this are raised to it; nil
    /// keeps every value.
    public var topDecibels: Double? = 80

    /// The defaults.
    public init() {}

    /// The settings of `preset`, with every analysis setting at its default.
    public init(preset: Preset) {
        switch preset {
        case .librosa: resampling = .soxrHQ
        }
    }

    /// Checks the settings; the error names the setting.
    func validated() throws -> AudioFeatureOptions {
        func fail(_ what: String) -> BioCubeError { BioCubeError(.invalidArgument, "audio features: \(what)") }
        guard (1_000...384_000).contains(sampleRate) else {
            throw fail("sample rate \(sampleRate) Hz is not 1000…384000")
        }
        guard (16...65_536).contains(fftSize) else { throw fail("FFT size \(fftSize) is not 16…65536") }
        guard (1...fftSize).contains(hopLength) else { throw fail("hop length \(hopLength) is not 1…\(fftSize)") }
        guard (1...512).contains(melBands) else { throw fail("mel bands \(melBands) is not 1…512") }
        guard (1...melBands).contains(mfccCount) else { throw fail("MFCC count \(mfccCount) is not 1…\(melBands)") }
        let top = maximumFrequency ?? Double(sampleRate) / 2
        guard minimumFrequency >= 0, top > minimumFrequency, top <= Double(sampleRate) / 2 else {
            throw fail("frequencies \(minimumFrequency)…\(top) Hz do not fit 0…\(sampleRate / 2) Hz")
        }
        if let t = topDecibels, !(t > 0) { throw fail("top decibels \(t) is not positive") }
        return self
    }
}
