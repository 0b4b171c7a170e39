internal import CZlib

/// zlib-format (RFC 1950) compression, as PNG image data needs.
package enum ZlibCodec {
    /// Compresses `bytes` into one zlib stream.
    package static func compress(_ bytes: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var size = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBufferPointer { dst in
            bytes.withUnsafeBufferPointer { src in
                compress2(dst.baseAddress, &size, src.baseAddress, uLong(src.count), level)
            }
        }
        guard status == Z_OK else { throw BioCubeError(.io, "zlib: compression failed (status \(status))") }
        out.removeLast(out.count - Int(size))
        return out
    }
}
