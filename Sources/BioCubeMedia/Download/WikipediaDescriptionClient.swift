import BioCubeCore
public import BioCubeTransfer
public import Foundation

#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// Species descriptions from Wikipedia's REST API (`GET page/summary/<Genus_species>`):
/// the article's lead `extract` becomes the one row of `descriptions.csv` (text in
/// ``MediaRecord/value``, licence CC BY-SA 4.0, rights holder "Wikipedia contributors", the
/// article URL and a credit line naming the article). A disambiguation page or a missing
/// article is reported in the summary's failures, not written.
///
/// Most scientific names are redirects (`Turdus_merula` → `Common_blackbird`): the API
/// answers 302 with a relative `Location`, which BioCube's transport follows to the article.
/// Every request carries BioCube's `User-Agent` with the contact of ``MediaDownloadOptions/contact``
/// (or `BIOCUBE_CONTACT`), as Wikimedia's user-agent policy asks; a refusal (403) for one
/// species is recorded in the summary's ``MediaDownloadSummary/errors`` with the server's
/// text, and the other species go on.
///
/// ```swift
/// let wiki = WikipediaDescriptionClient()   // English; pass another language's API root
/// let summary = try await wiki.download(species: "Turdus merula", into: MediaLibrary(root: "Life"))
/// ```
public struct WikipediaDescriptionClient: Sendable {
    /// The REST API root (`https://en.wikipedia.org/api/rest_v1`).
    let baseURL: URL
    private let fetcher: MediaFetcher

    /// A client of the REST API at `baseURL`.
    public init(
        options: MediaDownloadOptions = MediaDownloadOptions(),
        baseURL: URL = URL(string: "https://en.wikipedia.org/api/rest_v1")!,
        session: URLSession? = nil
    ) {
        self.baseURL = baseURL
        fetcher = MediaFetcher(service: "Wikipedia", options: options, session: session)
    }

    /// Downloads the description of `species` (skipped when the table has one).
    public func download(
        species: String,
        into library: MediaLibrary,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> MediaDownloadSummary {
        var summary = MediaDownloadSummary(species: species)
        if !(try library.records(of: .text, species: species).isEmpty) {
            summary.skipped = 1
            return summary
        }
        let title = species.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "_")
        let doc: JSONValue
        do {
            doc = try await fetcher.json(
                try MediaFetcher.url(baseURL, path: "page/summary/\(title)", query: []),
                onEvent: onEvent
            )
        } catch let e as BioCubeError where e.code == .notFound {
            summary.failures.append("\(species): no Wikipedia article")
            return summary
        } catch let e as BioCubeError where e.code == .accessDenied || e.code == .remoteFailure {
            summary.errors.append("\(species): \(e.message)")
            return summary
        }
        if doc["type"]?.stringValue == "disambiguation" {
            summary.failures.append("\(species): Wikipedia's page is a disambiguation page")
            return summary
        }
        guard let extract = doc["extract"]?.stringValue, !extract.isEmpty else {
            summary.failures.append("\(species): the Wikipedia summary has no text")
            return summary
        }
        var r = MediaRecord(id: "wikipedia", source: "wikipedia", kind: .text, species: species)
        r.commonName = doc["description"]?.stringValue ?? ""
        r.url = doc["content_urls"]?["desktop"]?["page"]?.stringValue ?? ""
        r.timestamp = doc["timestamp"]?.stringValue ?? ""
        r.licence = "CC BY-SA 4.0"
        r.rightsHolder = "Wikipedia contributors"
        let article = doc["titles"]?["normalized"]?.stringValue ?? doc["title"]?.stringValue ?? species
        r.attribution = "\"\(article)\" by Wikipedia contributors, \(r.url.isEmpty ? "Wikipedia" : r.url), CC BY-SA 4.0"
        r.value = extract
        summary.added = try library.add([r])
        onEvent(.completed(file: species + "/descriptions.csv", bytes: Int64(extract.utf8.count)))
        return summary
    }
}
