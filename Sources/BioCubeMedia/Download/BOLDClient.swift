import BioCubeCore
public import BioCubeTransfer
public import Foundation

#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// DNA barcode records from the Barcode of Life Data System's portal API (BOLD v5): a query
/// (`GET api/query?query=tax:<taxon>&extent=full`, or `geo:<country>`) answers a `query_id`,
/// whose documents are then downloaded as TSV (`GET api/documents/<query_id>/download?format=tsv`)
/// in BOLD's BCDM columns (`processid`, `species`, `nuc`, `marker_code`, `coord`,
/// `country/ocean`, `inst`, …). Rows with a sequence become `edna.csv` rows of their species:
/// process id and marker, kingdom … genus, country, coordinates, collection date, the
/// nucleotides in ``MediaRecord/value``, the institution as rights holder, and the record's
/// portal page (`https://portal.boldsystems.org/record/<processid>`). Columns are found by
/// name, so their order does not matter.
///
/// The retired v4 API (`API_Public/combined`) now serves a "BOLD Public Offline" page, which
/// is reported as a clear error; TSV files it produced earlier still read with
/// ``importTSV(at:into:)`` (either column set is recognised).
///
/// ```swift
/// let bold = BOLDClient()
/// let summaries = try await bold.download(taxon: "Turdus merula", into: MediaLibrary(root: "Life"))
/// ```
public struct BOLDClient: Sendable {
    /// The portal API root (`https://portal.boldsystems.org/api`).
    let baseURL: URL
    private let fetcher: MediaFetcher

    /// A client of the portal API at `baseURL`.
    public init(
        options: MediaDownloadOptions = MediaDownloadOptions(),
        baseURL: URL = URL(string: "https://portal.boldsystems.org/api")!,
        session: URLSession? = nil
    ) {
        self.baseURL = baseURL
        fetcher = MediaFetcher(service: "BOLD", options: options, session: session)
    }

    /// The records of a taxon (any rank: `Turdus merula`, `Turdus`, `Aves`).
    public func download(
        taxon: String,
        into library: MediaLibrary,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> [MediaDownloadSummary] {
        try await download(query: "tax:" + taxon, label: taxon, into: library, onEvent: onEvent)
    }

    /// The records collected in a country (`Germany`).
    public func download(
        country: String,
        into library: MediaLibrary,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> [MediaDownloadSummary] {
        try await download(query: "geo:" + country, label: country, into: library, onEvent: onEvent)
    }

    /// Adds the records of a BOLD TSV file (a portal download in BCDM columns, or an archived
    /// v4 `API_Public/combined` answer) to `library`.
    public func importTSV(at path: String, into library: MediaLibrary) throws -> [MediaDownloadSummary] {
        try Self.add(
            try Self.records(tsv: Data(try FileIO.read(path)), source: path),
            to: library,
            options: fetcher.options
        )
    }

    private func download(
        query: String,
        label: String,
        into library: MediaLibrary,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void
    ) async throws -> [MediaDownloadSummary] {
        let queryURL = try MediaFetcher.url(baseURL, path: "query", query: [("query", query), ("extent", "full")])
        let answer = try await fetcher.http.sendRetrying("GET", queryURL, headers: ["Accept": "application/json"]) {
            onEvent(.retrying(attempt: $0, reason: $1))
        }
        try Self.check(answer, what: "the query '\(query)'", url: queryURL)
        guard let id = answer.json?["query_id"]?.stringValue, !id.isEmpty, id.count <= 512,
            id.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "/" && $0 != "?" && $0 != "#" })
        else {
            throw BioCubeError(
                .remoteFailure,
                "BOLD: the query '\(query)' answered no query_id (\(answer.reason))"
            )
        }
        onEvent(.status(file: label, job: "bold", status: "query \(id.prefix(16))…: downloading the records"))
        let documentURL = try MediaFetcher.url(
            baseURL,
            path: "documents/\(id)/download",
            query: [("format", "tsv")]
        )
        let tsv = try await fetcher.http.sendRetrying("GET", documentURL) {
            onEvent(.retrying(attempt: $0, reason: $1))
        }
        try Self.check(tsv, what: "the records of '\(query)'", url: documentURL)
        let records = try Self.records(tsv: tsv.body, source: "BOLD answer for \(label)")
        onEvent(.status(file: label, job: "bold", status: "\(records.count) records with sequences"))
        return try Self.add(records, to: library, options: fetcher.options)
    }

    /// Refuses an error status or an HTML page (the retired v4 API's "BOLD Public Offline").
    static func check(_ r: HTTPResponse, what: String, url: URL) throws {
        if r.isHTML {
            throw BioCubeError(
                .remoteFailure,
                "BOLD answered \(what) with an HTML page ('\(r.htmlTitle ?? "untitled")', HTTP \(r.status)) instead of data: \(Redaction.url(url)) is not the portal API (the v4 API_Public endpoints are retired; use https://portal.boldsystems.org/api)"
            )
        }
        switch r.status {
        case 200..<300: return
        case 401, 403: throw BioCubeError(r.errorCode, "BOLD refused \(what) (HTTP \(r.status): \(r.reason))")
        case 404, 410:
            throw BioCubeError(r.errorCode, "BOLD: \(what): \(Redaction.url(url)) not found (HTTP \(r.status))")
        case 400, 422: throw BioCubeError(r.errorCode, "BOLD rejected \(what) (HTTP \(r.status): \(r.reason))")
        default: throw BioCubeError(r.errorCode, "BOLD answered \(what) with HTTP \(r.status) \(r.reason)")
        }
    }

    /// Adds records to their species' tables, within ``MediaDownloadOptions/maximumPerSpecies``.
    static func add(
        _ records: [MediaRecord],
        to library: MediaLibrary,
        options: MediaDownloadOptions
    ) throws -> [MediaDownloadSummary] {
        var bySpecies: [String: [MediaRecord]] = [:]
        for r in records { bySpecies[r.species, default: []].append(r) }
        var out: [MediaDownloadSummary] = []
        for species in bySpecies.keys.sorted() {
            var summary = MediaDownloadSummary(species: species)
            var list = bySpecies[species]!
            let known = Set(try library.records(of: .edna, species: species).map(\.id))
            let limit = max(0, (options.maximumPerSpecies ?? Int.max) - known.count)
            summary.skipped = list.filter { known.contains($0.id) }.count
            list = Array(list.filter { !known.contains($0.id) }.prefix(limit))
            summary.added = try library.add(list)
            out.append(summary)
        }
        return out
    }

    /// The two column sets BOLD has published.
    enum Layout {
        /// The portal's BCDM columns (v5).
        case bcdm
        /// The retired v4 `API_Public/combined` columns.
        case v4
    }

    /// The records with a sequence in a BOLD TSV (UTF-8, or Latin-1 when not UTF-8), in
    /// either layout.
    static func records(tsv data: Data, source: String) throws -> [MediaRecord] {
        let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) ?? ""
        var lines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        guard !lines.isEmpty else { return [] }
        let header = lines.removeFirst().split(separator: "\t", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var column: [String: Int] = [:]
        for (i, h) in header.enumerated() where column[h] == nil { column[h] = i }
        let layout: Layout
        if column["processid"] != nil, column["nuc"] != nil, column["species"] != nil {
            layout = .bcdm
        } else if column["processid"] != nil, column["nucleotides"] != nil, column["species_name"] != nil {
            layout = .v4
        } else {
            if text.prefix(512).lowercased().contains("<html") {
                throw BioCubeError(
                    .corruptData,
                    "\(source): an HTML page, not a BOLD TSV (the retired v4 API answers 'BOLD Public Offline')"
                )
            }
            throw BioCubeError(
                .corruptData,
                "\(source): neither BOLD's portal columns (processid, species, nuc) nor the v4 ones (processid, species_name, nucleotides); first line: \(header.prefix(5).joined(separator: ", "))…"
            )
        }
        var out: [MediaRecord] = []
        for (n, line) in lines.enumerated() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map {
                String($0).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            func v(_ name: String) -> String {
                let value = column[name].flatMap { $0 < f.count ? f[$0] : nil } ?? ""
                return value == "None" || value == "NA" ? "" : value
            }
            let sequence = v(layout == .bcdm ? "nuc" : "nucleotides")
            let species = v(layout == .bcdm ? "species" : "species_name")
            guard !sequence.isEmpty, !species.isEmpty else { continue }
            guard f.count >= header.count - 1 else {
                throw BioCubeError(
                    .corruptData,
                    "\(source): row \(n + 2) has \(f.count) fields, the header \(header.count) (cut short?)"
                )
            }
            let processID = v("processid")
            let marker = v(layout == .bcdm ? "marker_code" : "markercode")
            var r = MediaRecord(
                id: processID + (marker.isEmpty ? "" : "/" + marker),
                source: "bold",
                kind: .edna,
                species: species
            )
            switch layout {
            case .bcdm:
                for rank in MediaRecord.ranks where !v(rank).isEmpty { r.taxonomy[rank] = v(rank) }
                (r.latitude, r.longitude) = Self.coordinates(v("coord"))
                r.timestamp = v("collection_date_start").isEmpty ? v("collection_date") : v("collection_date_start")
                r.country = v("country/ocean").isEmpty ? v("country") : v("country/ocean")
                r.url = "https://portal.boldsystems.org/record/" + processID
                r.licence = v("license").isEmpty ? v("copyright_licenses") : v("license")
                r.rightsHolder = v("inst")
            case .v4:
                for rank in ["phylum", "class", "order", "family", "genus"] where !v(rank + "_name").isEmpty {
                    r.taxonomy[rank] = v(rank + "_name")
                }
                r.latitude = Double(v("lat"))
                r.longitude = Double(v("lon"))
                r.timestamp =
                    v("collectiondate_start").isEmpty
                    ? v("run_dates").split(separator: "|").first.map(String.init) ?? "" : v("collectiondate_start")
                r.country = v("country")
                r.url = "https://portal.boldsystems.org/record/" + processID
                r.licence = v("copyright_licenses").split(separator: "|").first.map(String.init) ?? ""
                r.rightsHolder = v("institution_storing")
            }
            r.value = sequence
            r.attribution =
                "BOLD record \(processID)" + (r.rightsHolder.isEmpty ? "" : ", \(r.rightsHolder)")
                + ", Barcode of Life Data System, \(r.url)"
            out.append(r)
        }
        return out
    }

    /// Latitude and longitude of a BCDM `coord` (`[47.1, 8.3]` or `47.1,8.3`), when both are
    /// numbers within range.
    static func coordinates(_ text: String) -> (Double?, Double?) {
        let inner = text.trimmingCharacters(in: CharacterSet(charactersIn: "[]() "))
        let parts = inner.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let lat = parts[0], let lon = parts[1], lat.isFinite, lon.isFinite, abs(lat) <= 90,
            abs(lon) <= 180
        else { return (nil, nil) }
        return (lat, lon)
    }
}
