import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeMedia

private let media = FixtureSet("media")

private func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite("Audio: Fourier transform, resampling, decoding, features")
struct AudioTests {
    /// The power spectrum against a direct O(n²) DFT in double precision.
    @Test(arguments: [1, 2, 8, 64, 400, 512, 37, 1000])
    func powerSpectrumMatchesDirectTransform(size: Int) {
        var g = SplitMix64(seed: UInt64(size))
        let x = (0..<size).map { _ in Double(g.nextSignedUnit()) }
        let fft = FourierTransform(size: size)
        var scratch = fft.makeScratch()
        var power = [Double](repeating: 0, count: size / 2 + 1)
        x.withUnsafeBufferPointer { xs in
            power.withUnsafeMutableBufferPointer { fft.powerSpectrum(xs, into: $0, scratch: &scratch) }
        }
        for k in 0...(size / 2) {
            var re = 0.0
            var im = 0.0
            for (j, v) in x.enumerated() {
                let a = -2 * Double.pi * Double(j * k % size) / Double(size)
                re += v * cos(a)
                im += v * sin(a)
            }
            let expected = re * re + im * im
            #expect(abs(power[k] - expected) <= 1e-9 * max(1, expected), "size \(size), bin \(k)")
        }
    }

    /// Amplitude of a tone at `frequency` in `x` (sampled at `rate`), by correlation.
    private func amplitude(_ x: ArraySlice<Float>, frequency: Double, rate: Int) -> Double {
        var s = 0.0
        var c = 0.0
        for (i, v) in x.enumerated() {
            let a = 2 * Double.pi * frequency * Double(i) / Double(rate)
            s += Double(v) * sin(a)
            c += Double(v) * cos(a)
        }
        return 2 * (s * s + c * c).squareRoot() / Double(x.count)
    }

    @Test(arguments: [(44_100, 16_000), (48_000, 16_000), (22_050, 16_000), (8_000, 16_000), (11_025, 16_000)])
    func resamplerKeepsThePassBandAndRejectsAliases(from: Int, to: Int) {
        let seconds = 1.0
        let n = Int(Double(from) * seconds)
        let nyquist = Double(min(from, to)) / 2
        let pass = 0.85 * nyquist
        let tone = (0..<n).map { Float(0.5 * sin(2 * Double.pi * pass * Double($0) / Double(from))) }
        let r = Resampler(from: from, to: to)
        let y = r(tone)
        #expect(y.count == (n * to + from - 1) / from)
        // Away from the edges (the filter's reach), the tone keeps its amplitude within 0.1 dB.
        let inner = y[(to / 10)..<(y.count - to / 10)]
        let gain = amplitude(inner, frequency: pass, rate: to) / 0.5
        #expect(abs(20 * log10(gain)) < 0.1, "\(from) → \(to): pass band gain \(20 * log10(gain)) dB")
        if from > to {
            // A tone above 1.05 × the new Nyquist frequency is gone (> 80 dB down).
            let above = 1.06 * Double(to) / 2
            let alias = (0..<n).map { Float(0.5 * sin(2 * Double.pi * above * Double($0) / Double(from))) }
            let z = r(alias)
            let peak = z[(to / 10)..<(z.count - to / 10)].map { abs(Double($0)) }.max() ?? 0
            #expect(20 * log10(peak / 0.5) < -80, "\(from) → \(to): alias at \(20 * log10(peak / 0.5)) dB")
        }
    }

    @Test func resamplerMatchesTheIndependentReference() throws {
        let clip = try AudioClip(contentsOf: try media.path("clip44k.wav"))
        let expected = try media.floats("clip44k.resampled16k.f32")
        let y = Resampler(from: 44_100, to: 16_000)(clip.samples)
        #expect(y.count == expected.count)
        #expect(maxAbsDifference(y, expected) < 2e-6)
    }

    @Test(arguments: [
        "pcm8.wav", "pcm16.wav", "pcm24.wav", "pcm32.wav", "float32.wav", "float64.wav", "pcm24-ext.wav",
        "float32-ext.wav",
    ])
    func wavFormatsDecodeToTheStoredValues(name: String) throws {
        let clip = try AudioClip(contentsOf: try media.path(name))
        let expected = try media.floats(name + ".f32")
        #expect(clip.sampleRate == 16_000)
        #expect(clip.sourceChannels == 2)
        #expect(clip.samples.count == expected.count)
        #expect(maxAbsDifference(clip.samples, expected) < 1e-7)
    }

    @Test func truncatedAndForeignFilesAreErrorsNamingTheFile() throws {
        let cut = try media.path("truncated.wav")
        #expect {
            _ = try AudioClip(contentsOf: cut)
        } throws: { ($0 as? BioCubeError)?.code == .corruptData && ($0 as? BioCubeError)?.file == cut }
        let photo = try media.path("photo.jpg")
        #expect {
            _ = try AudioClip(contentsOf: photo)
        } throws: { ($0 as? BioCubeError)?.code == .unsupported && "\($0)".contains("photo.jpg") }
        #expect(throws: BioCubeError.self) {
            _ = try AudioClip(decoding: Array("ID3 but nothing else".utf8), name: "x.mp3")
        }
    }

    /// libmpg123's decode of a LAME-encoded tone against LAME's own decoder.
    @Test func mp3DecodesLikeAnIndependentDecoder() throws {
        let clip = try AudioClip(contentsOf: try media.path("tone.mp3"))
        let reference = try AudioClip(contentsOf: try media.path("tone.lame.wav"))
        #expect(clip.sampleRate == 44_100)
        #expect(clip.sourceChannels == 1)
        // Both decoders drop the encoder delay; lengths agree within one MPEG frame.
        #expect(abs(clip.samples.count - reference.samples.count) <= 1152)
        // Find the best alignment within ±1152 samples, then compare sample by sample.
        var best = (shift: 0, error: Double.infinity)
        for shift in -1152...1152 {
            var e = 0.0
            var n = 0
            for i in stride(from: 5000, to: 40_000, by: 7) where i + shift >= 0 && i + shift < reference.samples.count {
                let d = Double(clip.samples[i] - reference.samples[i + shift])
                e += d * d
                n += 1
            }
            if e / Double(n) < best.error { best = (shift, e / Double(n)) }
        }
        #expect(best.error.squareRoot() < 2e-3, "RMS difference \(best.error.squareRoot()) at shift \(best.shift)")
        // The 440 Hz tone has the amplitude LAME's decoder finds (the encoder lowers it by ~5 %).
        let ours = amplitude(clip.samples[5000..<40_000], frequency: 440, rate: 44_100)
        let theirs = amplitude(reference.samples[5000..<40_000], frequency: 440, rate: 44_100)
        #expect(abs(ours - theirs) < 0.005 && abs(theirs - 0.5) < 0.05, "\(ours) vs LAME's \(theirs)")
    }

    @Test func featuresMatchTheNumPyReference() throws {
        let audio = try AudioPreprocessor()
        let f = try audio.features(ofFile: try media.path("clip44k.wav"))
        let mel = try media.floats("clip44k.logmel.f32")
        let mfcc = try media.floats("clip44k.mfcc.f32")
        #expect(f.logMel.shape == [64, mel.count / 64])
        #expect(f.mfcc.shape == [20, mel.count / 64])
        #expect(maxAbsDifference(f.logMel.storage, mel) < 2e-3, "log-mel dB")
        #expect(maxAbsDifference(f.mfcc.storage, mfcc) < 2e-2, "MFCC")
    }

    @Test func otherSettingsMatchTheNumPyReference() throws {
        var options = AudioFeatureOptions()
        options.fftSize = 512
        options.hopLength = 128
        options.melBands = 40
        options.mfccCount = 13
        options.minimumFrequency = 50
        options.maximumFrequency = 7000
        options.topDecibels = nil
        let f = try AudioPreprocessor(options: options).features(ofFile: try media.path("clip44k.wav"))
        let mel = try media.floats("clip44k.logmel-512.f32")
        let mfcc = try media.floats("clip44k.mfcc-512.f32")
        #expect(f.logMel.shape == [40, mel.count / 40])
        #expect(maxAbsDifference(f.logMel.storage, mel) < 2e-3)
        #expect(maxAbsDifference(f.mfcc.storage, mfcc) < 2e-2)
    }

    @Test func badSettingsAreRefusedNamingTheSetting() {
        var o = AudioFeatureOptions()
        o.mfccCount = 100
        #expect(throws: BioCubeError.self) { _ = try AudioPreprocessor(options: o) }
        o = AudioFeatureOptions()
        o.maximumFrequency = 9000
        #expect { _ = try AudioPreprocessor(options: o) } throws: { "\($0)".contains("9000") }
    }

    @Test func framesAreFittedByEveryPolicy() throws {
        let t = try Tensor(shape: [2, 5], storage: [1, 2, 3, 4, 5, 10, 20, 30, 40, 50])
        #expect(try AudioFeatures.fitted(t, toFrames: 3, by: .cropCentre).storage == [2, 3, 4, 20, 30, 40])
        #expect(try AudioFeatures.fitted(t, toFrames: 3, by: .cropStart).storage == [1, 2, 3, 10, 20, 30])
        #expect(
            try AudioFeatures.fitted(t, toFrames: 7, by: .cropStart).storage == [
                1, 2, 3, 4, 5, 1, 1, 10, 20, 30, 40, 50, 1, 1,
            ]
        )
        #expect(try AudioFeatures.fitted(t, toFrames: 2, by: .meanPool).storage == [1.5, 4, 15, 40])
        #expect(try AudioFeatures.fitted(t, toFrames: 10, by: .meanPool).storage.prefix(4) == [1, 1, 2, 2])
    }
}

@Suite("Audio: libsoxr resampling (the librosa preset)")
struct SoxrResamplingTests {
    /// librosa fixes the length to ⌈n · new / old⌉; a tone in the pass band keeps its amplitude.
    @Test(arguments: [(44100, 16000, 44100), (48000, 16000, 4801), (22050, 16000, 7), (8000, 16000, 1000)])
    func lengthAndPassBand(from: Int, to: Int, count: Int) throws {
        let x = (0..<count).map { Float(0.5 * sin(2 * Double.pi * 1000 * Double($0) / Double(from))) }
        let y = try Resampler.soxr(x, from: from, to: to)
        #expect(y.count == Int((Double(count) * Double(to) / Double(from)).rounded(.up)))
        if count > 10_000 {
            let middle = y[(y.count / 4)..<(3 * y.count / 4)]
            #expect(abs((middle.max() ?? 0) - 0.5) < 0.01)
        }
    }

    @Test func presetSelectsSoxr() {
        #expect(AudioFeatureOptions(preset: .librosa).resampling == .soxrHQ)
        #expect(AudioFeatureOptions().resampling == .kaiser)
    }
}
