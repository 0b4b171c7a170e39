@testable import BioCubeParquet

/// Parquet files built byte by byte with the Thrift writer: one column, one data page, whose
/// body, codec and header fields are whatever a test needs (true, or lying).
enum CraftedParquet {
    /// A one-column INT64 file with one data page whose body, codec and header fields are the
    /// arguments (`version` 1 or 2; levels only for v2).
    struct Page {
        var body: [UInt8]
        var uncompressed: Int32
        var rows: Int32
        var codec: Int32 = 0
        var version = 1
        var optional = false
        var repetitionBytes = 0
        var definitionBytes = 0
        var crc: UInt32? = nil
        /// Subtracted from the column chunk's true size in the footer.
        var underReport: Int64 = 0
        /// The physical type (2 INT64, 6 BYTE_ARRAY).
        var type: Int32 = 2
        /// What the footer says instead of the true chunk size and page offset.
        var totalCompressed: Int64? = nil
        var dataPageOffset: Int64 = 4
    }

    /// The file's bytes.
    static func file(_ p: Page) -> [UInt8] {
        var ph = ThriftCompactWriter()
        ph.beginStruct()
        ph.i32(1, p.version == 1 ? 0 : 3)
        ph.i32(2, p.uncompressed)
        ph.i32(3, Int32(p.body.count))
        if let crc = p.crc { ph.i32(4, Int32(bitPattern: crc)) }
        if p.version == 1 {
            ph.structure(5) { w in
                w.i32(1, p.rows)
                w.i32(2, 0)
                w.i32(3, 3)
                w.i32(4, 3)
            }
        } else {
            ph.structure(8) { w in
                w.i32(1, p.rows)
                w.i32(2, 0)
                w.i32(3, p.rows)
                w.i32(4, 0)
                w.i32(5, Int32(p.definitionBytes))
                w.i32(6, Int32(p.repetitionBytes))
            }
        }
        ph.endStruct()
        let out = Array("PAR1".utf8) + ph.bytes + p.body
        let chunkLength = Int64(out.count - 4)
        var f = ThriftCompactWriter()
        f.beginStruct()
        f.i32(1, 1)
        f.list(2, of: .structure, count: 2) { w in
            w.beginStruct()
            w.string(4, "schema")
            w.i32(5, 1)
            w.endStruct()
            w.beginStruct()
            w.i32(1, p.type)
            w.i32(3, p.optional ? 1 : 0)
            w.string(4, "v")
            w.endStruct()
        }
        f.i64(3, Int64(p.rows))
        f.list(4, of: .structure, count: 1) { w in
            w.beginStruct()
            w.list(1, of: .structure, count: 1) { w in
                w.beginStruct()
                w.i64(2, 4)
                w.structure(3) { w in
                    w.i32(1, p.type)
                    w.list(2, of: .i32, count: 1) { w in w.rawI32(0) }
                    w.list(3, of: .binary, count: 1) { w in w.rawBinary(Array("v".utf8)) }
                    w.i32(4, p.codec)
                    w.i64(5, Int64(p.rows))
                    w.i64(6, chunkLength)
                    w.i64(7, p.totalCompressed ?? chunkLength - p.underReport)
                    w.i64(9, p.dataPageOffset)
                }
                w.endStruct()
            }
            w.i64(2, chunkLength)
            w.i64(3, Int64(p.rows))
            w.endStruct()
        }
        f.endStruct()
        let n = UInt32(f.bytes.count)
        return out + f.bytes + [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
            + Array("PAR1".utf8)
    }

    /// Little-endian INT64 values.
    static func le(_ values: [Int64]) -> [UInt8] { values.flatMap { v in (0..<8).map { UInt8(v >> (8 * $0) & 0xFF) } } }
}
