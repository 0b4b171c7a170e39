import BioCubeCore
public import BioCubeTransfer
public import Foundation

#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// Bird and other animal sound recordings from xeno-canto's API v3:
/// `GET recordings?query=sp:"genus species"&key=…&per_page=…&page=…`, one species per
/// query, pages `1 … numPages`. Recordings of the accepted qualities (A–C by default) are
/// fetched from their `file` URL into `sounds/XC<id>.<ext>` (the extension of `file-name`)
/// and described in `sounds.csv` (id, species, English name, genus, country, coordinates,
/// `date` and `time`, licence URL, the recordist `rec` as rights holder with a credit line
/// `XC<id> by <rec>, https://xeno-canto.org/<id>, <licence>` — every xeno-canto licence
/// requires attribution — and the quality in ``MediaRecord/value``).
///
/// API v3 requires a key: ``init(apiKey:options:baseURL:session:)`` takes it, and
/// ``keyFromEnvironment()`` reads it from `XENO_CANTO_API_KEY`. The key is
/// never printed (URLs in messages show `key=***`).
///
/// ```swift
/// let client = try XenoCantoClient(apiKey: XenoCantoClient.keyFromEnvironment())
/// let summary = try await client.download(species: "Turdus merula", into: MediaLibrary(root: "Life"))
/// ```
public struct XenoCantoClient: Sendable {
    /// The environment variable holding the API key.
    package static let apiKeyVariable = "XENO_CANTO_API_KEY"
    /// The API root (`https://xeno-canto.org/api/3`).
    let baseURL: URL
    /// Qualities kept (xeno-canto rates recordings A, best, to E).
    public var qualities: Set<String> = ["A", "B", "C"]
    private let apiKey: String
    private let fetcher: MediaFetcher

    /// A client with `apiKey` (refused when empty).
    public init(
        apiKey: String,
        options: MediaDownloadOptions = MediaDownloadOptions(),
        baseURL: URL = URL(string: "https://xeno-canto.org/api/3")!,
        session: URLSession? = nil
    ) throws {
        guard !apiKey.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw BioCubeError(.accessDenied, "xeno-canto: an API key is required (set \(Self.apiKeyVariable))")
        }
        self.apiKey = apiKey
        self.baseURL = baseURL
        fetcher = MediaFetcher(service: "xeno-canto", options: options, session: session)
        Redaction.register(apiKey)
    }

    /// The key in `XENO_CANTO_API_KEY`, or an error that says how to get one.
    public static func keyFromEnvironment() throws -> String {
        guard let key = ProcessInfo.processInfo.environment[apiKeyVariable], !key.isEmpty else {
            throw BioCubeError(
                .accessDenied,
                "xeno-canto's API v3 needs a key: set \(apiKeyVariable) (your key is on your xeno-canto account page once your e-mail address is verified)"
            )
        }
        return key
    }

    /// Downloads the recordings of `species` into `library`.
    public func download(
        species: String,
        into library: MediaLibrary,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> MediaDownloadSummary {
        var run = try MediaDownloadRun(species: species, kind: .sound, library: library, fetcher: fetcher)
        var page = 1
        var pages = 1
        while page <= pages, !run.isFull {
            let url = try MediaFetcher.url(
                baseURL,
                path: "recordings",
                query: [
                    ("query", "sp:\"\(species.lowercased())\""), ("key", apiKey),
                    ("per_page", "\(min(500, max(50, fetcher.options.pageSize)))"), ("page", "\(page)"),
                ]
            )
            let doc = try await fetcher.json(url, onEvent: onEvent)
            if let error = doc["error"]?.stringValue ?? doc["message"]?.stringValue, doc["recordings"] == nil {
                throw BioCubeError(.remoteFailure, "xeno-canto refused the query for \(species): \(error.prefix(200))")
            }
            guard let recordings = doc["recordings"]?.arrayValue else {
                throw BioCubeError(.corruptData, "xeno-canto: page \(page) for \(species) has no 'recordings' list")
            }
            let claimed = doc["numPages"]?.intValue ?? Int64(doc["numPages"]?.stringValue ?? "") ?? 1
            pages = Int(min(max(claimed, 1), 100_000))
            // A page without recordings ends the listing, whatever numPages claims.
            if recordings.isEmpty { break }
            onEvent(
                .status(
                    file: species,
                    job: "xeno-canto",
                    status: "page \(page) of \(pages): \(recordings.count) recordings"
                )
            )
            for rec in recordings {
                guard !run.isFull else { break }
                guard let id = rec["id"]?.stringValue ?? rec["id"]?.intValue.map(String.init) else { continue }
                // The id names a file: xeno-canto ids are numbers, anything else is refused.
                guard !id.isEmpty, id.count <= 12, id.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    run.fail("XC?", "the record id '\(Redaction.text(String(id.prefix(40))))' is not a number")
                    continue
                }
                let quality = rec["q"]?.stringValue ?? ""
                guard qualities.contains(quality) else { continue }
                let recordID = "XC\(id)"
                guard run.wants(recordID) else { continue }
                guard var fileURL = rec["file"]?.stringValue, !fileURL.isEmpty else {
                    run.fail(recordID, "no file URL (restricted recording?)")
                    continue
                }
                if fileURL.hasPrefix("//") { fileURL = "https:" + fileURL }
                guard let source = URL(string: fileURL) else {
                    run.fail(recordID, "file URL '\(Redaction.text(fileURL))' is not a URL")
                    continue
                }
                let ext = ((rec["file-name"]?.stringValue ?? "") as NSString).pathExtension.lowercased()
                var r = MediaRecord(id: recordID, source: "xeno-canto", kind: .sound, species: species)
                r.commonName = rec["en"]?.stringValue ?? ""
                if let genus = rec["gen"]?.stringValue { r.taxonomy["genus"] = genus }
                r.latitude = rec["lat"]?.stringValue.flatMap(Double.init) ?? rec["lat"]?.doubleValue
                r.longitude =
                    (rec["lon"] ?? rec["lng"])?.stringValue.flatMap(Double.init)
                    ?? (rec["lon"] ?? rec["lng"])?.doubleValue
                let date = rec["date"]?.stringValue ?? ""
                let time = rec["time"]?.stringValue ?? ""
                r.timestamp = Self.timestamp(date: date, time: time)
                r.country = rec["cnt"]?.stringValue ?? ""
                r.file = "sounds/\(recordID).\(["mp3", "wav"].contains(ext) ? ext : "mp3")"
                r.url = source.absoluteString
                var licence = rec["lic"]?.stringValue ?? ""
                if licence.hasPrefix("//") { licence = "https:" + licence }
                r.licence = licence
                let recordist = (rec["rec"]?.stringValue ?? "").trimmingCharacters(in: .whitespaces)
                r.rightsHolder = recordist
                r.attribution =
                    "\(recordID) by \(recordist.isEmpty ? "unknown recordist" : recordist), https://xeno-canto.org/\(id)"
                    + (licence.isEmpty ? "" : ", " + licence)
                r.value = quality
                try await run.fetch(
                    r,
                    from: source,
                    accept: Self.isAudio,
                    what: "an MP3 or WAV recording",
                    onEvent: onEvent
                )
            }
            try run.endPage()
            page += 1
        }
        return run.summary
    }

    /// `date` (`2020-05-01`) and `time` (`08:15`, or `?`) as one ISO 8601 text.
    static func timestamp(date: String, time: String) -> String {
        guard date.count == 10, !date.contains("-00") else { return date }
        let t = time.split(separator: ":")
        guard t.count == 2, let h = Int(t[0]), let m = Int(t[1]), (0..<24).contains(h), (0..<60).contains(m) else {
            return date
        }
        return date + "T" + String(format: "%02d:%02d:00", h, m)
    }

    /// MP3 (ID3 tag or frame sync) or WAV by the first bytes.
    static func isAudio(_ head: [UInt8]) -> Bool {
        (head.count >= 4 && head[0..<4].elementsEqual("RIFF".utf8)) || MP3Decoder.looksLikeMP3(head)
    }
}
