import BioCubeCore

/// A decoded Thrift value (compact protocol), kept generic: Parquet metadata is mapped from
/// it into typed structs, and unknown fields are skipped naturally.
indirect enum ThriftValue: Sendable {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case binary([UInt8])
    case list([ThriftValue])
    case map([(ThriftValue, ThriftValue)])
    case structure([Int16: ThriftValue])

    var int: Int64? { if case .int(let v) = self { return v } else { return nil } }
    var bool: Bool? { if case .bool(let v) = self { return v } else { return nil } }
    var binary: [UInt8]? { if case .binary(let v) = self { return v } else { return nil } }
    var string: String? { binary.map { String(decoding: $0, as: UTF8.self) } }
    var list: [ThriftValue]? { if case .list(let v) = self { return v } else { return nil } }
    var fields: [Int16: ThriftValue]? { if case .structure(let v) = self { return v } else { return nil } }
    subscript(_ id: Int16) -> ThriftValue? { fields?[id] }
}

/// Reads the Thrift compact protocol from a bounded byte buffer. Every length is checked
/// against the bytes that remain, and nesting is limited, so corrupt input fails cleanly.
struct ThriftCompactReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var position: Int
    private var depth = 0

    init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    private mutating func byte() throws -> UInt8 {
        guard position < bytes.count else {
            throw BioCubeError(.corruptData, "unexpected end of data at byte \(position)")
        }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            guard shift < 64 else {
                throw BioCubeError(.corruptData, "varint longer than 10 bytes at byte \(position)")
            }
        }
    }

    mutating func zigzag() throws -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    /// Reads one struct (until its STOP field).
    mutating func readStruct() throws -> ThriftValue {
        depth += 1
        defer { depth -= 1 }
        guard depth < 64 else { throw BioCubeError(.corruptData, "structures nested deeper than 64 levels") }
        var fields: [Int16: ThriftValue] = [:]
        var lastID: Int16 = 0
        while true {
            let header = try byte()
            if header == 0 { return .structure(fields) }
            let type = header & 0x0F
            let delta = Int16(header >> 4)
            let id: Int16
            if delta == 0 {
                let raw = try zigzag()
                guard let exact = Int16(exactly: raw) else {
                    throw BioCubeError(.corruptData, "field id \(raw) out of range")
                }
                id = exact
            } else {
                id = lastID &+ delta
            }
            lastID = id
            fields[id] = try readValue(type: type)
        }
    }

    private mutating func readValue(type: UInt8) throws -> ThriftValue {
        switch type {
        case 1: return .bool(true)
        case 2: return .bool(false)
        case 3: return .int(Int64(Int8(bitPattern: try byte())))
        case 4, 5, 6: return .int(try zigzag())
        case 7:
            guard position + 8 <= bytes.count else {
                throw BioCubeError(.truncated, "truncated double at byte \(position)")
            }
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
            position += 8
            return .double(Double(bitPattern: bits))
        case 8:
            let n = try varint()
            guard n <= UInt64(bytes.count - position) else {
                throw BioCubeError(.corruptData, "binary of \(n) bytes runs past the end at byte \(position)")
            }
            let out = Array(bytes[position..<(position + Int(n))])
            position += Int(n)
            return .binary(out)
        case 9, 10:
            let header = try byte()
            var count = UInt64(header >> 4)
            if count == 15 { count = try varint() }
            let elementType = header & 0x0F
            guard count <= UInt64(bytes.count - position) else {
                throw BioCubeError(.corruptData, "list of \(count) elements cannot fit in the remaining bytes")
            }
            var items: [ThriftValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<count {
                if elementType == 1 || elementType == 2 {
                    items.append(.bool(try byte() == 1))
                } else {
                    items.append(try readValue(type: elementType))
                }
            }
            return .list(items)
        case 11:
            let count = try varint()
            guard count <= UInt64(bytes.count - position) else {
                throw BioCubeError(.corruptData, "map of \(count) entries cannot fit in the remaining bytes")
            }
            if count == 0 { return .map([]) }
            let types = try byte()
            var entries: [(ThriftValue, ThriftValue)] = []
            for _ in 0..<count { entries.append((try readValue(type: types >> 4), try readValue(type: types & 0x0F))) }
            return .map(entries)
        case 12:
            return try readStruct()
        default:
            throw BioCubeError(.corruptData, "unknown compact type \(type) at byte \(position - 1)")
        }
    }
}
