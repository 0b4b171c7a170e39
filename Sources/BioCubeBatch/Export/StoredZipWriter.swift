import BioCubeCore

/// Streams an uncompressed ("stored") zip archive, aligning every entry's data to 64 bytes
/// with a padding extra field as PyTorch's writer does (so the data can be memory-mapped).
/// Written through ``AtomicFileWriter``: the archive appears complete or not at all.
final class StoredZipWriter {
    private let file: AtomicFileWriter
    private var central: [UInt8] = []
    private var entries = 0
    private let alignment = 64

    init(path: String) throws { file = try AtomicFileWriter(path: path) }

    private static func le16(_ v: Int, _ out: inout [UInt8]) { out += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    private static func le32(_ v: UInt32, _ out: inout [UInt8]) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }

    /// Adds an entry whose data is `parts` concatenated; returns its CRC-32.
    @discardableResult
    func add(_ name: String, parts: [UnsafeRawBufferPointer]) throws -> UInt32 {
        let size = parts.reduce(0) { $0 + $1.count }
        guard size < Int(UInt32.max), file.offset < Int(UInt32.max) - size - 1024, entries < 65_535 else {
            throw BioCubeError(
                .invalidArgument,
                "\(file.path): more than 4 GiB or 65 535 entries: too large for a zip without zip64"
            )
        }
        var crc: UInt32 = 0
        for p in parts { crc = CRC32.checksum(p, continuing: crc) }
        let nameBytes = Array(name.utf8)
        let offset = file.offset
        let headerEnd = offset + 30 + nameBytes.count
        var pad = (alignment - (headerEnd + 4) % alignment) % alignment
        let extraLength = 4 + pad
        pad = extraLength - 4
        var header: [UInt8] = []
        Self.le32(0x0403_4B50, &header)
        Self.le16(20, &header)  // version needed
        Self.le16(0, &header)  // flags
        Self.le16(0, &header)  // stored
        Self.le16(0, &header)
        Self.le16(0x21, &header)  // time, date (1980-01-01)
        Self.le32(crc, &header)
        Self.le32(UInt32(size), &header)
        Self.le32(UInt32(size), &header)
        Self.le16(nameBytes.count, &header)
        Self.le16(extraLength, &header)
        header += nameBytes
        Self.le16(0x4246, &header)  // "FB": padding field
        Self.le16(pad, &header)
        header += [UInt8](repeating: 0x5A, count: pad)
        try file.write(header)
        for p in parts { try file.write(p) }

        Self.le32(0x0201_4B50, &central)
        Self.le16(0x031E, &central)  // made by: Unix, 3.0
        Self.le16(20, &central)
        Self.le16(0, &central)
        Self.le16(0, &central)
        Self.le16(0, &central)
        Self.le16(0x21, &central)
        Self.le32(crc, &central)
        Self.le32(UInt32(size), &central)
        Self.le32(UInt32(size), &central)
        Self.le16(nameBytes.count, &central)
        Self.le16(0, &central)
        Self.le16(0, &central)  // extra, comment
        Self.le16(0, &central)
        Self.le16(0, &central)  // disk, internal attributes
        Self.le32(0o100644 << 16, &central)  // external: regular file rw-r--r--
        Self.le32(UInt32(offset), &central)
        central += nameBytes
        entries += 1
        return crc
    }

    func add(_ name: String, _ bytes: [UInt8]) throws {
        _ = try bytes.withUnsafeBytes { try add(name, parts: [$0]) }
    }

    /// Writes the central directory and moves the archive into place.
    func finish() throws {
        let start = file.offset
        try file.write(central)
        var end: [UInt8] = []
        Self.le32(0x0605_4B50, &end)
        Self.le16(0, &end)
        Self.le16(0, &end)
        Self.le16(entries, &end)
        Self.le16(entries, &end)
        Self.le32(UInt32(central.count), &end)
        Self.le32(UInt32(start), &end)
        Self.le16(0, &end)
        try file.write(end)
        try file.commit()
    }
}
