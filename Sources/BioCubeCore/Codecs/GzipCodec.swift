internal import CZlib

/// gzip (RFC 1952) compression through zlib, as the Zarr `gzip` codec specifies.
package enum GzipCodec {
    /// Compresses `source` into one gzip member at `level` (0…9).
    package static func compress(_ source: UnsafeRawBufferPointer, level: Int) throws -> [UInt8] {
        var stream = z_stream()
        let initStatus = deflateInit2_(
            &stream,
            Int32(clamping: level),
            Z_DEFLATED,
            15 + 16,
            8,
            Z_DEFAULT_STRATEGY,
            zlibVersion(),
            Int32(MemoryLayout<z_stream>.size)
        )
        guard initStatus == Z_OK else { throw BioCubeError(.io, "gzip: deflateInit failed (\(initStatus))") }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(source.count))) + 32
        var out = [UInt8](repeating: 0, count: bound)
        let produced = out.withUnsafeMutableBytes { dst -> Int32 in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(source.count)
            stream.next_out = dst.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(dst.count)
            return deflate(&stream, Z_FINISH)
        }
        guard produced == Z_STREAM_END else { throw BioCubeError(.io, "gzip: deflate failed (\(produced))") }
        out.removeSubrange(Int(stream.total_out)...)
        return out
    }

    /// The framing of deflate data.
    package enum Framing {
        /// gzip or zlib headers, detected.
        case gzipOrZlib
        /// Raw deflate (zip members).
        case raw

        var windowBits: Int32 { self == .raw ? -15 : 15 + 32 }
    }

    /// Inflates gzip/zlib (or raw deflate) data into exactly `destination.count` bytes.
    /// Several gzip members one after another (as some Parquet writers and `cat a.gz b.gz`
    /// produce) decode as their concatenation, as `gzip -d` does.
    package static func decompress(
        _ source: UnsafeRawBufferPointer,
        into destination: UnsafeMutableRawBufferPointer,
        framing: Framing = .gzipOrZlib
    ) throws {
        var stream = z_stream()
        let initStatus = inflateInit2_(&stream, framing.windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else { throw BioCubeError(.io, "gzip: inflateInit failed (\(initStatus))") }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(source.count)
        stream.next_out = destination.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(destination.count)
        var status = inflate(&stream, Z_FINISH)
        while status == Z_STREAM_END, framing == .gzipOrZlib, stream.avail_in >= 2, stream.avail_out > 0,
            stream.next_in[0] == 0x1F, stream.next_in[1] == 0x8B
        {
            // Another gzip member follows (inflateReset keeps the position, resets the totals).
            guard inflateReset(&stream) == Z_OK else { break }
            status = inflate(&stream, Z_FINISH)
        }
        switch status {
        case Z_STREAM_END:
            let produced = destination.count - Int(stream.avail_out)
            guard produced == destination.count else {
                throw BioCubeError(
                    .corruptData,
                    "deflate data decodes to \(produced) bytes, expected \(destination.count)"
                )
            }
        case Z_BUF_ERROR where stream.avail_out == 0:
            throw BioCubeError(
                .sizeLimitExceeded,
                "deflate data decodes to more than the expected \(destination.count) bytes"
            )
        default:
            let reason = stream.msg.map { String(cString: $0) } ?? "status \(status)"
            throw BioCubeError(.corruptData, "deflate data is corrupt or truncated (\(reason))")
        }
    }

    /// Inflates `source` piece by piece: `sink` receives at most `piece` bytes at a time
    /// (valid during the call), so memory stays bounded whatever the data expands to. The
    /// caller bounds the total. Throws `.corruptData` on corrupt or truncated data.
    package static func decompress(
        _ source: UnsafeRawBufferPointer,
        framing: Framing,
        piece: Int,
        _ sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var stream = z_stream()
        let initStatus = inflateInit2_(&stream, framing.windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else { throw BioCubeError(.io, "inflateInit failed (\(initStatus))") }
        defer { inflateEnd(&stream) }
        var buffer = [UInt8](repeating: 0, count: max(1, piece))
        stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(source.count)
        while true {
            let (status, produced) = buffer.withUnsafeMutableBytes { out -> (Int32, Int) in
                stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(out.count)
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                return (status, out.count - Int(stream.avail_out))
            }
            if produced > 0 {
                try buffer.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
            }
            switch status {
            case Z_STREAM_END: return
            case Z_OK: continue
            case Z_BUF_ERROR where stream.avail_in == 0:
                throw BioCubeError(.truncated, "deflate data is truncated")
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                throw BioCubeError(.corruptData, "deflate data is corrupt (\(reason))")
            }
        }
    }
}
