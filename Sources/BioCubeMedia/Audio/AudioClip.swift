import BioCubeCore

/// Decoded audio: mono samples in [-1, 1] at one sample rate.
///
/// ```swift
/// let clip = try AudioClip(contentsOf: "Life/Turdus merula/sounds/XC123456.mp3")
/// print(clip.sampleRate, clip.duration)     // 44100 12.5
/// ```
public struct AudioClip: Sendable, Hashable {
    /// The samples, one channel (several channels are mixed by averaging).
    public var samples: [Float]
    /// Samples per second.
    public var sampleRate: Int
    /// Channels in the source before mixing.
    public var sourceChannels: Int

    /// A clip of `samples` at `sampleRate`.
    public init(samples: [Float], sampleRate: Int, sourceChannels: Int = 1) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.sourceChannels = sourceChannels
    }

    /// The length in seconds.
    public var duration: Double { sampleRate > 0 ? Double(samples.count) / Double(sampleRate) : 0 }

    /// Decodes a WAV (PCM 8/16/24/32-bit, float 32/64) or MP3 file, recognised by its first
    /// bytes, and mixes it to mono. Errors name the file.
    public init(contentsOf path: String) throws {
        let bytes = try FileIO.read(path)
        try self.init(decoding: bytes, name: path)
    }

    /// Decodes WAV or MP3 bytes; `name` is used in errors.
    public init(decoding bytes: [UInt8], name: String) throws {
        if bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8) || bytes[0..<4].elementsEqual("RF64".utf8),
            bytes[8..<12].elementsEqual("WAVE".utf8)
        {
            self = try WAVDecoder(bytes: bytes, name: name).decode()
        } else if MP3Decoder.looksLikeMP3(bytes) {
            self = try MP3Decoder.decode(bytes, name: name)
        } else {
            throw BioCubeError(.unsupported, "not a WAV or MP3 file", file: name)
        }
    }

    /// Mixes interleaved frames of `channels` channels to mono by averaging.
    static func mixed(_ interleaved: [Float], channels: Int) -> [Float] {
        guard channels > 1 else { return interleaved }
        let frames = interleaved.count / channels
        var out = [Float](repeating: 0, count: frames)
        let scale = 1 / Float(channels)
        interleaved.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for f in 0..<frames {
                    var s: Float = 0
                    for c in 0..<channels { s += src[f * channels + c] }
                    dst[f] = s * scale
                }
            }
        }
        return out
    }
}
