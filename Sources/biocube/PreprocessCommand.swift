import ArgumentParser
import BioCube
import BioCubeMedia
import Foundation

struct PreprocessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preprocess",
        abstract: "Turn species media (photos, sounds, DNA sequences, texts) into tensors (.npy files).",
        discussion: """
            The same preprocessing the species media dataset uses, one file at a time, written as \
            NumPy .npy arrays (float32) into --out. See Documentation/Media.md for the exact rules.
            """,
        subcommands: [PreprocessImage.self, PreprocessAudio.self, PreprocessDNA.self, PreprocessText.self]
    )
}

/// Writes `tensor` as `<out>/<name>.npy` atomically.
private func save(_ tensor: Tensor, _ out: String, _ name: String) throws {
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    try FileIO.writeAtomically(out + "/" + name + ".npy", tensor.npyBytes)
}

private func stem(_ path: String) -> String { ((path as NSString).lastPathComponent as NSString).deletingPathExtension }

/// Refuses inputs whose outputs would land on one name (`a/photo.png`, `b/photo.jpg`): the
/// second would silently replace the first.
private func checkDistinctStems(_ files: [String]) throws {
    var seen: [String: String] = [:]
    for f in files {
        if let other = seen[stem(f)] {
            throw ValidationError(
                "\(other) and \(f) would both be written as \(stem(f)).npy; preprocess them into different --out folders"
            )
        }
        seen[stem(f)] = f
    }
}

/// Runs `work` on every file, `threads` (default: one per core) at a time, printing each
/// result line in the files' order as soon as it and every earlier one are done. The first
/// error stops the run (files already written stay).
private func inParallel(
    _ files: [String],
    threads: Int?,
    _ work: @escaping @Sendable (String) throws -> String
) async throws {
    let width = threads ?? ProcessInfo.processInfo.activeProcessorCount
    guard width >= 1 else { throw ValidationError("--threads \(width): give at least 1") }
    try await withThrowingTaskGroup(of: (Int, String).self) { group in
        var next = 0
        var done: [Int: String] = [:]
        var printed = 0
        func flush() {
            while let line = done.removeValue(forKey: printed) {
                print(line)
                printed += 1
            }
        }
        while next < min(width, files.count) {
            let i = next
            group.addTask { (i, try work(files[i])) }
            next += 1
        }
        while let (i, line) = try await group.next() {
            done[i] = line
            flush()
            if next < files.count {
                let j = next
                group.addTask { (j, try work(files[j])) }
                next += 1
            }
        }
    }
}

private func triple(_ text: String) throws -> [Float] {
    let v = text.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
    guard v.count == 3 else { throw ValidationError("'\(text)': give three comma-separated numbers (red,green,blue)") }
    return v
}

extension ImageOptions.Filter: ExpressibleByArgument {}
extension ImageOptions.Fit: ExpressibleByArgument {}
extension ImageOptions.Arithmetic: ExpressibleByArgument {}
extension ImageOptions.Preset: ExpressibleByArgument {}
extension AudioFeatureOptions.Preset: ExpressibleByArgument {}
extension AudioFeatureOptions.Resampling: ExpressibleByArgument {}

struct PreprocessImage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "JPEG/PNG photos → normalised (3, size, size) tensors: <out>/<name>.npy."
    )

    @Argument(help: "JPEG or PNG files.") var files: [String]
    @Option(help: "Output folder.") var out: String
    @Option(help: "Output side in pixels.") var size: Int = 64
    @Option(
        help: """
            torchvision: Resize(size) + CenterCrop(size) + ToTensor + Normalize on a PIL image, \
            to the 8-bit level (fixes --filter, --fit and --arithmetic).
            """
    )
    var preset: ImageOptions.Preset?
    @Option(help: "Resampling filter: area, lanczos or bilinear (default area).") var filter: ImageOptions.Filter?
    @Option(help: "Non-square photos: centre-crop, stretch or shorter-side (default centre-crop).")
    var fit: ImageOptions.Fit?
    @Option(help: "float (default) or pillow-8bit (each pass rounded to 8 bits, as Pillow).")
    var arithmetic: ImageOptions.Arithmetic?
    @Option(help: "Per-channel mean (r,g,b) after scaling to 0…1.") var mean: String = "0.485,0.456,0.406"
    @Option(help: "Per-channel standard deviation (r,g,b).") var std: String = "0.229,0.224,0.225"
    @Option(help: "Files processed at once (default: one per core).") var threads: Int?
    @Flag(
        help: """
            Decode JPEGs reduced by their DCT (by 2, 4 or 8) when at least that many times --size, \
            as Pillow's Image.draft("RGB", (size, size)); faster, values follow the reduced decode.
            """
    )
    var jpegDraft = false

    func run() async throws {
        try await reportingErrors {
            var options = ImageOptions()
            options.size = size
            if let preset {
                guard filter == nil, fit == nil, arithmetic == nil else {
                    throw ValidationError(
                        "--preset \(preset.rawValue) fixes --filter, --fit and --arithmetic; give one or the other"
                    )
                }
                options = ImageOptions(preset: preset, size: size)
            } else {
                options.filter = filter ?? .area
                options.fit = fit ?? .centreCrop
                options.arithmetic = arithmetic ?? .float
            }
            options.jpegDraft = jpegDraft
            options.mean = try triple(mean)
            options.standardDeviation = try triple(std)
            let images = try ImagePreprocessor(options: options)
            try checkDistinctStems(files)
            try await inParallel(files, threads: threads) { file in
                let t = try images.tensor(ofFile: file)
                try save(t, out, stem(file))
                return "\(file) → \(out)/\(stem(file)).npy \(t.shape)"
            }
        }
    }
}

struct PreprocessAudio: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audio",
        abstract:
            "WAV/MP3 recordings → log-mel (n_mels, frames) and MFCC (n_mfcc, frames): <out>/<name>.logmel.npy, .mfcc.npy."
    )

    @Argument(help: "WAV or MP3 files.") var files: [String]
    @Option(help: "Output folder.") var out: String
    @Option(
        help: """
            librosa: librosa.load(sr=--sample-rate) (soxr_hq resampling), then melspectrogram, \
            power_to_db and mfcc with these settings (fixes --resampling).
            """
    )
    var preset: AudioFeatureOptions.Preset?
    @Option(help: "Analysis sample rate (Hz); clips are resampled to it.") var sampleRate: Int = 16_000
    @Option(help: "Resampler: kaiser (default) or soxr-hq (libsoxr, as librosa.load).")
    var resampling: AudioFeatureOptions.Resampling?
    @Option(help: "Samples per frame.") var nFFT: Int = 400
    @Option(help: "Samples between frames.") var hop: Int = 160
    @Option(help: "Mel bands.") var nMels: Int = 64
    @Option(help: "Cepstral coefficients.") var nMFCC: Int = 20
    @Option(help: "Lowest filter frequency (Hz).") var fmin: Double = 0
    @Option(help: "Highest filter frequency (Hz; default half the sample rate).") var fmax: Double?
    @Option(help: "Floor of the log-mel values below the clip's maximum, in dB (0: none).") var topDB: Double = 80
    @Option(help: "Files processed at once (default: one per core).") var threads: Int?

    func run() async throws {
        try await reportingErrors {
            var o = AudioFeatureOptions()
            if let preset {
                guard resampling == nil else {
                    throw ValidationError("--preset \(preset.rawValue) fixes --resampling; give one or the other")
                }
                o = AudioFeatureOptions(preset: preset)
            } else {
                o.resampling = resampling ?? .kaiser
            }
            o.sampleRate = sampleRate
            o.fftSize = nFFT
            o.hopLength = hop
            o.melBands = nMels
            o.mfccCount = nMFCC
            o.minimumFrequency = fmin
            o.maximumFrequency = fmax
            o.topDecibels = topDB > 0 ? topDB : nil
            let audio = try AudioPreprocessor(options: o)
            try checkDistinctStems(files)
            try await inParallel(files, threads: threads) { file in
                let f = try audio.features(ofFile: file)
                try save(f.logMel, out, stem(file) + ".logmel")
                try save(f.mfcc, out, stem(file) + ".mfcc")
                return
                    "\(file) (\(String(format: "%.2f", f.duration)) s) → \(out)/\(stem(file)).{logmel,mfcc}.npy, \(f.frames) frames"
            }
        }
    }
}

struct PreprocessDNA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dna",
        abstract:
            "Nucleotide sequences → k-mer frequencies (N, 4^k) and one-hot (N, 4, length): <out>/kmers.npy, onehot.npy.",
        discussion: "Input: FASTA files (> header lines, sequences over one or more lines) or --sequence texts."
    )

    @Argument(help: "FASTA files.") var files: [String] = []
    @Option(help: "A sequence given directly (repeatable).") var sequence: [String] = []
    @Option(help: "Output folder.") var out: String
    @Option(help: "k-mer length.") var k: Int = 4
    @Option(help: "One-hot length (bases; longer sequences are cut, shorter padded with zeros).") var length: Int = 658
    @Option(help: "Largest share of ambiguous IUPAC codes a sequence may have.") var maxAmbiguity: Double = 0.05

    func run() async throws {
        try await reportingErrors {
            var texts: [(String, String)] = sequence.enumerated().map { ("--sequence \($0.offset + 1)", $0.element) }
            guard (1...65_536).contains(length) else { throw ValidationError("--length \(length): give 1…65536 bases") }
            for file in files {
                texts += try FASTAFile(path: file).records.map { ("\(file): \($0.name)", $0.sequence) }
            }
            guard !texts.isEmpty else {
                throw BioCubeError(.invalidArgument, "no sequences: give FASTA files or --sequence")
            }
            // The one-hot array is N × 4 × length floats: refuse what would not fit in memory.
            guard texts.count.multipliedReportingOverflow(by: 4 * length).partialValue <= 1 << 28,
                !texts.count.multipliedReportingOverflow(by: 4 * length).overflow
            else {
                throw ValidationError(
                    "\(texts.count) sequences × 4 × \(length) bases is over 2^28 values (1 GiB); lower --length or split the input"
                )
            }
            var kmers: [Float] = []
            var onehot: [Float] = []
            for (label, text) in texts {
                let dna: DNASequence
                do { dna = try DNASequence(text, maximumAmbiguity: maxAmbiguity) } catch let e as BioCubeError {
                    throw BioCubeError(e.code, "\(label): \(e.message)", cause: e)
                }
                kmers += try dna.kmerFrequencies(k: k)
                onehot += try dna.oneHot(length: length).storage
            }
            try save(try Tensor(shape: [texts.count, 1 << (2 * k)], storage: kmers), out, "kmers")
            try save(try Tensor(shape: [texts.count, 4, length], storage: onehot), out, "onehot")
            print(
                "\(texts.count) sequence(s) → \(out)/kmers.npy (\(texts.count), \(1 << (2 * k))), \(out)/onehot.npy (\(texts.count), 4, \(length))"
            )
        }
    }
}

struct PreprocessText: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Texts (one per line) → hashed TF-IDF embeddings (N, dimension): <out>/embeddings.npy.",
        discussion: """
            Row i is line i (an empty line gives an empty text's row). The file is UTF-8, or UTF-16 \
            with a byte-order mark; anything else is an error naming the line. The inverse document \
            frequencies are learnt from the same lines.
            """
    )

    @Argument(help: "A text file, one document per line.") var file: String
    @Option(help: "Output folder.") var out: String
    @Option(help: "Embedding length.") var dimension: Int = 512
    @Option(help: "Longest word n-gram.") var ngrams: Int = 2
    @Option(help: "Texts embedded at once (default: one per core).") var threads: Int?

    func run() async throws {
        try await reportingErrors {
            // One row per input line, empty lines included, so row i is line i.
            let lines = try TextLines.read(file).lines
            guard !lines.isEmpty else { throw BioCubeError(.invalidArgument, "\(file): no lines") }
            let (embedder, values) = try await HashedTFIDFEmbedder(dimension: dimension, maximumNGram: ngrams)
                .fittedEmbeddings(of: lines, threads: threads)
            try save(try Tensor(shape: [lines.count, embedder.dimension], storage: values), out, "embeddings")
            print("\(lines.count) text(s) → \(out)/embeddings.npy (\(lines.count), \(embedder.dimension))")
        }
    }
}
