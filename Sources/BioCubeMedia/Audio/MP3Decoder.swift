import BioCubeCore
internal import CMPG123

/// MPEG audio (MP3) decoding through libmpg123, to float samples; the encoder's delay and
/// padding are removed when the file carries a LAME/Xing header (gapless decoding).
enum MP3Decoder {
    private static let initialised: Bool = { mpg123_init() == Int32(MPG123_OK.rawValue) }()

    /// An ID3v2 tag or an MPEG audio frame sync at the start.
    static func looksLikeMP3(_ bytes: [UInt8]) -> Bool {
        if bytes.count >= 3, bytes[0..<3].elementsEqual("ID3".utf8) { return true }
        return bytes.count >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0
    }

    /// Walks the MPEG frame chain by the frame lengths the headers declare; when the last
    /// frame runs past the end of the file, its number and how many bytes are missing (a
    /// file cut mid-frame, which the decoder would otherwise drop without a word). Trailing
    /// tags (ID3v1, APE, Lyrics3) and free-format streams end the walk without a verdict.
    static func lastFrameShortfall(_ b: [UInt8]) -> (frame: Int, missing: Int)? {
        var pos = 0
        if b.count >= 10, b[0..<3].elementsEqual("ID3".utf8) {
            let size = b[6...9].reduce(0) { ($0 << 7) | Int($1 & 0x7F) }
            pos = 10 + size + (b[5] & 0x10 != 0 ? 10 : 0)
        }
        let v1: [[Int]] = [
            [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
            [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
            [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
        ]
        let v2: [[Int]] = [
            [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
            [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
            [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
        ]
        var frame = 0
        while pos + 4 <= b.count {
            if b[pos..<(pos + 3)].elementsEqual("TAG".utf8) || b[pos...].starts(with: Array("APETAGEX".utf8))
                || b[pos...].starts(with: Array("LYRICS".utf8))
            {
                return nil
            }
            let h = b[pos..<(pos + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let version = (h >> 19) & 3
            let layer = (h >> 17) & 3
            let bitrate = Int((h >> 12) & 15)
            let rateIndex = Int((h >> 10) & 3)
            let padding = Int((h >> 9) & 1)
            guard h >> 21 == 0x7FF, version != 1, layer != 0, bitrate != 15, rateIndex != 3 else { return nil }
            guard bitrate != 0 else { return nil }  // free format: lengths are not in the header
            let l = 3 - Int(layer)  // 0: layer I, 1: II, 2: III
            let kbps = (version == 3 ? v1 : v2)[l][bitrate - 1]
            let rate = [[11025, 12000, 8000], [0, 0, 0], [22050, 24000, 16000], [44100, 48000, 32000]][Int(version)][
                rateIndex
            ]
            let length =
                l == 0
                ? (12 * kbps * 1000 / rate + padding) * 4
                : (l == 2 && version != 3 ? 72 : 144) * kbps * 1000 / rate + padding
            frame += 1
            if pos + length > b.count { return (frame, pos + length - b.count) }
            pos += length
        }
        return nil
    }

    static func decode(_ bytes: [UInt8], name: String) throws -> AudioClip {
        func fail(_ what: String) -> BioCubeError { BioCubeError(.corruptData, "\(what)", file: name) }
        guard initialised else { throw BioCubeError(.io, "\(name): libmpg123 could not be initialised") }
        var status: Int32 = 0
        guard let handle = mpg123_new(nil, &status) else {
            throw BioCubeError(.io, "\(name): libmpg123: \(String(cString: mpg123_plain_strerror(status)))")
        }
        defer { mpg123_delete(handle) }
        func message() -> String { String(cString: mpg123_strerror(handle)) }
        _ = mpg123_param2(
            handle,
            Int32(MPG123_ADD_FLAGS.rawValue),
            Int(MPG123_FORCE_FLOAT.rawValue | MPG123_QUIET.rawValue | MPG123_GAPLESS.rawValue),
            0
        )
        _ = mpg123_format_none(handle)
        var rates: UnsafePointer<Int>? = nil
        var rateCount = 0
        mpg123_rates(&rates, &rateCount)
        for i in 0..<rateCount {
            _ = mpg123_format(
                handle,
                rates![i],
                Int32(MPG123_MONO.rawValue | MPG123_STEREO.rawValue),
                Int32(MPG123_ENC_FLOAT_32.rawValue)
            )
        }
        guard mpg123_open_feed(handle) == Int32(MPG123_OK.rawValue) else { throw fail("libmpg123: \(message())") }
        var rate = 0
        var channels: Int32 = 0
        var interleaved: [Float] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let fed = bytes.withUnsafeBufferPointer { mpg123_feed(handle, $0.baseAddress, $0.count) }
        guard fed == Int32(MPG123_OK.rawValue) else { throw fail("libmpg123: \(message())") }
        loop: while true {
            var done = 0
            let r = buffer.withUnsafeMutableBytes { mpg123_read(handle, $0.baseAddress, $0.count, &done) }
            if done > 0 {
                buffer.withUnsafeBytes { raw in
                    interleaved.append(contentsOf: raw.bindMemory(to: Float.self).prefix(done / 4))
                }
            }
            switch r {
            case Int32(MPG123_OK.rawValue):
                continue
            case Int32(MPG123_NEW_FORMAT.rawValue):
                var encoding: Int32 = 0
                var newRate = 0
                var newChannels: Int32 = 0
                _ = mpg123_getformat(handle, &newRate, &newChannels, &encoding)
                if rate != 0, newRate != rate || newChannels != channels {
                    throw BioCubeError(
                        .unsupported,
                        "the stream changes format mid-way (\(rate) Hz → \(newRate) Hz)",
                        file: name
                    )
                }
                (rate, channels) = (newRate, newChannels)
            case Int32(MPG123_NEED_MORE.rawValue), Int32(MPG123_DONE.rawValue):
                break loop
            default:
                throw fail("libmpg123: \(message())")
            }
        }
        guard rate > 0, channels > 0, !interleaved.isEmpty else { throw fail("no MPEG audio frames") }
        // A file cut short: the LAME/Xing tag announces more samples than arrived, or the
        // input ends inside a frame (more than a trailing ID3v1 tag's 128 bytes undecoded).
        let decoded = interleaved.count / Int(channels)
        let announced = Int(mpg123_length(handle))
        if announced > 0, decoded < announced - announced / 100 {
            throw fail("the file is cut: its header announces \(announced) samples, it holds \(decoded)")
        }
        if let (frame, short) = lastFrameShortfall(bytes) {
            throw fail("the file is cut: frame \(frame) needs \(short) more bytes than the file holds")
        }
        guard interleaved.allSatisfy(\.isFinite) else { throw fail("decoded samples that are not finite") }
        return AudioClip(
            samples: AudioClip.mixed(interleaved, channels: Int(channels)),
            sampleRate: rate,
            sourceChannels: Int(channels)
        )
    }
}
