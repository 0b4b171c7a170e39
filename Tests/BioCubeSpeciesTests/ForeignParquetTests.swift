import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing
@testable import BioCubeParquet

/// Files from writers other than pyarrow's defaults (issue #15): what pyarrow reads among
/// flat columns, BioCube reads too; what it cannot read is refused saying why.
@Suite struct ForeignParquetTests {
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
    }

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
                    w.i64(7, chunkLength - p.underReport)
                    w.i64(9, 4)
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

    static func le(_ values: [Int64]) -> [UInt8] { values.flatMap { v in (0..<8).map { UInt8(v >> (8 * $0) & 0xFF) } } }

    func read(_ p: Page) throws -> ParquetColumnData {
        let dir = TemporaryDirectory()
        try FileIO.writeAtomically(dir.file("f.parquet"), Self.file(p))
        return try ParquetFile(path: dir.file("f.parquet")).read(column: "v")
    }

    func int64s(_ d: ParquetColumnData) -> [Int64]? {
        if case .int64(let v) = d.values { return v }
        return nil
    }

    @Test func gzipPagesOfSeveralMembersDecodeWhole() throws {
        let a = try Self.le([42]).withUnsafeBytes { try GzipCodec.compress($0, level: 6) }
        let b = try Self.le([43, 44]).withUnsafeBytes { try GzipCodec.compress($0, level: 6) }
        let d = try read(Page(body: a + b, uncompressed: 24, rows: 3, codec: 2))
        #expect(int64s(d) == [42, 43, 44])
    }

    @Test func anAllNullV2PageWithAnEmptyValuesSectionReads() throws {
        // Definition levels: one RLE run of 2 zeros (bit width 1): header 2 << 1, value 0.
        let d = try read(
            Page(
                body: [0x04, 0x00], uncompressed: 2, rows: 2, codec: 1, version: 2, optional: true, definitionBytes: 2))
        #expect(d.count == 2 && d.validity == [false, false])
    }

    @Test func repetitionLevelsOnAFlatColumnAreSkipped() throws {
        // Repetition levels (a run of 2 zeros) before the values of a required column.
        let d = try read(
            Page(body: [0x04, 0x00] + Self.le([7, 8]), uncompressed: 18, rows: 2, version: 2, repetitionBytes: 2))
        #expect(int64s(d) == [7, 8])
    }

    @Test func anUnderReportedColumnChunkSizeIsTolerated() throws {
        let d = try read(Page(body: Self.le([42]), uncompressed: 8, rows: 1, underReport: 6))
        #expect(int64s(d) == [42])
    }

    @Test func pageChecksumsAreVerified() throws {
        let body = Self.le([42])
        let crc = body.withUnsafeBytes { CRC32.checksum($0) }
        #expect(try int64s(read(Page(body: body, uncompressed: 8, rows: 1, crc: crc))) == [42])
        #expect {
            _ = try read(Page(body: body, uncompressed: 8, rows: 1, crc: crc ^ 1))
        } throws: { e in
            "\(e)".contains("page checksum mismatch") && (e as? BioCubeError)?.column == "v"
        }
    }

    /// One LZ4 block holding 8 literal bytes (token 0x80).
    static let block: [UInt8] = [0x80] + le([42])

    @Test func deprecatedLZ4ReadsHadoopFramingAndRawBlocks() throws {
        let hadoop: [UInt8] = [0, 0, 0, 8, 0, 0, 0, UInt8(Self.block.count)] + Self.block
        #expect(try int64s(read(Page(body: hadoop, uncompressed: 8, rows: 1, codec: 5))) == [42])
        #expect(try int64s(read(Page(body: Self.block, uncompressed: 8, rows: 1, codec: 5))) == [42])
        #expect(try int64s(read(Page(body: Self.block, uncompressed: 8, rows: 1, codec: 7))) == [42])
    }

    @Test(arguments: [5, 7]) func anLZ4FrameIsNamedAsSuch(codec: Int32) throws {
        let frame: [UInt8] = [0x04, 0x22, 0x4D, 0x18, 0x64, 0x40, 0xA7] + Self.block + [0, 0, 0, 0]
        #expect {
            _ = try read(Page(body: frame, uncompressed: 8, rows: 1, codec: codec))
        } throws: { e in
            let text = "\(e)"
            return text.contains("LZ4 frame (magic 04 22 4D 18)") && (codec == 7 || text.contains("Hadoop framing"))
        }
    }

    @Test func flatColumnsOfAFileWithNestedOnesStayReadable() throws {
        let path = try ParquetFixtures.path("nested.parquet")
        let file = try ParquetFile(path: path)
        #expect(file.columns.map(\.name) == ["Key", "Weight"])
        #expect(file.nestedColumns == ["tags.list.element", "point.x", "point.y"])
        let expected = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: ParquetFixtures.path("nested.json"))))
                as? [String: [Any]])
        let keys = try file.read(column: "Key")
        #expect(keys.count == expected["Key"]?.count)
        for name in ["tags", "point", "point.x"] {
            #expect {
                _ = try file.read(column: name)
            } throws: { e in
                "\(e)".contains("column '\(name)' is nested") && (e as? BioCubeError)?.code == .unsupported
            }
        }
    }

    @Test func aFlippedBitInAChecksummedPageIsRefused() throws {
        let path = try ParquetFixtures.path("bad/checksum_flipped.parquet")
        let file = try ParquetFile(path: path)
        #expect {
            for c in file.columns { _ = try file.read(column: c.name) }
        } throws: { e in
            "\(e)".contains("page checksum mismatch") && (e as? BioCubeError)?.file == path
        }
    }

    /// A byte-array page has no per-value bound; its codec's expansion ratio bounds it
    /// (a header claiming 1 GiB from 8 bytes used to cost a 1 GiB allocation).
    @Test(arguments: [0, 1, 6] as [Int32]) func aByteArrayPageClaimingMoreThanItsCodecCanExpandIsRefused(
        codec: Int32
    )
        throws
    {
        #expect {
            _ = try read(Page(body: Self.le([1]), uncompressed: 1 << 30, rows: 1, codec: codec, type: 6))
        } throws: { e in
            "\(e)".contains("more than its codec can expand to")
        }
    }
}
