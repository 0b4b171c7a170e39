import ArgumentParser
import BioCube
import BioCubeParquet
import Foundation

/// Writes the formula-filled stores and Parquet files that the interoperability tests
/// (`Tests/Interop`) read back with zarr-python and pyarrow. A test tool: not part of the
/// `biocube` command line users get.
@main
struct TestData: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "biocube-testdata",
        abstract: "Write BioCube's interoperability test data (formula-filled stores and Parquet files).",
        subcommands: [StorePattern.self, StorePatternShard.self, ParquetWriteMatrix.self]
    )
}

/// Runs `body`, printing a BioCube error and exiting with status 1 instead of a trace.
func reportingErrors<R>(_ body: () async throws -> R) async throws -> R {
    do { return try await body() } catch let e as BioCubeError {
        FileHandle.standardError.write(Data("biocube-testdata: error: \(e)\n".utf8))
        throw ExitCode(1)
    }
}
