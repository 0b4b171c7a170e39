internal import CISAL

/// CRC-32C (Castagnoli), the checksum of the Zarr `crc32c` codec: Intel ISA-L's
/// `crc32_iscsi` (the processor's CRC instructions; about 20× the table code below on the
/// chunks of a store, where it was a sixth of a window's read time), with a slicing-by-8
/// table implementation kept as the reference the tests compare it with.
package enum CRC32C {
    /// The checksum of `bytes`, continuing a checksum of the bytes before them.
    package static func checksum(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
        guard var base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return previous }
        var crc = ~previous
        var left = bytes.count
        while left > 0 {
            let n = min(left, 1 << 30)
            crc = crc32_iscsi(UnsafeMutablePointer(mutating: base), Int32(n), crc)
            base += n
            left -= n
        }
        return ~crc
    }

    /// Eight 256-entry tables, flattened: entry `k * 256 + i`.
    private static let table: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 { t[k * 256 + i] = (t[(k - 1) * 256 + i] >> 8) ^ t[Int(t[(k - 1) * 256 + i] & 0xFF)] }
        }
        return t
    }()

    /// The checksum of `bytes` by table lookups (slicing-by-8): the reference.
    package static func referenceChecksum(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
        var crc: UInt32 = ~previous
        table.withUnsafeBufferPointer { t in
            var i = 0
            let n = bytes.count
            while i + 8 <= n {
                let lo =
                    UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3])
                    << 24
                let x = crc ^ lo
                crc =
                    t[7 * 256 + Int(x & 0xFF)] ^ t[6 * 256 + Int((x >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((x >> 16) & 0xFF)] ^ t[4 * 256 + Int(x >> 24)]
                    ^ t[3 * 256 + Int(bytes[i + 4])] ^ t[2 * 256 + Int(bytes[i + 5])]
                    ^ t[1 * 256 + Int(bytes[i + 6])] ^ t[Int(bytes[i + 7])]
                i += 8
            }
            while i < n {
                crc = t[Int((crc ^ UInt32(bytes[i])) & 0xFF)] ^ (crc >> 8)
                i += 1
            }
        }
        return ~crc
    }
}
