import ArgumentParser
import BioCube
import BioCubeParquet

/// Writes the deterministic matrix of files that `Tests/Interop/test_parquet_writer.py`
/// reads back with pyarrow (values follow formulas the test recomputes).
struct ParquetWriteMatrix: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parquet-matrix",
        abstract: "Write the Parquet writer interoperability matrix."
    )

    @Argument(help: "Output folder.")
    var directory: String

    func run() async throws {
        try await reportingErrors {
            let compressions: [(String, ParquetWriter.Compression)] = [
                ("none", .none), ("snappy", .snappy), ("zstd", .zstd(level: 3)),
            ]
            for (codecName, codec) in compressions {
                for dictionary in [true, false] {
                    for rows in [0, 1, 1000, 130_001] {
                        var options = ParquetWriter.Options()
                        options.compression = codec
                        options.dictionary = dictionary
                        options.rowGroupRows = 50_000
                        options.pageRows = 8192
                        let name = "\(codecName)-\(dictionary ? "dict" : "plain")-\(rows)"
                        let writer = try ParquetWriter(
                            path: "\(directory)/\(name).parquet",
                            fields: [
                                .init("Species", .string), .init("Key", .int64),
                                .init("Latitude", .double), .init("Distribution", .double, optional: true),
                                .init("Family", .string, optional: true),
                                .init("Timestamp", .timestamp(.nanos, utc: false)),
                                .init("Observed", .timestamp(.micros, utc: true), optional: true),
                            ],
                            options: options
                        )
                        let r = 0..<rows
                        try writer.write([
                            .string(r.map { "\(1_340_000 + $0 % 28)" }),
                            .int64(r.map { Int64($0) * 7919 - 3_000_000_000 }),
                            .double(r.map { 32 + Double($0 % 161) * 0.25 }),
                            .double(
                                r.map { $0 % 17 == 0 ? .nan : Double($0 % 40) * 1.5 },
                                validity: r.map { $0 % 5 != 2 }
                            ),
                            .string(r.map { "Família \($0 % 9)" }, validity: r.map { $0 % 4 != 1 }),
                            .int64(r.map { (946_684_800 + Int64($0 % 246) * 2_592_000) * 1_000_000_000 }),
                            .int64(
                                r.map { 1_000_000_000_000 + Int64($0) * 1_000_003 },
                                validity: r.map { $0 % 3 != 0 }
                            ),
                        ])
                        try writer.finish(metadata: ["biocube:case": name])
                    }
                }
            }
        }
    }
}
