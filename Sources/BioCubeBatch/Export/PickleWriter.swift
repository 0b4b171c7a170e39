/// Emits Python pickle protocol 2 using only the opcodes PyTorch's `weights_only`
/// unpickler accepts (PROTO, EMPTY_DICT/LIST, MARK, SETITEMS, APPENDS, TUPLE, EMPTY_TUPLE,
/// BININT, LONG1, BINFLOAT, BINUNICODE, NONE, NEWFALSE, NEWTRUE, GLOBAL, REDUCE, BINPERSID, STOP).
package struct PickleWriter {
    package private(set) var bytes: [UInt8] = [0x80, 2]  // PROTO 2

    package mutating func none() { bytes.append(0x4E) }
    package mutating func bool(_ v: Bool) { bytes.append(v ? 0x88 : 0x89) }
    package mutating func mark() { bytes.append(0x28) }
    package mutating func emptyDict() { bytes.append(0x7D) }
    package mutating func emptyList() { bytes.append(0x5D) }
    package mutating func emptyTuple() { bytes.append(0x29) }
    package mutating func setItems() { bytes.append(0x75) }
    package mutating func appends() { bytes.append(0x65) }
    package mutating func tuple() { bytes.append(0x74) }
    package mutating func reduce() { bytes.append(0x52) }
    package mutating func persistentID() { bytes.append(0x51) }
    package mutating func stop() { bytes.append(0x2E) }

    package mutating func int(_ v: Int) {
        if let small = Int32(exactly: v) {
            bytes.append(0x4A)  // BININT
            withUnsafeBytes(of: small.littleEndian) { bytes.append(contentsOf: $0) }
        } else {
            bytes.append(0x8A)  // LONG1: 8 little-endian two's-complement bytes
            bytes.append(8)
            withUnsafeBytes(of: Int64(v).littleEndian) { bytes.append(contentsOf: $0) }
        }
    }

    package mutating func double(_ v: Double) {
        bytes.append(0x47)  // BINFLOAT, big-endian
        withUnsafeBytes(of: v.bitPattern.bigEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func string(_ s: String) {
        bytes.append(0x58)  // BINUNICODE
        let utf8 = Array(s.utf8)
        withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: utf8)
    }

    package mutating func global(_ module: String, _ name: String) {
        bytes.append(0x63)  // GLOBAL
        bytes.append(contentsOf: Array(module.utf8) + [0x0A] + Array(name.utf8) + [0x0A])
    }

    /// A tuple of the values `body` pushes.
    package mutating func tuple(_ body: (inout PickleWriter) -> Void) {
        mark()
        body(&self)
        tuple()
    }

    /// A list of the values `body` pushes.
    package mutating func list(_ body: (inout PickleWriter) -> Void) {
        emptyList()
        mark()
        body(&self)
        appends()
    }

    /// A dict of the key/value pairs `body` pushes.
    package mutating func dict(_ body: (inout PickleWriter) -> Void) {
        emptyDict()
        mark()
        body(&self)
        setItems()
    }
}
