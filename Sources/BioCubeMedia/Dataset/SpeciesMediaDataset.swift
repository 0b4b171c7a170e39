import BioCubeCore
import BioCubeParquet
import BioCubeTransfer
import Foundation

/// The species media dataset: every photo, recording, sequence and description of a
/// ``MediaLibrary`` preprocessed into a tensor and written to one Parquet file, one row per
/// record, with its species, taxonomy (names and `label_mappings.json` ids), place, time,
/// source file and licence.
///
/// Tensors are stored losslessly: little-endian float32 bytes in the `tensor` column, the
/// shape in `shape` (`"3,64,64"`), what they hold in `feature` (`rgb` photos, `log-mel`
/// sounds, `kmer-4` sequences, `tfidf-512` descriptions); sequences and descriptions keep
/// their text in `text`. In NumPy: `np.frombuffer(row.tensor, "<f4").reshape(row.shape.split(","))`.
///
/// The work is done species by species into part files beside the output
/// (`.<name>.parts/`, each written atomically), which a rerun after an interruption reuses
/// when the species' tables and the settings are unchanged; the parts are then copied into
/// the output in one pass (no quadratic rewrite) and the output moved into place
/// atomically.
///
/// ```swift
/// var options = SpeciesMediaDataset.Options()
/// options.years = 2000...2020
/// let summary = try await SpeciesMediaDataset(library: MediaLibrary(root: "Life"), options: options)
///     .write(to: "species_media.parquet")
/// print(summary.rows, summary.problems.count)
/// ```
public struct SpeciesMediaDataset: Sendable {
    /// How records become tensors, and which are kept.
    public struct Options: Sendable {
        /// Photo preprocessing.
        public var image = ImageOptions()
        /// Sound preprocessing (the dataset stores the log-mel bands; MFCCs are their DCT).
        public var audio = AudioFeatureOptions()
        /// k of the sequences' k-mer frequencies.
        public var kmerLength = 4
        /// Largest share of ambiguous bases a sequence may have.
        public var maximumAmbiguity = 0.05
        /// Length of the description embeddings (hashed TF-IDF fitted on all descriptions).
        public var textDimension = 512
        /// Your own description embedder (a language model) instead of the hashed TF-IDF;
        /// its type name and dimension become part of the stored settings.
        public var textEmbedder: (any TextEmbedder)? = nil
        /// Years kept (by observation time; descriptions, which have none, are always kept;
        /// other records without a time are left out and counted). Nil keeps all.
        public var years: ClosedRange<Int>? = nil
        /// Records preprocessed at once (default: the machine's cores).
        public var maxConcurrency = ProcessInfo.processInfo.activeProcessorCount
        /// GBIF species keys by scientific name, for the `species_key` column (null for
        /// species not listed).
        public var speciesKeys: [String: Int64] = [:]
        /// Keep the per-species part files after the output is written (faster reruns).
        public var keepParts = false

        /// The defaults.
        public init() {}
    }

    /// What a run produced.
    public struct Summary: Sendable {
        /// The dataset file.
        public var path: String
        /// The label mappings file (extended with the library's species and taxonomy).
        public var labelsPath: String
        /// Rows written.
        public var rows: Int = 0
        /// Species in the dataset.
        public var species: Int = 0
        /// Species whose part file an earlier run had already written.
        public var reusedSpecies: Int = 0
        /// Records left out, each with the file or record and the reason.
        public var problems: [String] = []
        /// `ATTRIBUTION.csv` beside the dataset: every kept record's source, licence and credit.
        public var attributionPath: String = ""
    }

    /// The media.
    public let library: MediaLibrary
    /// The settings.
    public let options: Options

    /// A dataset of `library` with `options`.
    public init(library: MediaLibrary, options: Options = Options()) {
        self.library = library
        self.options = options
    }

    static let fields: [ParquetWriter.Field] =
        [
            .init("record_id", .string), .init("source", .string), .init("modality", .string),
            .init("species", .string), .init("species_key", .int64, optional: true), .init("species_label", .int64),
        ] + MediaRecord.ranks.map { ParquetWriter.Field($0, .string, optional: true) }
        + ["phylum_label", "class_label", "order_label", "family_label", "genus_label"].map {
            ParquetWriter.Field($0, .int64)
        } + [
            .init("latitude", .double, optional: true), .init("longitude", .double, optional: true),
            .init("timestamp", .timestamp(.micros, utc: true), optional: true),
            .init("country", .string, optional: true), .init("file", .string, optional: true),
            .init("licence", .string, optional: true), .init("rights_holder", .string, optional: true),
            .init("attribution", .string, optional: true), .init("url", .string, optional: true),
            .init("text", .string, optional: true),
            .init("feature", .string), .init("shape", .string), .init("tensor", .binary),
        ]

    /// Writes the dataset to `path` (and `label_mappings.json` beside it); `progress` gets
    /// (species done, species total).
    public func write(
        to path: String,
        progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }
    ) async throws -> Summary {
        let speciesNames = try library.species()
        guard !speciesNames.isEmpty else {
            throw BioCubeError(
                .notFound,
                "\(library.root): no species folders (download media first)",
                file: library.root
            )
        }
        let directory =
            FileIO.parent(of: path).isEmpty ? "." : FileIO.parent(of: path)
        try FileIO.createDirectories(directory)
        var summary = Summary(path: path, labelsPath: directory + "/label_mappings.json")

        // Labels and the description corpus first: both span the whole library.
        var all: [String: [MediaKind: [MediaRecord]]] = [:]
        var labels = try LabelMappings.load(path: summary.labelsPath)
        var corpus: [String] = []
        for name in speciesNames {
            var tables: [MediaKind: [MediaRecord]] = [:]
            for kind in MediaKind.allCases { tables[kind] = try library.records(of: kind, species: name) }
            // A record without some rank (descriptions have none, xeno-canto gives only the
            // genus) takes the species' most frequent value for it from its other records.
            let known = Self.taxonomy(of: tables.values.flatMap { $0 })
            for kind in MediaKind.allCases {
                let records = tables[kind]!.map { r in
                    var r = r
                    r.taxonomy.merge(known) { mine, _ in mine }
                    return r
                }
                all[name, default: [:]][kind] = records
                labels = labels.extended(with: records)
                if kind == .text { corpus += records.map(\.value) }
            }
        }
        try labels.write(to: summary.labelsPath)
        let embedder: any TextEmbedder =
            try options.textEmbedder ?? HashedTFIDFEmbedder(dimension: options.textDimension).fitted(to: corpus)
        let preprocessing = try Preprocessing(options: options, embedder: embedder)
        let identity = try settingsIdentity()
        let corpusHash = String(DownloadManifest.identity(of: Array(corpus.joined(separator: "\u{1}").utf8)), radix: 16)

        let parts = directory + "/." + (path as NSString).lastPathComponent + ".parts"
        try FileIO.createDirectories(parts)
        var partPaths: [String] = []
        for (i, name) in speciesNames.enumerated() {
            let records = MediaKind.allCases.flatMap { all[name]?[$0] ?? [] }
            // Label ids never change once given, but a deleted mappings file could renumber:
            // the ids this species uses are part of its fingerprint, and so is the
            // description corpus when it has descriptions (their IDF depends on it).
            let used = records.map { labels.labels(of: $0).map(String.init).joined(separator: ".") }
            let extra =
                Set(used).sorted().joined(separator: ",")
                + (all[name]?[.text]?.isEmpty == false ? "|" + corpusHash : "")
            let fingerprint = try self.fingerprint(species: name, identity: identity + "|" + extra, records: records)
            let part = parts + "/" + String(DownloadManifest.identity(of: Array(name.utf8)), radix: 16) + ".parquet"
            if let existing = try? ParquetFile(path: part),
                existing.keyValueMetadata["biocube.fingerprint"] == fingerprint
            {
                summary.reusedSpecies += 1
            } else {
                let problems = try await writePart(
                    records,
                    species: name,
                    to: part,
                    fingerprint: fingerprint,
                    labels: labels,
                    preprocessing: preprocessing
                )
                summary.problems += problems
            }
            partPaths.append(part)
            progress(i + 1, speciesNames.count)
        }

        // One pass: each part's rows appended to the output, which lands atomically; the
        // credit of every kept record is collected for ATTRIBUTION.csv on the way.
        let writer = try ParquetWriter(path: path, fields: Self.fields, options: Self.writerOptions)
        var credits = AttributionTable()
        for part in partPaths {
            let file = try ParquetFile(path: part)
            for g in 0..<file.rowGroupSizes.count {
                let data = try file.read(columns: Array(0..<Self.fields.count), rowGroup: g)
                let columns = zip(data, Self.fields).map { Self.column($0, $1) }
                credits.add(columns, fields: Self.fields)
                try writer.write(columns)
                summary.rows += file.rowGroupSizes[g]
            }
            if file.rowCount > 0 { summary.species += 1 }
        }
        try writer.finish(metadata: [
            "biocube.tensor_dtype": "float32 little-endian", "biocube.settings": identity,
            "biocube.created_by": "biocube species-dataset",
        ])
        summary.attributionPath = directory + "/" + AttributionTable.fileName
        try credits.write(to: summary.attributionPath)
        if !options.keepParts { try? FileManager.default.removeItem(atPath: parts) }
        return summary
    }

    /// Per rank, the most frequent value among `records` (ties: the first in sorted order).
    static func taxonomy(of records: [MediaRecord]) -> [String: String] {
        var counts: [String: [String: Int]] = [:]
        for r in records {
            for (rank, value) in r.taxonomy where !value.isEmpty { counts[rank, default: [:]][value, default: 0] += 1 }
        }
        return counts.mapValues { values in
            values.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }!.key
        }
    }

    static var writerOptions: ParquetWriter.Options {
        var o = ParquetWriter.Options()
        o.compression = .zstd(level: 3)
        o.rowGroupRows = 4096
        o.pageRows = 256
        return o
    }

    /// A column read back from a part, as the writer takes it.
    static func column(_ data: ParquetColumnData, _ field: ParquetWriter.Field) -> ParquetWriter.Column {
        switch (field.kind, data.values) {
        case (.int64, .int64(let v)), (.timestamp, .int64(let v)): return .int64(v, validity: data.validity)
        case (.double, .double(let v)): return .double(v, validity: data.validity)
        case (.string, .bytes(let b)):
            return .string(b.map { String(decoding: $0, as: UTF8.self) }, validity: data.validity)
        case (.binary, .bytes(let b)): return .binary(b.map { Array($0) }, validity: data.validity)
        default: preconditionFailure("a part column does not have the schema's type: \(field.name)")
        }
    }

    /// The settings that shape the tensors and labels, as JSON text.
    private func settingsIdentity() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let settings: [String: String] = [
            "image": String(decoding: try e.encode(options.image), as: UTF8.self),
            "audio": String(decoding: try e.encode(options.audio), as: UTF8.self),
            "kmer": "\(options.kmerLength)", "ambiguity": "\(options.maximumAmbiguity)",
            "text": options.textEmbedder.map { "\(type(of: $0)):\($0.dimension)" } ?? "tfidf:\(options.textDimension)",
            "years": options.years.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "all",
            "keys": options.speciesKeys.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                separator: ";"
            ),
            "format": "3",
        ]
        return String(decoding: try e.encode(settings), as: UTF8.self)
    }

    /// The settings plus the size and time of each of the species' tables.
    private func fingerprint(species: String, identity: String, records: [MediaRecord]) throws -> String {
        let folder = try library.folder(of: species)
        let tables = MediaKind.allCases.map { kind -> String in
            let a = FileIO.attributes(folder + "/" + kind.tableName)
            return "\(kind.rawValue):\(a?.size ?? -1):\(a?.modified ?? 0)"
        }
        // The media files too: a photo replaced in place (same table) makes a new tensor.
        var files = DownloadManifest.identity(of: [])
        for r in records where !r.file.isEmpty {
            let a = FileIO.attributes(folder + "/" + r.file)
            let text = "\(r.file):\(a?.size ?? -1):\(a?.modified ?? 0);"
            files = (files ^ DownloadManifest.identity(of: Array(text.utf8))) &* 0x100_0000_01B3
        }
        return identity + "|" + tables.joined(separator: ",") + "|files:" + String(files, radix: 16)
    }
}
