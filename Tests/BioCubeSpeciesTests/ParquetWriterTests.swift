import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeParquet
@testable import BioCubeSpecies

@Suite struct ParquetWriterTests {
    /// One folder for the suite's files, removed when the process ends.
    static let folder = TemporaryDirectory("biocube-parquet-writer")

    static func temporaryPath(_ name: String) -> String { folder.file(name) }

    static let compressions: [ParquetWriter.Compression] = [.none, .snappy, .zstd(level: 3)]

    @Test(arguments: compressions, [true, false])
    func roundTripsEveryTypeAndNullPattern(compression: ParquetWriter.Compression, dictionary: Bool) throws {
        for rows in [0, 1, 9, 1000, 70_003] {
            var options = ParquetWriter.Options()
            options.compression = compression
            options.dictionary = dictionary
            options.rowGroupRows = 25_000
            options.pageRows = 4096
            let path = Self.temporaryPath("rt-\(compression)-\(dictionary)-\(rows).parquet")
            let writer = try ParquetWriter(
                path: path,
                fields: [
                    .init("Key", .int64), .init("Value", .double, optional: true),
                    .init("Name", .string, optional: true),
                    .init("When", .timestamp(.nanos, utc: false)), .init("Label", .string),
                ],
                options: options
            )
            let keys = (0..<rows).map { Int64($0 % 97) * 1_000_003 - 40_000_000 }
            let values = (0..<rows).map { $0 % 11 == 0 ? Double.nan : Double($0) * 0.25 - 3 }
            let valueMask = (0..<rows).map { $0 % 7 != 3 }
            let names = (0..<rows).map { "n\($0 % 13)é" }
            let nameMask = (0..<rows).map { $0 % 3 != 0 && $0 < 50_000 }
            let when = (0..<rows).map { Int64(946_684_800 + ($0 % 240) * 2_629_746) * 1_000_000_000 }
            let labels = (0..<rows).map { String(repeating: "x", count: $0 % 5) + "\($0)" }
            try writer.write([
                .int64(keys), .double(values, validity: valueMask), .string(names, validity: nameMask),
                .int64(when), .string(labels),
            ])
            try writer.finish(metadata: ["origin": "test"])

            let file = try ParquetFile(path: path)
            #expect(file.rowCount == rows)
            #expect(file.keyValueMetadata["origin"] == "test")
            #expect(file.rowGroupSizes.count == max(1, (rows + 24_999) / 25_000))
            #expect(file.columns.map(\.isOptional) == [false, true, true, false, false])
            #expect(file.columns[3].logicalType == .timestamp(unit: .nanos, utc: false))
            guard case .int64(let k) = try file.read(column: "Key").values else {
                Issue.record("Key type")
                continue
            }
            #expect(k == keys)
            let v = try file.read(column: "Value")
            guard case .double(let vv) = v.values else {
                Issue.record("Value type")
                continue
            }
            for i in 0..<rows {
                #expect(v.isValid(i) == valueMask[i])
                if valueMask[i] { #expect(vv[i].bitPattern == values[i].bitPattern) }
            }
            let n = try file.read(column: "Name").strings
            #expect(n == (0..<rows).map { nameMask[$0] ? names[$0] : nil })
            #expect(try file.read(column: "When").timestampNanoseconds == when.map { Optional($0) })
            #expect(try file.read(column: "Label").strings == labels.map { Optional($0) })
        }
    }

    @Test func snappyRoundTripsRepetitiveAndRandomData() throws {
        var rng = SplitMix64(seed: 7)
        let inputs: [[UInt8]] = [
            [], [1], Array(repeating: 42, count: 200_000),
            (0..<150_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) },
            (0..<150_000).map { UInt8($0 % 251) },
            Array("the quick brown fox jumps over the lazy dog ".utf8) + Array(repeating: 0, count: 70)
                + Array("the quick brown fox".utf8),
        ]
        for input in inputs {
            var compressed: [UInt8] = []
            input.withUnsafeBytes { Snappy.compress($0, into: &compressed) }
            var output = [UInt8](repeating: 0, count: input.count)
            try compressed.withUnsafeBytes { c in
                try output.withUnsafeMutableBytes { try Snappy.decompress(c, into: $0) }
            }
            #expect(output == input)
        }
    }

    @Test func refusesMismatchedColumns() throws {
        let path = Self.temporaryPath("bad.parquet")
        let writer = try ParquetWriter(path: path, fields: [.init("A", .int64), .init("B", .double)])
        #expect(throws: BioCubeError.self) { try writer.write([.int64([1, 2])]) }
        #expect(throws: BioCubeError.self) { try writer.write([.int64([1, 2]), .double([1])]) }
        #expect(throws: BioCubeError.self) { try writer.write([.double([1]), .double([1])]) }
        #expect(throws: BioCubeError.self) { try writer.write([.int64([1]), .double([1], validity: [false])]) }
        #expect(throws: BioCubeError.self) {
            try ParquetWriter(path: path + "2", fields: [.init("A", .int64), .init("A", .double)])
        }
        // Nothing unfinished is left under the final name.
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
