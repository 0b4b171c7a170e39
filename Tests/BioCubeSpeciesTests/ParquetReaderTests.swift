import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeParquet
@testable import BioCubeSpecies

enum ParquetFixtures {
    static let fixtures = FixtureSet("parquet")
    static var root: String { fixtures.root }

    /// The path of a fixture; fails the test (not a skip) when fixtures were not generated.
    static func path(_ relative: String) throws -> String { try fixtures.path(relative) }

    static var cases: [String] {
        guard let data = FileManager.default.contents(atPath: root + "/cases.json"),
            let names = try? JSONSerialization.jsonObject(with: data) as? [String]
        else {
            return ["fixtures-missing"]
        }
        return names
    }
}

@Suite struct ParquetReaderTests {
    @Test(arguments: ParquetFixtures.cases)
    func everyValueMatchesPyarrow(name: String) throws {
        let file = try ParquetFile(path: ParquetFixtures.path(name + ".parquet"))
        let expected = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: ParquetFixtures.path(name + ".json")))
            ) as? [String: [Any]]
        )
        #expect(file.columns.map(\.name) == ["Species", "Key", "Latitude", "Count", "Weight", "Flag", "Timestamp"])
        if name != "int96" {
            #expect(file.columns.first { $0.name == "Timestamp" }?.logicalType == .timestamp(unit: .nanos, utc: false))
        }
        #expect(file.columns.first { $0.name == "Species" }?.logicalType == .string)
        for column in file.columns {
            let data = try file.read(column: column.name)
            let want = try #require(expected[column.name])
            #expect(data.count == want.count && data.count == file.rowCount, "\(name) \(column.name)")
            if column.name == "Timestamp" {
                let stamps = try #require(data.timestampNanoseconds, "\(name): Timestamp is not a timestamp")
                #expect(stamps.map { $0 } == want.map { ($0 as? NSNumber)?.int64Value }, "\(name) Timestamp")
                continue
            }
            for (i, w) in want.enumerated() {
                let isNull = w is NSNull
                #expect(data.isValid(i) == !isNull, "\(name) \(column.name) row \(i) null mismatch")
                if isNull || !data.isValid(i) { continue }
                switch data.values {
                case .bytes(let v):
                    #expect(String(decoding: v[i], as: UTF8.self) == (w as? String), "\(name) \(column.name) row \(i)")
                case .int64(let v): #expect(v[i] == (w as? NSNumber)?.int64Value, "\(name) \(column.name) row \(i)")
                case .int32(let v): #expect(v[i] == (w as? NSNumber)?.int32Value, "\(name) \(column.name) row \(i)")
                case .double(let v): #expect(v[i] == (w as? NSNumber)?.doubleValue, "\(name) \(column.name) row \(i)")
                case .float(let v): #expect(v[i] == (w as? NSNumber)?.floatValue, "\(name) \(column.name) row \(i)")
                case .boolean(let v): #expect(v[i] == (w as? NSNumber)?.boolValue, "\(name) \(column.name) row \(i)")
                }
            }
        }
    }

    /// Dictionary indices, when asked for, point at each row's value; concurrent
    /// multi-column reads equal column-by-column reads.
    @Test(arguments: ParquetFixtures.cases)
    func dictionaryIndicesAndConcurrentReadsAgree(name: String) throws {
        let file = try ParquetFile(path: ParquetFixtures.path(name + ".parquet"))
        var sawIndices = false
        for g in 0..<file.rowGroupSizes.count {
            let together = try file.read(
                columns: Array(file.columns.indices),
                rowGroup: g,
                dictionaryIndices: Set(file.columns.indices)
            )
            for c in file.columns.indices {
                let plain = try file.read(column: c, rowGroup: g)
                let withIndices = together[c]
                #expect(
                    plain.count == withIndices.count && plain.validity == withIndices.validity,
                    "\(name) column \(c)"
                )
                #expect(plain.dictionaryIndices == nil, "indices only when asked for")
                guard let dictionary = withIndices.dictionary, let indices = withIndices.dictionaryIndices else {
                    continue
                }
                sawIndices = true
                #expect(indices.count == plain.count)
                for r in 0..<plain.count where plain.isValid(r) {
                    switch (dictionary, plain.values) {
                    case (.bytes(let d), .bytes(let v)):
                        #expect(d[Int(indices[r])] == v[r], "\(name) column \(c) row \(r)")
                    case (.int64(let d), .int64(let v)):
                        #expect(d[Int(indices[r])] == v[r], "\(name) column \(c) row \(r)")
                    case (.int32(let d), .int32(let v)):
                        #expect(d[Int(indices[r])] == v[r], "\(name) column \(c) row \(r)")
                    case (.double(let d), .double(let v)):
                        #expect(d[Int(indices[r])] == v[r], "\(name) column \(c) row \(r)")
                    case (.float(let d), .float(let v)):
                        #expect(d[Int(indices[r])] == v[r], "\(name) column \(c) row \(r)")
                    default: Issue.record("\(name) column \(c): dictionary and values differ in type")
                    }
                }
            }
        }
        if name.contains("_dict_") { #expect(sawIndices, "\(name): dictionary-encoded fixture without indices") }
    }

    @Test func byteArraysKeepValuesBackToBack() {
        var a = ParquetByteArrays([Array("ab".utf8), [], Array("cde".utf8)])
        #expect(a.count == 3 && a.bytes == Array("abcde".utf8) && a.offsets == [0, 2, 2, 5])
        #expect(a.map { String(decoding: $0, as: UTF8.self) } == ["ab", "", "cde"])
        a.spreadTail(valueCount: 2, present: [true, false, false, true])  // the last two over four rows
        #expect(a.map { String(decoding: $0, as: UTF8.self) } == ["ab", "", "", "", "cde"])
    }

    @Test func rowGroupsAndMetadata() throws {
        let file = try ParquetFile(path: ParquetFixtures.path("zstd_dict_v2_nulls.parquet"))
        #expect(file.rowGroupSizes == [1000, 1000, 1000])
        #expect(file.createdBy?.contains("parquet-cpp") == true)
        #expect(file.keyValueMetadata["ARROW:schema"] != nil)
        let one = try file.read(column: file.columnIndex("Key"), rowGroup: 1)
        #expect(one.count == 1000)
    }

    @Test(arguments: [
        ("wrong_magic.parquet", "wrong magic at the start"),
        ("truncated.parquet", "wrong magic at the end"),
        ("tiny.parquet", "too short"),
    ])
    func damagedFilesAreRefusedOnOpen(file: String, phrase: String) throws {
        let path = try ParquetFixtures.path("bad/" + file)
        let error = #expect(throws: BioCubeError.self) { _ = try ParquetFile(path: path) }
        #expect(error?.file == path && error?.message.contains(phrase) == true, "\(String(describing: error))")
    }

    @Test func corruptFooterOrPagesGiveErrorsNotCrashes() throws {
        let footer = try ParquetFixtures.path("bad/corrupt_footer.parquet")
        #expect(throws: BioCubeError.self) {
            let f = try ParquetFile(path: footer)
            for c in f.columns { _ = try f.read(column: c.name) }
        }
        let pages = try ParquetFixtures.path("bad/corrupt_pages.parquet")
        let error = #expect(throws: BioCubeError.self) {
            let f = try ParquetFile(path: pages)
            for c in f.columns { _ = try f.read(column: c.name) }
        }
        #expect(error?.message.contains("page") == true, "\(error?.message ?? "")")
    }

    @Test func unknownColumnIsNamed() throws {
        let file = try ParquetFile(path: ParquetFixtures.path("defaults.parquet"))
        let error = #expect(throws: BioCubeError.self) { _ = try file.read(column: "Genus") }
        #expect(error?.message.contains("no column 'Genus'") == true)
    }

    /// A one-row file with one required INT64 column whose chunk metadata and page header
    /// say what the arguments say (nil: the true value).
    private func crafted(
        totalCompressed: Int64? = nil,
        dataPageOffset: Int64 = 4,
        pageUncompressed: Int32 = 8,
        value: Int64 = 42
    ) -> [UInt8] {
        CraftedParquet.file(
            .init(
                body: CraftedParquet.le([value]),
                uncompressed: pageUncompressed,
                rows: 1,
                totalCompressed: totalCompressed,
                dataPageOffset: dataPageOffset
            )
        )
    }

    @Test func craftedFileReadsWhenItsSizesAreTrue() throws {
        let dir = TemporaryDirectory()
        try FileIO.writeAtomically(dir.file("ok.parquet"), crafted())
        let values = try ParquetFile(path: dir.file("ok.parquet")).read(column: "v").values
        guard case .int64(let v) = values else {
            Issue.record("not int64")
            return
        }
        #expect(v == [42])
    }

    @Test(
        arguments: [
            (Int64.max, Int64(4), Int32(8), "outside the data"), (nil, Int64.max - 2, 8, "outside the data"),
            (Int64.max - 100, Int64.max - 100, 8, "outside the data"), (nil, 4, 1 << 30, "declares 1073741824 bytes"),
        ] as [(Int64?, Int64, Int32, String)]
    )
    func sizesNearTheLimitsAreErrorsNotTrapsOrHugeAllocations(
        total: Int64?,
        offset: Int64,
        uncompressed: Int32,
        message: String
    ) throws {
        let dir = TemporaryDirectory()
        let path = dir.file("bad.parquet")
        try FileIO.writeAtomically(
            path,
            crafted(totalCompressed: total, dataPageOffset: offset, pageUncompressed: uncompressed)
        )
        #expect {
            _ = try ParquetFile(path: path).read(column: "v")
        } throws: { e in
            (e as? BioCubeError)?.file == path && "\(e)".contains(message)
        }
    }
}
