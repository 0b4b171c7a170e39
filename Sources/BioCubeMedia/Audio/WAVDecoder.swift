import BioCubeCore

/// RIFF/WAVE decoding: PCM (8-bit unsigned, 16/24/32-bit signed) and IEEE float (32/64-bit),
/// plain or `WAVE_FORMAT_EXTENSIBLE`; chunks in any order, odd sizes padded.
struct WAVDecoder {
    let bytes: [UInt8]
    let name: String

    init(bytes: [UInt8], name: String) {
        self.bytes = bytes
        self.name = name
    }

    private func fail(_ what: String) -> BioCubeError { BioCubeError(.corruptData, "\(what)", file: name) }

    private func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
    private func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }

    func decode() throws -> AudioClip {
        var offset = 12
        var format: (tag: Int, channels: Int, rate: Int, bits: Int, blockAlign: Int)?
        var data: Range<Int>?
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = u32(offset + 4)
            let body = offset + 8
            if id == "fmt " {
                guard size >= 16, body + size <= bytes.count else { throw fail("fmt chunk of \(size) bytes is cut") }
                var tag = u16(body)
                if tag == 0xFFFE {
                    guard size >= 40 else { throw fail("extensible fmt chunk of \(size) bytes is cut") }
                    tag = u16(body + 24)  // the sub-format GUID's first two bytes
                }
                format = (tag, u16(body + 2), u32(body + 4), u16(body + 14), u16(body + 12))
            } else if id == "data" {
                // A data chunk cut short (a download cut mid-file) is an error, not silence.
                guard body + size <= bytes.count else {
                    throw fail("data chunk declares \(size) bytes but the file ends after \(bytes.count - body)")
                }
                data = body..<(body + size)
            }
            offset = body + size + (size & 1)
        }
        guard let format else { throw fail("no fmt chunk") }
        guard let data else { throw fail("no data chunk") }
        guard (1...64).contains(format.channels) else { throw fail("\(format.channels) channels") }
        // Recorders span 8 kHz (telephone) to ultrasound bat detectors (~1 MHz); a rate below
        // 1 kHz is not a sound recording, and resampling it would size absurd buffers.
        guard (1_000...1_000_000).contains(format.rate) else {
            throw fail("sample rate \(format.rate) Hz is not 1000…1000000 Hz")
        }
        let width = format.bits / 8
        let supported: Bool =
            switch format.tag {
            case 1: [8, 16, 24, 32].contains(format.bits)
            case 3: [32, 64].contains(format.bits)
            default: false
            }
        guard supported, format.bits % 8 == 0 else {
            throw BioCubeError(
                .unsupportedEncoding,
                "WAV format \(format.tag) with \(format.bits)-bit samples is not supported",
                file: name
            )
        }
        let frameBytes = width * format.channels
        let count = data.count / frameBytes * format.channels
        guard count > 0 else { throw fail("no samples (the data chunk is empty)") }
        var samples = [Float](repeating: 0, count: count)
        bytes.withUnsafeBufferPointer { src in
            samples.withUnsafeMutableBufferPointer { dst in
                var o = data.lowerBound
                for i in 0..<count {
                    switch (format.tag, format.bits) {
                    case (1, 8): dst[i] = (Float(src[o]) - 128) / 128
                    case (1, 16): dst[i] = Float(Int16(bitPattern: UInt16(src[o]) | UInt16(src[o + 1]) << 8)) / 32768
                    case (1, 24):
                        let v = Int32(
                            bitPattern: UInt32(src[o]) << 8 | UInt32(src[o + 1]) << 16 | UInt32(src[o + 2]) << 24
                        )
                        dst[i] = Float(Double(v >> 8) / 8_388_608)
                    case (1, 32):
                        let v = Int32(
                            bitPattern: UInt32(src[o]) | UInt32(src[o + 1]) << 8 | UInt32(src[o + 2]) << 16 | UInt32(
                                src[o + 3]
                            ) << 24
                        )
                        dst[i] = Float(Double(v) / 2_147_483_648)
                    case (3, 32):
                        dst[i] = Float(
                            bitPattern: UInt32(src[o]) | UInt32(src[o + 1]) << 8 | UInt32(src[o + 2]) << 16 | UInt32(
                                src[o + 3]
                            ) << 24
                        )
                    default:
                        var bits: UInt64 = 0
                        for b in 0..<8 { bits |= UInt64(src[o + b]) << (8 * b) }
                        dst[i] = Float(Double(bitPattern: bits))
                    }
                    o += width
                }
            }
        }
        guard samples.allSatisfy({ $0.isFinite }) else { throw fail("float samples that are NaN or infinite") }
        return AudioClip(
            samples: AudioClip.mixed(samples, channels: format.channels),
            sampleRate: format.rate,
            sourceChannels: format.channels
        )
    }
}
