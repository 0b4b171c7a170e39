import ArgumentParser
import BioCube
import BioCubeCore
import BioCubeTransfer
import Foundation
import _BioCubeProcessTuning

@main
struct BioCubeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "biocube",
        abstract: "Turn the BioCube biodiversity dataset into training batches.",
        discussion: """
            BioCube reads each source once into a chunked, zstd-compressed Zarr v3 store, \
            then cuts training batches from the store. Run `make demo` for an end-to-end example.
            """,
        version: BioCubeVersion.string,
        subcommands: [
            StoreCommand.self, DownloadCommand.self, ERA5Command.self, IndicatorsCommand.self, IngestCommand.self,
            ParquetCommand.self, SampleCommand.self, ScanCommand.self, BuildCommand.self, BatchesCommand.self,
            StatsCommand.self, VerifyCommand.self, ViewCommand.self, SpeciesCubeCommand.self, PreprocessCommand.self,
            SpeciesDatasetCommand.self,
        ]
    )

    /// Keeps freed multi-megabyte blocks (columns, planes, chunks) for reuse instead of
    /// handing them back to the kernel (unless BIOCUBE_DEFAULT_ALLOCATOR=1), then runs the command.
    /// An interrupt (Ctrl-C, SIGTERM, SIGHUP) removes the temporary files being written and
    /// keeps what was finished, so the same command resumes. Debug builds arm the crash tests'
    /// kill points when `BIOCUBE_CRASH_AT` is set (``CrashTesting``).
    static func main() async {
        _ = AllocatorTuning.applyOnce()
        CrashTesting.armFromEnvironment()
        LiveTemporaryFiles.removeOnInterrupt { signal, removed in
            let name = [SIGINT: "SIGINT", SIGTERM: "SIGTERM", SIGHUP: "SIGHUP"][signal] ?? "signal \(signal)"
            return "biocube: interrupted (\(name)): removed \(removed) temporary file(s); "
                + "finished work is kept, run the same command again to resume"
        }
        await main(nil)
    }
}
