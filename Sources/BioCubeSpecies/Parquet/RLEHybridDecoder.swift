/// Decodes Parquet's RLE / bit-packed hybrid encoding (definition levels, dictionary
/// indices, booleans), bounds-checked.
struct RLEHybridDecoder {
    struct Failure: Error { let reason: String }

    let data: UnsafeRawBufferPointer
    let bitWidth: Int
    private var position = 0

    init(_ data: UnsafeRawBufferPointer, bitWidth: Int) {
        self.data = data
        self.bitWidth = bitWidth
    }

    private mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard position < data.count, shift < 64 else { throw Failure(reason: "truncated run header") }
            let b = data[position]; position += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Decodes exactly `count` values into `out` (appending).
    mutating func decode(_ count: Int, into out: inout [UInt32]) throws {
        guard (0...32).contains(bitWidth) else { throw Failure(reason: "bit width \(bitWidth) is not in 0…32") }
        var remaining = count
        let byteWidth = (bitWidth + 7) / 8
        while remaining > 0 {
            let header = try varint()
            if header & 1 == 0 {
                let run = Int(min(header >> 1, UInt64(Int32.max)))
                guard run > 0 else { throw Failure(reason: "empty RLE run") }
                guard position + byteWidth <= data.count else { throw Failure(reason: "truncated RLE value") }
                var value: UInt32 = 0
                for k in 0..<byteWidth { value |= UInt32(data[position + k]) << (8 * UInt32(k)) }
                position += byteWidth
                let n = min(run, remaining)
                out.append(contentsOf: repeatElement(value, count: n))
                remaining -= n
            } else {
                let groups = Int(min(header >> 1, UInt64(Int32.max)))
                let values = groups * 8
                let bytes = groups * bitWidth
                guard position + bytes <= data.count else { throw Failure(reason: "truncated bit-packed run") }
                let n = min(values, remaining)
                if bitWidth == 0 {
                    out.append(contentsOf: repeatElement(0, count: n))
                } else {
                    let mask: UInt64 = bitWidth == 32 ? 0xFFFF_FFFF : (1 << UInt64(bitWidth)) - 1
                    for k in 0..<n {
                        let bit = k * bitWidth
                        var word: UInt64 = 0
                        let first = position + bit / 8
                        for b in 0..<min(8, data.count - first) { word |= UInt64(data[first + b]) << (8 * UInt64(b)) }
                        out.append(UInt32((word >> UInt64(bit % 8)) & mask))
                    }
                }
                position += bytes
                remaining -= n
            }
        }
    }
}
