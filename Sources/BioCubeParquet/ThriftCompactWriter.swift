/// Writes the Thrift compact protocol with explicit field types (readers generated from the
/// Parquet IDL skip fields whose wire type differs from the declared one, so an `i32` must
/// be written as `i32`).
struct ThriftCompactWriter {
    enum FieldType: UInt8 {
        case boolTrue = 1
        case boolFalse = 2
        case byte = 3
        case i16 = 4
        case i32 = 5
        case i64 = 6
        case double = 7
        case binary = 8
        case list = 9
        case set = 10
        case map = 11
        case structure = 12
    }

    private(set) var bytes: [UInt8] = []
    private var lastField: [Int16] = [0]

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func zigzag(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    private mutating func fieldHeader(_ id: Int16, _ type: FieldType) {
        let delta = Int(id) - Int(lastField[lastField.count - 1])
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta << 4) | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            zigzag(Int64(id))
        }
        lastField[lastField.count - 1] = id
    }

    mutating func i32(_ id: Int16, _ v: Int32) {
        fieldHeader(id, .i32)
        zigzag(Int64(v))
    }
    mutating func i64(_ id: Int16, _ v: Int64) {
        fieldHeader(id, .i64)
        zigzag(v)
    }
    mutating func i16(_ id: Int16, _ v: Int16) {
        fieldHeader(id, .i16)
        zigzag(Int64(v))
    }
    mutating func bool(_ id: Int16, _ v: Bool) { fieldHeader(id, v ? .boolTrue : .boolFalse) }
    mutating func binary(_ id: Int16, _ v: [UInt8]) {
        fieldHeader(id, .binary)
        rawBinary(v)
    }
    mutating func string(_ id: Int16, _ v: String) { binary(id, Array(v.utf8)) }

    mutating func rawBinary(_ v: [UInt8]) {
        varint(UInt64(v.count))
        bytes.append(contentsOf: v)
    }
    mutating func rawI32(_ v: Int32) { zigzag(Int64(v)) }

    /// A struct-valued field; `body` writes its fields.
    mutating func structure(_ id: Int16, _ body: (inout ThriftCompactWriter) -> Void) {
        fieldHeader(id, .structure)
        beginStruct()
        body(&self)
        endStruct()
    }

    /// A list field of `count` elements of `type`; `body` writes the elements (use
    /// `beginStruct`/`endStruct` around struct elements, `rawI32`/`rawBinary` otherwise).
    mutating func list(_ id: Int16, of type: FieldType, count: Int, _ body: (inout ThriftCompactWriter) -> Void) {
        fieldHeader(id, .list)
        if count < 15 {
            bytes.append(UInt8(count << 4) | type.rawValue)
        } else {
            bytes.append(0xF0 | type.rawValue)
            varint(UInt64(count))
        }
        body(&self)
    }

    mutating func beginStruct() { lastField.append(0) }
    mutating func endStruct() {
        bytes.append(0)
        lastField.removeLast()
    }
}
