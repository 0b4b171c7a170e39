import BioCubeCore

/// Parquet's DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and
/// BYTE_STREAM_SPLIT encodings, bounds-checked (a malformed stream is a `corruptData` error, never a trap).
enum DeltaDecoders {
    private struct Cursor {
        let data: UnsafeRawBufferPointer
        var position: Int

        mutating func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < data.count, shift < 64 else { throw BioCubeError(.truncated, "truncated varint") }
                let b = data[position]
                position += 1
                result |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
            }
        }

        mutating func zigzag() throws -> Int64 {
            let v = try varint()
            return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
        }
    }

    /// Decodes `count` integers of DELTA_BINARY_PACKED starting at `start`; returns them and
    /// the offset just past the stream. Arithmetic wraps (INT32 columns wrap at 32 bits).
    static func binaryPacked(
        _ data: UnsafeRawBufferPointer,
        from start: Int = 0,
        count: Int,
        bits32: Bool
    ) throws -> (values: [Int64], end: Int) {
        var c = Cursor(data: data, position: start)
        let blockSize = Int(clamping: try c.varint())
        let miniblocks = Int(clamping: try c.varint())
        let total = Int(clamping: try c.varint())
        var last = try c.zigzag()
        guard blockSize > 0, blockSize % 128 == 0, miniblocks > 0, blockSize % miniblocks == 0,
            (blockSize / miniblocks) % 32 == 0
        else {
            throw BioCubeError(.corruptData, "invalid block size \(blockSize) / \(miniblocks) miniblocks")
        }
        guard total >= count else { throw BioCubeError(.corruptData, "stream holds \(total) values, \(count) needed") }
        var out: [Int64] = []
        out.reserveCapacity(total)
        if total > 0 { out.append(bits32 ? Int64(Int32(truncatingIfNeeded: last)) : last) }
        let perMiniblock = blockSize / miniblocks
        while out.count < total {
            let minDelta = try c.zigzag()
            guard c.position + miniblocks <= data.count else {
                throw BioCubeError(.truncated, "truncated bit widths")
            }
            let widths = (0..<miniblocks).map { Int(data[c.position + $0]) }
            c.position += miniblocks
            for w in widths {
                guard out.count < total else { break }
                guard w <= 64 else { throw BioCubeError(.corruptData, "bit width \(w) exceeds 64") }
                let bytes = perMiniblock * w / 8
                guard c.position + bytes <= data.count else { throw BioCubeError(.truncated, "truncated miniblock") }
                for k in 0..<perMiniblock where out.count < total {
                    var delta: UInt64 = 0
                    if w > 0 {
                        let bit = k * w
                        var acc: UInt64 = 0
                        var got = 0
                        var byteIndex = c.position + bit / 8
                        var shift = bit % 8
                        while got < w {
                            let take = min(8 - shift, w - got)
                            let part = (UInt64(data[byteIndex]) >> UInt64(shift)) & ((1 << UInt64(take)) - 1)
                            acc |= part << UInt64(got)
                            got += take
                            shift = 0
                            byteIndex += 1
                        }
                        delta = acc
                    }
                    last = last &+ minDelta &+ Int64(bitPattern: delta)
                    out.append(bits32 ? Int64(Int32(truncatingIfNeeded: last)) : last)
                }
                c.position += bytes
            }
        }
        return (Array(out.prefix(count)), c.position)
    }

    /// DELTA_LENGTH_BYTE_ARRAY: the lengths (delta-packed), then the bytes back to back.
    static func lengthByteArray(_ data: UnsafeRawBufferPointer, count: Int) throws -> (values: [[UInt8]], end: Int) {
        let (lengths, start) = try binaryPacked(data, count: count, bits32: true)
        var out: [[UInt8]] = []
        out.reserveCapacity(count)
        var p = start
        for n in lengths {
            guard n >= 0, Int(n) <= data.count - p else {
                throw BioCubeError(.corruptData, "value length \(n) runs past the page")
            }
            out.append(Array(data[p..<(p + Int(n))]))
            p += Int(n)
        }
        return (out, p)
    }

    /// DELTA_BYTE_ARRAY: prefix lengths, then the suffixes as DELTA_LENGTH_BYTE_ARRAY; each
    /// value is the previous value's prefix followed by its suffix.
    static func byteArray(_ data: UnsafeRawBufferPointer, count: Int) throws -> [[UInt8]] {
        let (prefixes, start) = try binaryPacked(data, count: count, bits32: true)
        let (suffixes, _) = try lengthByteArray(UnsafeRawBufferPointer(rebasing: data[start...]), count: count)
        var out: [[UInt8]] = []
        out.reserveCapacity(count)
        var previous: [UInt8] = []
        for (p, s) in zip(prefixes, suffixes) {
            guard p >= 0, Int(p) <= previous.count else {
                throw BioCubeError(.corruptData, "prefix length \(p) exceeds the previous value")
            }
            previous = Array(previous.prefix(Int(p))) + s
            out.append(previous)
        }
        return out
    }

    /// BYTE_STREAM_SPLIT: byte k of value i is at `k * count + i`.
    static func byteStreamSplit(_ data: UnsafeRawBufferPointer, count: Int, width: Int) throws -> [UInt8] {
        guard count * width <= data.count else {
            throw BioCubeError(.corruptData, "\(count) values of \(width) bytes do not fit in \(data.count) bytes")
        }
        var out = [UInt8](repeating: 0, count: count * width)
        for k in 0..<width {
            for i in 0..<count { out[i * width + k] = data[k * count + i] }
        }
        return out
    }
}
