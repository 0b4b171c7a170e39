import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeParquet

/// Files from writers other than pyarrow's defaults (issue #15): what pyarrow reads among
/// flat columns, BioCube reads too; what it cannot read is refused saying why.
@Suite struct ForeignParquetTests {
    typealias Page = CraftedParquet.Page
    static func le(_ values: [Int64]) -> [UInt8] { CraftedParquet.le(values) }

    func read(_ p: Page) throws -> ParquetColumnData {
        let dir = TemporaryDirectory()
        try FileIO.writeAtomically(dir.file("f.parquet"), CraftedParquet.file(p))
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
                body: [0x04, 0x00],
                uncompressed: 2,
                rows: 2,
                codec: 1,
                version: 2,
                optional: true,
                definitionBytes: 2
            )
        )
        #expect(d.count == 2 && d.validity == [false, false])
    }

    @Test func repetitionLevelsOnAFlatColumnAreSkipped() throws {
        // Repetition levels (a run of 2 zeros) before the values of a required column.
        let d = try read(
            Page(body: [0x04, 0x00] + Self.le([7, 8]), uncompressed: 18, rows: 2, version: 2, repetitionBytes: 2)
        )
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
                with: Data(contentsOf: URL(fileURLWithPath: ParquetFixtures.path("nested.json")))
            )
                as? [String: [Any]]
        )
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
