import ArgumentParser
import BioCube
import BioCubeParquet

struct ParquetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parquet",
        abstract: "Inspect Parquet files with BioCube's own reader.",
        subcommands: [ParquetInfo.self]
    )
}

struct ParquetInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Schema, row groups and key-value metadata of Parquet files."
    )

    @Argument(help: "Parquet files.")
    var files: [String]

    func run() async throws {
        try await reportingErrors {
            for path in files {
                let f = try ParquetFile(path: path)
                print(
                    "\(path): \(f.rowCount) rows in \(f.rowGroupSizes.count) row group(s)"
                        + (f.createdBy.map { "; created by \($0)" } ?? "")
                )
                for c in f.columns {
                    let logical = c.logicalType == .none ? "" : " \(c.logicalType)"
                    print(
                        "  \(c.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(c.physicalType)\(logical)\(c.isOptional ? " optional" : "")"
                    )
                }
                for name in f.nestedColumns {
                    print("  \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) nested (not read)")
                }
                for (k, v) in f.keyValueMetadata.sorted(by: { $0.key < $1.key }) where k != "ARROW:schema" {
                    print("  metadata \(k) = \(v.prefix(80))")
                }
            }
        }
    }
}
