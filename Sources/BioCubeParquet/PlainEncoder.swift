/// Builds PLAIN-encoded Parquet values (little-endian fixed-width numbers; byte arrays with
/// a 4-byte length prefix).
struct PlainEncoder {
    var bytes: [UInt8] = []

    mutating func append(_ v: Int64) { append(UInt64(bitPattern: v)) }

    mutating func append(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func appendUInt32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func appendByteArray(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            appendUInt32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func appendByteArray(_ b: [UInt8]) {
        appendUInt32(UInt32(b.count))
        bytes.append(contentsOf: b)
    }
}
