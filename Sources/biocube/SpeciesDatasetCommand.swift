import ArgumentParser
import BioCube
import BioCubeMedia
import Foundation

struct SpeciesDatasetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "species-dataset",
        abstract:
            "Preprocess a species media folder (Life/) into one Parquet dataset, one row per record with its tensor.",
        discussion: """
            Photos become normalised (3, size, size) tensors, sounds log-mel bands, sequences k-mer \
            frequencies, descriptions hashed TF-IDF vectors (Documentation/Media.md). label_mappings.json \
            beside the output is extended with the species and taxonomy. Work is kept per species in \
            .<out>.parts/ so an interrupted run resumes.
            Example: biocube species-dataset Life --out species_media.parquet --start 2000 --end 2020
            """
    )

    @Argument(help: "The species media folder (one sub-folder per species).")
    var library: String
    @Option(help: "The Parquet file to write.")
    var out: String = "species_media.parquet"
    @Option(help: "First year kept (by observation time).")
    var start: Int?
    @Option(help: "Last year kept.")
    var end: Int?
    @Option(help: "Photo side in pixels.")
    var imageSize: Int = 64
    @Option(help: "Mel bands of the sounds.")
    var nMels: Int = 64
    @Option(help: "k of the sequences' k-mer frequencies.")
    var k: Int = 4
    @Option(help: "Length of the description embeddings.")
    var textDimension: Int = 512
    @Option(help: "A CSV of scientific name,GBIF species key per line, for the species_key column.")
    var speciesKeys: String?
    @Flag(help: "Keep the per-species part files (faster reruns after the library changes).")
    var keepParts = false

    func run() async throws {
        try await reportingErrors {
            var options = SpeciesMediaDataset.Options()
            options.image.size = imageSize
            options.audio.melBands = nMels
            options.audio.mfccCount = min(options.audio.mfccCount, nMels)
            options.kmerLength = k
            options.textDimension = textDimension
            options.keepParts = keepParts
            if let speciesKeys { options.speciesKeys = try SpeciesKeyFile.read(speciesKeys) }
            if start != nil || end != nil {
                let lo = start ?? Int.min / 2
                let hi = end ?? Int.max / 2
                guard lo <= hi else { throw ValidationError("--start \(lo) is after --end \(hi)") }
                options.years = lo...hi
            }
            let began = Date()
            let tty = isatty(1) == 1
            let summary = try await SpeciesMediaDataset(library: MediaLibrary(root: library), options: options).write(
                to: out
            ) {
                done,
                total in
                if tty {
                    print("\r\u{1B}[2K  species \(done)/\(total)", terminator: done == total ? "\r\u{1B}[2K" : "")
                    FileHandle.standardOutput.synchronizeFile()
                }
            }
            print(
                String(
                    format:
                        "%@: %d rows from %d species in %.1f s (%d species reused from an earlier run); labels in %@",
                    summary.path,
                    summary.rows,
                    summary.species,
                    Date().timeIntervalSince(began),
                    summary.reusedSpecies,
                    summary.labelsPath
                )
            )
            print(
                "credits of every kept record (source, licence, rights holder, attribution): \(summary.attributionPath)"
            )
            if !summary.problems.isEmpty {
                print("\(summary.problems.count) record(s) left out:")
                for p in summary.problems.prefix(20) { print("  \(p)") }
                if summary.problems.count > 20 { print("  … and \(summary.problems.count - 20) more") }
            }
        }
    }
}
