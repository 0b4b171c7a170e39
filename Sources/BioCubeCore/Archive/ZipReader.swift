internal import CZlib

/// Reads the members of a zip archive (stored or deflated), as the Copernicus CDS and GBIF
/// deliver multi-file downloads. Entries are checked against their CRC-32. The archive is
/// memory-mapped, and ``extractAll(withSuffix:into:)`` streams members to disk, so neither
/// the archive nor a member (a deflate bomb included) is ever held in memory whole.
package struct ZipReader: Sendable {
    /// One member of the archive.
    package struct Entry: Hashable, Sendable {
        /// The member's path inside the archive.
        package let name: String
        /// 0 = stored, 8 = deflated.
        package let method: UInt16
        /// The stored (compressed) size.
        package let compressedSize: Int
        /// The size once extracted.
        package let size: Int
        let crc32: UInt32
        let localHeaderOffset: Int
    }

    /// The archive's path.
    package let path: String
    /// The members, in central-directory order.
    package let entries: [Entry]
    private let storage: ByteStorage
    private var bytes: UnsafeBufferPointer<UInt8> { storage.buffer }

    /// Reads the archive's central directory; throws naming the file when it is not a zip.
    package init(path: String) throws {
        self.path = path
        storage = try ByteStorage(mapping: path)
        entries = try ZipReader.centralDirectory(storage.buffer, path: path)
    }

    /// Whether the file starts like a zip archive (`PK\u{3}\u{4}`).
    package static func looksLikeZip(_ path: String) -> Bool {
        FileIO.readPrefix(path, count: 4) == [0x50, 0x4B, 3, 4]
    }

    private static func u16(_ b: UnsafeBufferPointer<UInt8>, _ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
    private static func u32(_ b: UnsafeBufferPointer<UInt8>, _ o: Int) -> Int { u16(b, o) | u16(b, o + 2) << 16 }

    private static func centralDirectory(_ b: UnsafeBufferPointer<UInt8>, path: String) throws -> [Entry] {
        func bad(_ why: String) -> BioCubeError {
            BioCubeError(.corruptData, "not a readable zip archive (\(why))", file: path)
        }
        guard b.count >= 22 else { throw bad("too short") }
        // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
        var eocd = -1
        var i = b.count - 22
        let lowest = max(0, b.count - 22 - 65_535)
        while i >= lowest {
            if b[i] == 0x50 && b[i + 1] == 0x4B && b[i + 2] == 5 && b[i + 3] == 6 {
                eocd = i
                break
            }
            i -= 1
        }
        guard eocd >= 0 else { throw bad("no end-of-central-directory record") }
        let count = u16(b, eocd + 10)
        let size = u32(b, eocd + 12)
        let offset = u32(b, eocd + 16)
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            throw BioCubeError(.unsupported, "ZIP64 archives are not supported", file: path)
        }
        guard offset + size <= eocd else { throw bad("central directory outside the file") }
        var entries: [Entry] = []
        var p = offset
        for _ in 0..<count {
            guard p + 46 <= b.count, u32(b, p) == 0x0201_4B50 else { throw bad("broken central directory entry") }
            let method = UInt16(u16(b, p + 10))
            let crc = UInt32(u32(b, p + 16))
            let csize = u32(b, p + 20)
            let usize = u32(b, p + 24)
            let nameLen = u16(b, p + 28)
            let extraLen = u16(b, p + 30)
            let commentLen = u16(b, p + 32)
            let local = u32(b, p + 42)
            guard p + 46 + nameLen <= b.count else { throw bad("entry name outside the file") }
            let name = String(decoding: b[(p + 46)..<(p + 46 + nameLen)], as: UTF8.self)
            if csize == 0xFFFF_FFFF || usize == 0xFFFF_FFFF || local == 0xFFFF_FFFF {
                throw BioCubeError(.unsupported, "member '\(name)' needs ZIP64, which is not supported", file: path)
            }
            entries.append(
                Entry(
                    name: name,
                    method: method,
                    compressedSize: csize,
                    size: usize,
                    crc32: crc,
                    localHeaderOffset: local
                )
            )
            p += 46 + nameLen + extraLen + commentLen
        }
        return entries
    }

    /// Where `entry`'s stored bytes are, after checking its local header and that its
    /// declared size is one its method can produce.
    private func data(of entry: Entry) throws -> UnsafeRawBufferPointer {
        let context = "member '\(entry.name)'"
        let h = entry.localHeaderOffset
        guard h <= bytes.count - 30, ZipReader.u32(bytes, h) == 0x0403_4B50 else {
            throw BioCubeError(.corruptData, "\(context): broken local header", file: path)
        }
        let start = h + 30 + ZipReader.u16(bytes, h + 26) + ZipReader.u16(bytes, h + 28)
        guard start <= bytes.count, entry.compressedSize <= bytes.count - start else {
            throw BioCubeError(
                .truncated,
                "\(context): data runs past the end of the archive (truncated download?)",
                file: path
            )
        }
        // Checked before anything is allocated or written: a member cannot hold more than its
        // method can expand to (stored: itself; deflate: at most 1032 times its compressed size).
        switch entry.method {
        case 0 where entry.compressedSize != entry.size:
            throw BioCubeError(.corruptData, "\(context): stored sizes disagree", file: path)
        case 8 where entry.size > entry.compressedSize * 1032 + 1024:
            throw BioCubeError(
                .sizeLimitExceeded,
                "\(context): declares \(entry.size) bytes, more than \(entry.compressedSize) deflated bytes can expand to",
                file: path
            )
        case 0, 8: break
        default:
            throw BioCubeError(
                .unsupportedEncoding,
                "\(context): compression method \(entry.method) is not supported (stored, deflate)",
                file: path
            )
        }
        return UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<(start + entry.compressedSize)])
    }

    /// Passes `entry`'s extracted bytes to `sink` in pieces of at most 1 MiB, then checks
    /// that they are exactly its declared size and match its CRC-32.
    private func stream(_ entry: Entry, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let context = "member '\(entry.name)'"
        let source = try data(of: entry)
        var crc: UInt32 = 0
        var total = 0
        func take(_ piece: UnsafeRawBufferPointer) throws {
            total += piece.count
            guard total <= entry.size else {
                throw BioCubeError(
                    .sizeLimitExceeded,
                    "\(context): holds more than its declared \(entry.size) bytes",
                    file: path
                )
            }
            crc = CRC32.checksum(piece, continuing: crc)
            try sink(piece)
        }
        do {
            if entry.method == 0 {
                var offset = 0
                while offset < source.count {
                    let n = min(1 << 20, source.count - offset)
                    try take(UnsafeRawBufferPointer(rebasing: source[offset..<(offset + n)]))
                    offset += n
                }
            } else {
                try GzipCodec.decompress(source, framing: .raw, piece: 1 << 20, take)
            }
        } catch let e as BioCubeError where e.file == nil {
            throw BioCubeError(e.code, "\(context): \(e.message)", file: path, cause: e)
        }
        guard total == entry.size else {
            throw BioCubeError(
                .corruptData,
                "\(context): holds \(total) bytes, its header says \(entry.size)",
                file: path
            )
        }
        guard crc == entry.crc32 else {
            throw BioCubeError(.checksumMismatch, "\(context): CRC-32 mismatch (corrupt archive)", file: path)
        }
    }

    /// The extracted bytes of `entry` (for members read whole: a pickle, a table); throws
    /// on an unknown method, corrupt data or a CRC mismatch.
    package func extract(_ entry: Entry) throws -> [UInt8] {
        _ = try data(of: entry)
        var out: [UInt8] = []
        out.reserveCapacity(entry.size)
        try stream(entry) { out.append(contentsOf: $0) }
        return out
    }

    /// Streams `entry` into a file at `target` (written atomically: a failure leaves no file).
    package func extract(_ entry: Entry, to target: String) throws {
        let writer = try AtomicFileWriter(path: target)
        try stream(entry) { try writer.write($0) }
        try writer.commit()
    }

    /// Extracts every member whose name ends with `suffix` into `directory`, flattened to its
    /// base name — or, when several members share a base name (`a/data.nc`, `b/data.nc`), to
    /// their paths joined with `-` (`a-data.nc`, `b-data.nc`), so none overwrites another.
    /// Returns the written paths in archive order; `.` and `..` components are dropped.
    package func extractAll(withSuffix suffix: String, into directory: String) throws -> [String] {
        try FileIO.createDirectories(directory)
        let members = entries.compactMap { e -> (Entry, [String])? in
            guard e.name.hasSuffix(suffix), !e.name.hasSuffix("/") else { return nil }
            let parts = e.name.split(separator: "/").map(String.init).filter { $0 != "." && $0 != ".." }
            guard let base = parts.last, !base.hasPrefix(".") else { return nil }
            return (e, parts)
        }
        var baseCount: [String: Int] = [:]
        for (_, parts) in members { baseCount[parts.last!, default: 0] += 1 }
        var written: [String] = []
        var used = Set<String>()
        for (e, parts) in members {
            let name = baseCount[parts.last!]! > 1 ? parts.joined(separator: "-") : parts.last!
            guard used.insert(name).inserted else {
                throw BioCubeError(
                    .corruptData,
                    "members named \(e.name) and another one both flatten to \(name)",
                    file: path
                )
            }
            let target = directory + "/" + name
            try extract(e, to: target)
            written.append(target)
        }
        return written
    }
}
