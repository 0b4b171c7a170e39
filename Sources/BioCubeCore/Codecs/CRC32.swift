internal import CZlib

/// CRC-32 (ISO 3309, the checksum of zip and gzip) through zlib.
package enum CRC32 {
    /// The CRC-32 of `bytes`, continuing from `crc` (start with 0).
    package static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var c = UInt(crc)
        var offset = 0
        // zlib takes a 32-bit length: feed large buffers in pieces.
        while offset < bytes.count {
            let n = min(bytes.count - offset, 1 << 30)
            c = crc32(c, bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self), UInt32(n))
            offset += n
        }
        return UInt32(truncatingIfNeeded: c)
    }
}
