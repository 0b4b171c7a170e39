internal import CZstd

/// One worker's zstd compression and decompression contexts (not shareable across threads;
/// create one per task).
package final class ZstdCodec {
    private var cctx: OpaquePointer?
    private var dctx: OpaquePointer?
    /// The parameters the compression context holds, so they are set only when they change.
    private var configured: (level: Int, checksum: Bool)?

    package init() {}

    deinit {
        if let cctx { ZSTD_freeCCtx(cctx) }
        if let dctx { ZSTD_freeDCtx(dctx) }
    }

    /// Compresses `source` into one frame that records the content size, replacing the
    /// contents of `out` (whose capacity is reused).
    package func compress(_ source: UnsafeRawBufferPointer, level: Int, checksum: Bool, into out: inout [UInt8]) throws
    {
        if cctx == nil { cctx = ZSTD_createCCtx() }
        guard let cctx else { throw BioCubeError(.io, "zstd: cannot allocate a compression context") }
        if configured?.level != level || configured?.checksum != checksum {
            ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters)
            try check(
                ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, Int32(clamping: level)),
                "set level \(level)"
            )
            try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, checksum ? 1 : 0), "set checksum")
            configured = (level, checksum)
        }
        let bound = ZSTD_compressBound(source.count)
        if out.count < bound { out.append(contentsOf: repeatElement(0, count: bound - out.count)) }
        let written = try out.withUnsafeMutableBytes { (dst) throws -> Int in
            let n = ZSTD_compress2(cctx, dst.baseAddress, dst.count, source.baseAddress, source.count)
            try check(n, "compress")
            return n
        }
        out.removeLast(out.count - written)
    }

    /// Decompresses every frame of `source` into exactly `destination.count` bytes.
    ///
    /// Fails when the data is corrupt or decodes to any other size.
    package func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws {
        let declared = ZSTD_getFrameContentSize(source.baseAddress, source.count)
        if declared == ZSTD_CONTENTSIZE_ERROR {
            throw BioCubeError(.corruptData, "not a zstd frame (\(source.count) bytes)")
        }
        if declared != ZSTD_CONTENTSIZE_UNKNOWN, declared != UInt64(destination.count) {
            // More than the chunk may hold is refused before decoding (a decompression bomb).
            throw BioCubeError(
                declared > UInt64(destination.count) ? .sizeLimitExceeded : .corruptData,
                "zstd frame holds \(declared) bytes, expected \(destination.count)"
            )
        }
        if dctx == nil { dctx = ZSTD_createDCtx() }
        guard let dctx else { throw BioCubeError(.io, "zstd: cannot allocate a decompression context") }
        let n = ZSTD_decompressDCtx(dctx, destination.baseAddress, destination.count, source.baseAddress, source.count)
        try check(n, "decompress")
        guard n == destination.count else {
            throw BioCubeError(.corruptData, "zstd data decodes to \(n) bytes, expected \(destination.count)")
        }
    }

    private func check(_ code: Int, _ what: String) throws {
        if ZSTD_isError(code) != 0 {
            let name = String(cString: ZSTD_getErrorName(code))
            throw BioCubeError(.corruptData, "zstd \(what): \(name)")
        }
    }
}
