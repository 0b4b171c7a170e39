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
            handle, Int32(MPG123_ADD_FLAGS.rawValue),
            Int(MPG123_FORCE_FLOAT.rawValue | MPG123_QUIET.rawValue | MPG123_GAPLESS.rawValue), 0)
        _ = mpg123_format_none(handle)
        var rates: UnsafePointer<Int>? = nil
        var rateCount = 0
        mpg123_rates(&rates, &rateCount)
        for i in 0..<rateCount {
            _ = mpg123_format(
                handle, rates![i], Int32(MPG123_MONO.rawValue | MPG123_STEREO.rawValue),
                Int32(MPG123_ENC_FLOAT_32.rawValue))
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
                        .unsupported, "the stream changes format mid-way (\(rate) Hz → \(newRate) Hz)",
                        file: name)
                }
                (rate, channels) = (newRate, newChannels)
            case Int32(MPG123_NEED_MORE.rawValue), Int32(MPG123_DONE.rawValue):
                break loop
            default:
                throw fail("libmpg123: \(message())")
            }
        }
        guard rate > 0, channels > 0, !interleaved.isEmpty else { throw fail("no MPEG audio frames") }
        guard interleaved.allSatisfy(\.isFinite) else { throw fail("decoded samples that are not finite") }
        return AudioClip(
            samples: AudioClip.mixed(interleaved, channels: Int(channels)), sampleRate: rate,
            sourceChannels: Int(channels))
    }
}
