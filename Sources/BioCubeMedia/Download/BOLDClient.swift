public import BioCubeCore
public import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// DNA barcode records from the Barcode of Life Data System's public API
/// (`GET API_Public/combined?taxon=…&format=tsv`, or `geo=<country>`): specimens with their
/// sequences, one TSV row per record and marker. Rows with a sequence become `edna.csv` rows
/// of their species (`species_name`): process id and marker, phylum … genus, country,
/// coordinates, collection date (`collectiondate_start`, else the sequencing run date),
/// and the nucleotides in ``MediaRecord/value``. Columns are found by name, so their order
/// does not matter.
///
/// ```swift
/// let bold = BOLDClient()
/// let summaries = try await bold.download(taxon: "Turdus merula", into: MediaLibrary(root: "Life"))
/// ```
public struct BOLDClient: Sendable {
    /// The API root (`https://v4.boldsystems.org/index.php`).
    let baseURL: URL
    private let fetcher: MediaFetcher

    /// A client of the API at `baseURL`.
    public init(
        options: MediaDownloadOptions = MediaDownloadOptions(),
        baseURL: URL = URL(string: "https://v4.boldsystems.org/index.php")!, session: URLSession? = nil
    ) {
        self.baseURL = baseURL
        fetcher = MediaFetcher(service: "BOLD", options: options, session: session)
    }

    /// The records of a taxon (any rank: `Turdus merula`, `Turdus`, `Aves`).
    public func download(
        taxon: String, into library: MediaLibrary, onEvent: @escaping @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> [MediaDownloadSummary] {
        try await download(query: [("taxon", taxon)], label: taxon, into: library, onEvent: onEvent)
    }

    /// The records collected in a country (`Germany`).
    public func download(
        country: String, into library: MediaLibrary, onEvent: @escaping @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> [MediaDownloadSummary] {
        try await download(query: [("geo", country)], label: country, into: library, onEvent: onEvent)
    }

    private func download(
        query: [(String, String)], label: String, into library: MediaLibrary,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void
    ) async throws -> [MediaDownloadSummary] {
        let url = try MediaFetcher.url(baseURL, path: "API_Public/combined", query: query + [("format", "tsv")])
        let data = try await fetcher.body(url, onEvent: onEvent)
        let records = try Self.records(tsv: data, source: "BOLD answer for \(label)")
        onEvent(.status(file: label, job: "bold", status: "\(records.count) records with sequences"))
        var bySpecies: [String: [MediaRecord]] = [:]
        for r in records { bySpecies[r.species, default: []].append(r) }
        var out: [MediaDownloadSummary] = []
        for species in bySpecies.keys.sorted() {
            var summary = MediaDownloadSummary(species: species)
            var list = bySpecies[species]!
            let known = Set(try library.records(of: .edna, species: species).map(\.id))
            let limit = max(0, (fetcher.options.maximumPerSpecies ?? Int.max) - known.count)
            summary.skipped = list.filter { known.contains($0.id) }.count
            list = Array(list.filter { !known.contains($0.id) }.prefix(limit))
            summary.added = try library.add(list)
            out.append(summary)
        }
        return out
    }

    /// The records with a sequence in a BOLD TSV answer (UTF-8, or Latin-1 when not UTF-8).
    static func records(tsv data: Data, source: String) throws -> [MediaRecord] {
        let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) ?? ""
        var lines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        guard !lines.isEmpty else { return [] }
        let header = lines.removeFirst().split(separator: "\t", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var column: [String: Int] = [:]
        for (i, h) in header.enumerated() { column[h] = i }
        for required in ["processid", "species_name", "nucleotides"] where column[required] == nil {
            throw BioCubeError(
                .corruptData,
                "\(source): no '\(required)' column (is this the TSV of API_Public/combined? first line: \(header.prefix(5).joined(separator: ", "))…)"
            )
        }
        var out: [MediaRecord] = []
        for (n, line) in lines.enumerated() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map {
                String($0).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            func v(_ name: String) -> String { column[name].flatMap { $0 < f.count ? f[$0] : nil } ?? "" }
            let sequence = v("nucleotides")
            let species = v("species_name")
            guard !sequence.isEmpty, !species.isEmpty else { continue }
            guard f.count >= header.count - 1 else {
                throw BioCubeError(
                    .corruptData,
                    "\(source): row \(n + 2) has \(f.count) fields, the header \(header.count) (cut short?)")
            }
            let marker = v("markercode")
            var r = MediaRecord(
                id: v("processid") + (marker.isEmpty ? "" : "/" + marker), source: "bold", kind: .edna, species: species
            )
            for rank in ["phylum", "class", "order", "family", "genus"] where !v(rank + "_name").isEmpty {
                r.taxonomy[rank] = v(rank + "_name")
            }
            r.latitude = Double(v("lat"))
            r.longitude = Double(v("lon"))
            r.timestamp =
                v("collectiondate_start").isEmpty
                ? v("run_dates").split(separator: "|").first.map(String.init) ?? "" : v("collectiondate_start")
            r.country = v("country")
            r.url = "https://v4.boldsystems.org/index.php/Public_RecordView?processid=" + v("processid")
            r.licence = v("copyright_licenses").split(separator: "|").first.map(String.init) ?? ""
            r.value = sequence
            out.append(r)
        }
        return out
    }
}
