/// One codec of a Zarr v3 array's codec chain.
///
/// BioCube writes `bytes` (little endian), `zstd`, then `crc32c` (so a damaged chunk is
/// refused instead of decoded into wrong values); it reads any chain of one
/// `bytes` codec followed by `zstd`, `gzip` and `crc32c` codecs, as zarr-python writes them.
package enum ZarrCodec: Hashable, Sendable {
    /// Array → bytes: the elements in the given byte order.
    case bytes(endian: Endianness)
    /// Bytes → bytes: one zstd frame (level; whether the frame carries a checksum).
    case zstd(level: Int, checksum: Bool)
    /// Bytes → bytes: gzip (RFC 1952) at a level 0…9.
    case gzip(level: Int)
    /// Bytes → bytes: appends the CRC-32C of the data, little endian.
    case crc32c

    /// Byte order of stored elements.
    package enum Endianness: String, Hashable, Sendable { case little, big }

    /// The codec chain BioCube writes by default: little-endian bytes, zstd at `level`, then
    /// the CRC-32C of the stored bytes (zarr-python checks it too).
    package static func standard(level: Int = 3) -> [ZarrCodec] {
        [.bytes(endian: .little), .zstd(level: level, checksum: false), .crc32c]
    }

    /// The Zarr v3 metadata of this codec.
    package var json: JSONValue {
        switch self {
        case .bytes(let e): ["name": "bytes", "configuration": ["endian": .string(e.rawValue)]]
        case .zstd(let level, let checksum):
            ["name": "zstd", "configuration": ["level": .int(Int64(level)), "checksum": .bool(checksum)]]
        case .gzip(let level): ["name": "gzip", "configuration": ["level": .int(Int64(level))]]
        case .crc32c: ["name": "crc32c"]
        }
    }

    /// Parses one codec entry; `context` names the array for errors.
    package init(json: JSONValue, context: String) throws {
        let name: String?
        let config: [String: JSONValue]
        switch json {
        case .string(let s):
            name = s
            config = [:]
        case .object(let o):
            name = o["name"]?.stringValue
            config = o["configuration"]?.objectValue ?? [:]
        default:
            name = nil
            config = [:]
        }
        guard let name else {
            throw BioCubeError(.invalidMetadata, "\(context): codec entry \(json) has no name")
        }
        switch name {
        case "bytes":
            switch config["endian"]?.stringValue ?? "little" {
            case "little": self = .bytes(endian: .little)
            case "big": self = .bytes(endian: .big)
            case let other:
                throw BioCubeError(
                    .invalidMetadata,
                    "\(context): bytes codec endian '\(other)' is neither little nor big"
                )
            }
        case "zstd":
            self = .zstd(level: Int(config["level"]?.intValue ?? 0), checksum: config["checksum"]?.boolValue ?? false)
        case "gzip":
            let level = config["level"]?.intValue ?? 5
            guard (0...9).contains(level) else {
                throw BioCubeError(.invalidMetadata, "\(context): gzip level \(level) is outside 0…9")
            }
            self = .gzip(level: Int(level))
        case "crc32c":
            self = .crc32c
        default:
            throw BioCubeError(
                .unsupportedEncoding,
                "\(context): codec '\(name)' is not supported (BioCube reads bytes, zstd, gzip and crc32c)"
            )
        }
    }

    var isBytesToBytes: Bool {
        if case .bytes = self { return false }
        return true
    }
}
