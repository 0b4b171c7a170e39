/// Encodes and decodes chunks through an array's codec chain. One per worker: it owns
/// reusable compression contexts and is not thread-safe.
///
/// Supported chains: `bytes`, then at most one compressor (`zstd` or `gzip`), then any
/// number of `crc32c` checksums — every chain zarr-python writes with these codecs.
final class ChunkCoder {
    let endianness: ZarrCodec.Endianness
    /// The compressor directly after `bytes`, if any.
    let compressor: ZarrCodec?
    /// How many `crc32c` codecs follow.
    let checksums: Int
    let elementSize: Int
    private let zstd = ZstdCodec()

    /// Validates the chain; `context` names the array in errors.
    init(codecs: [ZarrCodec], dataType: ZarrDataType, context: String) throws {
        guard case .bytes(let e)? = codecs.first else {
            let first = codecs.first.map { $0.json["name"]?.stringValue ?? "?" } ?? "none"
            throw BioCubeError(
                .unsupported,
                "\(context): codec chain must start with the 'bytes' codec (found \(first))"
            )
        }
        var rest = codecs.dropFirst()
        var compressor: ZarrCodec?
        if let c = rest.first, c != .crc32c, c.isBytesToBytes {
            compressor = c
            rest = rest.dropFirst()
        }
        guard rest.allSatisfy({ $0 == .crc32c }) else {
            let names = codecs.map { $0.json["name"]?.stringValue ?? "?" }.joined(separator: ", ")
            throw BioCubeError(
                .unsupported,
                "\(context): codec chain [\(names)] is not supported (bytes, one optional compressor, then crc32c only)"
            )
        }
        endianness = e
        self.compressor = compressor
        checksums = rest.count
        elementSize = dataType.byteSize
    }

    /// Encoded bytes of the last ``encode(_:_:)``; reused so that steady-state encoding allocates nothing.
    private var encoded: [UInt8] = []
    private var swapped: [UInt8] = []

    /// Encodes one full chunk of raw little-endian elements and passes the stored bytes to
    /// `body` (valid only during the call).
    func encode<R>(_ raw: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if endianness == .big && elementSize > 1 {
            swapped.removeAll(keepingCapacity: true)
            swapped.append(contentsOf: raw)
            swapped.withUnsafeMutableBytes { ChunkCoder.byteSwap($0, elementSize: elementSize) }
            try swapped.withUnsafeBytes { try compress($0) }
        } else {
            try compress(raw)
        }
        for _ in 0..<checksums {
            let c = encoded.withUnsafeBytes { CRC32C.checksum($0) }
            encoded.append(contentsOf: [UInt8(c & 0xFF), UInt8(c >> 8 & 0xFF), UInt8(c >> 16 & 0xFF), UInt8(c >> 24)])
        }
        return try encoded.withUnsafeBytes(body)
    }

    /// Encodes one full chunk into a new array (convenience for tests and small data).
    func encode(_ raw: UnsafeRawBufferPointer) throws -> [UInt8] { try encode(raw) { Array($0) } }

    private func compress(_ input: UnsafeRawBufferPointer) throws {
        switch compressor {
        case .zstd(let level, let checksum)?: try zstd.compress(input, level: level, checksum: checksum, into: &encoded)
        case .gzip(let level)?: encoded = try GzipCodec.compress(input, level: level)
        default:
            encoded.removeAll(keepingCapacity: true)
            encoded.append(contentsOf: input)
        }
    }

    /// Decodes stored chunk bytes into `destination`, which has exactly the size of a full
    /// chunk; throws `.corruptData` on a bad checksum, corrupt data or any size mismatch.
    func decode(_ stored: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws {
        var input = stored
        for _ in 0..<checksums {
            guard input.count >= 4 else {
                throw BioCubeError(.truncated, "crc32c: \(input.count) bytes cannot hold a checksum")
            }
            let n = input.count
            let body = UnsafeRawBufferPointer(rebasing: input[..<(n - 4)])
            let expected =
                UInt32(input[n - 4]) | UInt32(input[n - 3]) << 8 | UInt32(input[n - 2]) << 16 | UInt32(input[n - 1])
                << 24
            guard CRC32C.checksum(body) == expected else {
                throw BioCubeError(.checksumMismatch, "crc32c checksum mismatch")
            }
            input = body
        }
        switch compressor {
        case .zstd?: try zstd.decompress(input, into: destination)
        case .gzip?: try GzipCodec.decompress(input, into: destination)
        default:
            guard input.count == destination.count else {
                throw BioCubeError(.corruptData, "chunk holds \(input.count) bytes, expected \(destination.count)")
            }
            destination.copyMemory(from: input)
        }
        if endianness == .big && elementSize > 1 { ChunkCoder.byteSwap(destination, elementSize: elementSize) }
    }

    static func byteSwap(_ buffer: UnsafeMutableRawBufferPointer, elementSize: Int) {
        var i = 0
        while i + elementSize <= buffer.count {
            var a = i
            var b = i + elementSize - 1
            while a < b {
                buffer.swapAt(a, b)
                a += 1
                b -= 1
            }
            i += elementSize
        }
    }
}
