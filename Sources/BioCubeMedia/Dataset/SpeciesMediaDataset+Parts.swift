import BioCubeCore
import BioCubeParquet
import Foundation

extension SpeciesMediaDataset {
    /// The preprocessors of one run.
    struct Preprocessing: Sendable {
        let image: ImagePreprocessor
        let audio: AudioPreprocessor
        let embedder: any TextEmbedder
        let kmerLength: Int
        let maximumAmbiguity: Double

        init(options: Options, embedder: any TextEmbedder) throws {
            image = try ImagePreprocessor(options: options.image)
            audio = try AudioPreprocessor(options: options.audio)
            self.embedder = embedder
            guard (1...8).contains(options.kmerLength) else {
                throw BioCubeError(.invalidArgument, "k-mer length \(options.kmerLength) is not 1…8")
            }
            kmerLength = options.kmerLength
            maximumAmbiguity = options.maximumAmbiguity
        }

        /// The feature name and tensor of `record`, whose files are under `folder`.
        func tensor(of record: MediaRecord, in folder: String) throws -> (String, Tensor) {
            // A table row names its file: it must lie inside the species folder.
            func file() throws -> String {
                try UntrustedPath.resolve(record.file, inside: folder, what: "the file of record '\(record.id)'")
            }
            switch record.kind {
            case .image:
                return ("rgb", try image.tensor(ofFile: try file()))
            case .sound:
                return ("log-mel", try audio.features(ofFile: try file()).logMel)
            case .edna:
                let dna = try DNASequence(record.value, maximumAmbiguity: maximumAmbiguity)
                let f = try dna.kmerFrequencies(k: kmerLength)
                return ("kmer-\(kmerLength)", try Tensor(shape: [f.count], storage: f))
            case .text:
                let v = try embedder.embed(record.value)
                guard v.count == embedder.dimension else {
                    throw BioCubeError(
                        .invalidArgument,
                        "the text embedder \(type(of: embedder)) returned \(v.count) values, its dimension is \(embedder.dimension)"
                    )
                }
                let name = embedder is HashedTFIDFEmbedder ? "tfidf" : "embedding"
                return ("\(name)-\(embedder.dimension)", try Tensor(shape: [v.count], storage: v))
            }
        }
    }

    /// One preprocessed row.
    private struct Row: Sendable {
        let record: MediaRecord
        let time: UTCDateTime?
        let feature: String
        let tensor: Tensor
    }

    /// Preprocesses `records` of one species (up to ``Options/maxConcurrency`` at once) and
    /// writes them, in table order, to the part file at `path` (atomically). Returns the
    /// records left out, with reasons.
    func writePart(
        _ records: [MediaRecord],
        species: String,
        to path: String,
        fingerprint: String,
        labels: LabelMappings,
        preprocessing: Preprocessing
    ) async throws -> [String] {
        let folder = try library.folder(of: species)
        var problems: [String] = []
        var kept: [(MediaRecord, UTCDateTime?)] = []
        var seen: Set<String> = []
        for r in records {
            let place = "\(species)/\(r.kind.tableName) \(r.id)"
            // A row is stored only when what it says can be true.
            guard seen.insert(r.kind.rawValue + "\u{1}" + r.id).inserted else {
                problems.append("\(place): listed twice; the first row is kept")
                continue
            }
            if let lat = r.latitude, !(lat.isFinite && abs(lat) <= 90) {
                problems.append("\(place): latitude \(lat) is not a latitude")
                continue
            }
            if let lon = r.longitude, !(lon.isFinite && lon >= -180 && lon <= 360) {
                problems.append("\(place): longitude \(lon) is not a longitude")
                continue
            }
            let time = MediaTimestamp.parse(r.timestamp)
            if time == nil, !r.timestamp.trimmingCharacters(in: .whitespaces).isEmpty, r.kind != .text {
                problems.append("\(place): the time '\(r.timestamp.prefix(40))' is not a date and time")
                continue
            }
            if r.kind != .text, let years = options.years {
                guard let time else {
                    problems.append(
                        "\(species)/\(r.kind.tableName) \(r.id): no usable observation time ('\(r.timestamp)')"
                    )
                    continue
                }
                guard years.contains(time.year) else { continue }
            }
            kept.append((r, time))
        }
        var rows = [Row?](repeating: nil, count: kept.count)
        try await withThrowingTaskGroup(of: (Int, Result<Row, BioCubeError>).self) { group in
            var next = 0
            func launch() {
                let i = next
                let (record, time) = kept[i]
                next += 1
                group.addTask {
                    do {
                        let (feature, tensor) = try preprocessing.tensor(of: record, in: folder)
                        return (i, .success(Row(record: record, time: time, feature: feature, tensor: tensor)))
                    } catch let e as BioCubeError {
                        return (i, .failure(e))
                    }
                }
            }
            while next < min(kept.count, max(1, options.maxConcurrency)) { launch() }
            while let (i, result) = try await group.next() {
                switch result {
                case .success(let row): rows[i] = row
                case .failure(let e):
                    problems.append("\(species)/\(kept[i].0.kind.tableName) \(kept[i].0.id): \(e)")
                }
                if next < kept.count { launch() }
            }
        }
        let done = rows.compactMap { $0 }
        let writer = try ParquetWriter(path: path, fields: Self.fields, options: Self.writerOptions)
        if !done.isEmpty {
            try writer.write(
                Self.columns(
                    done.map { ($0.record, $0.time, $0.feature, $0.tensor) },
                    labels: labels,
                    keys: options.speciesKeys
                )
            )
        }
        try writer.finish(metadata: ["biocube.fingerprint": fingerprint, "biocube.species": species])
        return problems
    }

    /// The writer's columns for `rows`, in ``fields`` order.
    static func columns(
        _ rows: [(record: MediaRecord, time: UTCDateTime?, feature: String, tensor: Tensor)],
        labels: LabelMappings,
        keys: [String: Int64]
    ) -> [ParquetWriter.Column] {
        func strings(_ f: (MediaRecord) -> String) -> ParquetWriter.Column { .string(rows.map { f($0.record) }) }
        func optional(_ f: (MediaRecord) -> String) -> ParquetWriter.Column {
            let v = rows.map { f($0.record) }
            return .string(v, validity: v.map { !$0.isEmpty })
        }
        let ids = rows.map { labels.labels(of: $0.record).map(Int64.init) }
        var out: [ParquetWriter.Column] = [
            strings(\.id), strings(\.source), strings(\.kind.rawValue), strings(\.species),
            .int64(rows.map { keys[$0.record.species] ?? 0 }, validity: rows.map { keys[$0.record.species] != nil }),
            .int64(ids.map { $0[0] }),
        ]
        out += MediaRecord.ranks.map { rank in optional { $0.taxonomy[rank] ?? "" } }
        out += (1...5).map { k in .int64(ids.map { $0[k] }) }
        out += [
            .double(rows.map { $0.record.latitude ?? 0 }, validity: rows.map { $0.record.latitude != nil }),
            .double(rows.map { $0.record.longitude ?? 0 }, validity: rows.map { $0.record.longitude != nil }),
            .int64(rows.map { ($0.time?.secondsSince1970 ?? 0) * 1_000_000 }, validity: rows.map { $0.time != nil }),
            optional(\.country), optional(\.file), optional(\.licence), optional(\.rightsHolder),
            optional(\.attribution), optional(\.url),
            optional { $0.kind == .edna || $0.kind == .text ? $0.value : "" },
            .string(rows.map(\.feature)), .string(rows.map { $0.tensor.shape.map(String.init).joined(separator: ",") }),
            .binary(rows.map { r in r.tensor.storage.withUnsafeBytes { Array($0) } }),
        ]
        return out
    }
}
