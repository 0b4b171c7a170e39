/// Encodes unsigned integers of a fixed bit width in Parquet's RLE / bit-packed hybrid:
/// runs of 8 or more equal values become RLE runs, the rest bit-packed groups of 8.
struct RLEHybridEncoder {
    let bitWidth: Int
    private var values: [UInt32] = []

    init(bitWidth: Int) { self.bitWidth = bitWidth }

    mutating func append(_ v: UInt32) { values.append(v) }

    /// The encoded bytes (without a length prefix).
    func finish() -> [UInt8] {
        var out: [UInt8] = []
        var pending: [UInt32] = []
        let byteWidth = (bitWidth + 7) / 8
        func varint(_ value: Int) {
            var v = UInt64(value)
            while v >= 0x80 {
                out.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            out.append(UInt8(v))
        }
        func flushPending() {
            guard !pending.isEmpty else { return }
            while pending.count % 8 != 0 { pending.append(0) }
            varint((pending.count / 8) << 1 | 1)
            var acc: UInt64 = 0
            var bits = 0
            for v in pending {
                acc |= UInt64(v) << UInt64(bits)
                bits += bitWidth
                while bits >= 8 {
                    out.append(UInt8(acc & 0xFF))
                    acc >>= 8
                    bits -= 8
                }
            }
            if bits > 0 { out.append(UInt8(acc & 0xFF)) }
            pending.removeAll(keepingCapacity: true)
        }
        var i = 0
        while i < values.count {
            var run = 1
            while i + run < values.count && values[i + run] == values[i] { run += 1 }
            if run >= 8 && pending.count % 8 == 0 {
                flushPending()
                varint(run << 1)
                for b in 0..<byteWidth { out.append(UInt8((values[i] >> UInt32(8 * b)) & 0xFF)) }
                i += run
            } else {
                // Fill the current group of 8; a long run may start on the next boundary.
                let take = run >= 8 ? (8 - pending.count % 8) : run
                for _ in 0..<take { pending.append(values[i]) }
                i += take
            }
        }
        flushPending()
        return out
    }
}
