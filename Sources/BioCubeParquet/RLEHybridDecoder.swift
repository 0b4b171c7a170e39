import BioCubeCore

/// Decodes Parquet's RLE / bit-packed hybrid encoding (definition levels, dictionary
/// indices, booleans), bounds-checked.
struct RLEHybridDecoder {
    let data: UnsafeRawBufferPointer
    let bitWidth: Int
    private var position = 0

    init(_ data: UnsafeRawBufferPointer, bitWidth: Int) {
        self.data = data
        self.bitWidth = bitWidth
    }

    private mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < data.count, shift < 64 else { throw BioCubeError(.truncated, "truncated run header") }
            let b = data[position]
            position += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Decodes exactly `count` values, appending them to `out`.
    mutating func decode(_ count: Int, into out: inout [UInt32]) throws {
        guard count > 0 else { return }
        var failure: (any Error)? = nil
        out.appendUninitialized(count) { buffer in
            do { try decode(count, writingTo: buffer.baseAddress!) } catch {
                failure = error
                buffer.update(repeating: 0)
            }
        }
        if let failure { throw failure }
    }

    /// Decodes exactly `count` values into `out[0..<count]` (a distinct label: `&array`
    /// must never convert silently to this pointer).
    mutating func decode(_ count: Int, writingTo out: UnsafeMutablePointer<UInt32>) throws {
        guard (0...32).contains(bitWidth) else {
            throw BioCubeError(.corruptData, "bit width \(bitWidth) is not in 0…32")
        }
        let byteWidth = (bitWidth + 7) / 8
        let mask: UInt64 = bitWidth == 32 ? 0xFFFF_FFFF : (1 << UInt64(bitWidth)) - 1
        var written = 0
        while written < count {
            let header = try varint()
            if header & 1 == 0 {
                let run = Int(min(header >> 1, UInt64(Int32.max)))
                guard run > 0 else { throw BioCubeError(.corruptData, "empty RLE run") }
                guard position + byteWidth <= data.count else {
                    throw BioCubeError(.truncated, "truncated RLE value")
                }
                var value: UInt32 = 0
                for k in 0..<byteWidth { value |= UInt32(data[position + k]) << (8 * UInt32(k)) }
                position += byteWidth
                let n = min(run, count - written)
                (out + written).update(repeating: value, count: n)
                written += n
            } else {
                let groups = Int(min(header >> 1, UInt64(Int32.max)))
                let bytes = groups * bitWidth
                guard position + bytes <= data.count else {
                    throw BioCubeError(.truncated, "truncated bit-packed run")
                }
                let n = min(groups * 8, count - written)
                if bitWidth == 0 || n == 0 {
                    (out + written).update(repeating: 0, count: n)
                } else {
                    // Each value lies within 5 bytes of its first byte (width ≤ 32, shift ≤ 7):
                    // one unaligned 8-byte load while 8 bytes remain in the run, bytewise after.
                    let src = data.baseAddress! + position
                    let dst = out + written
                    var bit = 0
                    for k in 0..<n {
                        let first = bit &>> 3
                        var word: UInt64
                        if first &+ 8 <= bytes {
                            word = UInt64(littleEndian: src.loadUnaligned(fromByteOffset: first, as: UInt64.self))
                        } else {
                            word = 0
                            for b in 0..<(bytes - first) {
                                word |= UInt64(src.load(fromByteOffset: first + b, as: UInt8.self)) << (8 * UInt64(b))
                            }
                        }
                        dst[k] = UInt32(truncatingIfNeeded: (word &>> UInt64(bit & 7)) & mask)
                        bit &+= bitWidth
                    }
                }
                position += bytes
                written += n
            }
        }
    }
}
