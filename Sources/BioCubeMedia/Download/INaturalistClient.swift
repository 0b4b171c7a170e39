import BioCubeCore
public import BioCubeTransfer
public import Foundation

#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// Research-grade iNaturalist observations with photos and coordinates, through the public
/// API v1: `GET observations?taxon_name=…&quality_grade=research&photos=true&geo=true&photo_license=…&order_by=id&order=asc&id_above=…`,
/// paged by `id_above` (the last id of the previous page) until an empty page (or a page
/// that brings nothing new). Each photo is fetched in its medium size (the API's `square`
/// URL with `medium` in its place) into `images/<observation>_<photo>.jpg` and described by
/// one row of `images.csv`: observation and taxon, kingdom … genus (from the observation's
/// own `taxon.ancestors`, else one `GET taxa/{id}` per taxon — never from an identification,
/// which may be an older, coarser one), names, coordinates, `time_observed_at` (or
/// `observed_on`), photo URL, licence code, the photographer and the photo's `attribution`.
///
/// Only photos under a licence of ``licences`` are kept: by default every Creative Commons
/// licence; a photo without one (`license_code: null`, all rights reserved) only when
/// ``licences`` includes ``allRightsReserved``.
///
/// Every request, API page or photo, waits for ``MediaDownloadOptions/minimumInterval``
/// (one per second by default, as iNaturalist asks) and is counted against
/// ``MediaDownloadOptions/dailyRequests`` (10 000 a day by default for this client, recorded
/// in the library's `.inaturalist-requests.json`). Photos already in the table are not
/// fetched again; a photo cut mid-way resumes from its `.part` file on the next run.
///
/// ```swift
/// let client = INaturalistClient()
/// let summary = try await client.download(species: "Turdus merula", into: MediaLibrary(root: "Life"))
/// print(summary.added, summary.skipped)
/// ```
public struct INaturalistClient: Sendable {
    /// The API root (`https://api.inaturalist.org/v1`).
    let baseURL: URL
    private let fetcher: MediaFetcher
    /// The Creative Commons licence codes iNaturalist uses.
    public static let creativeCommons: Set<String> = [
        "cc0", "cc-by", "cc-by-sa", "cc-by-nd", "cc-by-nc", "cc-by-nc-sa", "cc-by-nc-nd",
    ]
    /// The code that stands for "no licence" (all rights reserved) in ``licences``.
    public static let allRightsReserved = "all-rights-reserved"
    /// The licences whose photos are kept (lower-case iNaturalist codes).
    public var licences: Set<String> = INaturalistClient.creativeCommons
    /// iNaturalist's published limit of API requests per day.
    public static let dailyLimit = 10_000

    /// A client of the API at `baseURL`; without a `session`, requests go through one that
    /// drops credentials on redirects to other hosts. Requests are counted against
    /// ``MediaDownloadOptions/dailyRequests``, or iNaturalist's 10 000 a day when it is nil.
    public init(
        options: MediaDownloadOptions = MediaDownloadOptions(),
        baseURL: URL = URL(string: "https://api.inaturalist.org/v1")!,
        session: URLSession? = nil
    ) {
        self.baseURL = baseURL
        fetcher = MediaFetcher(service: "iNaturalist", options: options, session: session)
    }

    /// Downloads the photos of `species` into `library`.
    public func download(
        species: String,
        into library: MediaLibrary,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> MediaDownloadSummary {
        let fetcher = try self.fetcher.budgeted(
            self.fetcher.options.dailyRequests ?? Self.dailyLimit,
            file: library.root + "/.inaturalist-requests.json"
        )
        try FileIO.createDirectories(library.root)
        var run = try MediaDownloadRun(species: species, kind: .image, library: library, fetcher: fetcher)
        var taxonomyCache: [Int64: [String: String]] = [:]
        var idAbove: Int64 = 0
        var page = 0
        let licenceQuery = licences.subtracting([Self.allRightsReserved]).sorted().joined(separator: ",")
        pages: while !run.isFull {
            page += 1
            var query: [(String, String)] = [
                ("taxon_name", species), ("quality_grade", "research"), ("photos", "true"), ("geo", "true"),
                ("order_by", "id"), ("order", "asc"), ("per_page", "\(min(200, max(1, fetcher.options.pageSize)))"),
                ("id_above", "\(idAbove)"),
            ]
            if !licences.contains(Self.allRightsReserved), !licenceQuery.isEmpty {
                query.append(("photo_license", licenceQuery))
            }
            let url = try MediaFetcher.url(baseURL, path: "observations", query: query)
            let doc = try await fetcher.json(url, onEvent: onEvent)
            guard let results = doc["results"]?.arrayValue else {
                throw BioCubeError(.corruptData, "iNaturalist: page \(page) for \(species) has no 'results' list")
            }
            if results.isEmpty { break }
            onEvent(.status(file: species, job: "inaturalist", status: "page \(page): \(results.count) observations"))
            let before = idAbove
            for observation in results {
                guard let id = observation["id"]?.intValue else {
                    throw BioCubeError(
                        .corruptData,
                        "iNaturalist: an observation on page \(page) for \(species) has no id"
                    )
                }
                // Paging is by id: an observation at or below the page's start is a repeat.
                guard id > before else { continue }
                idAbove = max(idAbove, id)
                let taxon = observation["taxon"]
                var taxonomy = Self.ancestors(taxon?["ancestors"])
                if taxonomy.isEmpty, let taxonID = taxon?["id"]?.intValue {
                    if let cached = taxonomyCache[taxonID] {
                        taxonomy = cached
                    } else {
                        let t = try await fetcher.json(
                            try MediaFetcher.url(baseURL, path: "taxa/\(taxonID)", query: []),
                            onEvent: onEvent
                        )
                        taxonomy = Self.ancestors(t["results"]?.arrayValue?.first?["ancestors"])
                        taxonomyCache[taxonID] = taxonomy
                    }
                }
                let (lat, lon) = Self.coordinates(observation)
                let user = observation["user"]
                let photographer =
                    [user?["name"]?.stringValue, user?["login"]?.stringValue].compactMap { $0 }.first {
                        !$0.trimmingCharacters(in: .whitespaces).isEmpty
                    } ?? ""
                for photo in observation["photos"]?.arrayValue ?? [] {
                    guard !run.isFull else { break }
                    let photoID = photo["id"]?.intValue.map(String.init) ?? "?"
                    let recordID = "inat-\(id)-\(photoID)"
                    guard run.wants(recordID) else { continue }
                    let licence = photo["license_code"]?.stringValue?.lowercased() ?? ""
                    guard licences.contains(licence.isEmpty ? Self.allRightsReserved : licence) else {
                        run.fail(
                            recordID,
                            "\(licence.isEmpty ? "all rights reserved" : licence) is not among the kept licences"
                        )
                        continue
                    }
                    guard let square = photo["url"]?.stringValue, let photoURL = URL(string: Self.medium(square)),
                        photoURL.scheme == "https" || photoURL.scheme == "http"
                    else {
                        run.fail(recordID, "no photo URL")
                        continue
                    }
                    var r = MediaRecord(id: recordID, source: "inaturalist", kind: .image, species: species)
                    r.commonName = taxon?["preferred_common_name"]?.stringValue ?? ""
                    r.taxonomy = taxonomy
                    r.latitude = lat
                    r.longitude = lon
                    r.timestamp =
                        observation["time_observed_at"]?.stringValue ?? observation["observed_on"]?.stringValue ?? ""
                    r.file = "images/\(id)_\(photoID).jpg"
                    r.url = photoURL.absoluteString
                    r.licence = licence
                    r.rightsHolder = photographer
                    r.attribution =
                        photo["attribution"]?.stringValue
                        ?? "(c) \(photographer.isEmpty ? "unknown" : photographer), \(licence.isEmpty ? "all rights reserved" : licence), iNaturalist observation \(id)"
                    try await run.fetch(
                        r,
                        from: photoURL,
                        accept: Self.isImage,
                        what: "a JPEG or PNG photo",
                        onEvent: onEvent
                    )
                }
            }
            try run.endPage()
            // A page that moves the paging no further would repeat forever.
            if idAbove == before { break pages }
        }
        return run.summary
    }

    /// The medium-size URL of a photo given by its `square` URL.
    static func medium(_ square: String) -> String {
        square.replacingOccurrences(of: "/square.", with: "/medium.")
    }

    /// JPEG or PNG by the first bytes.
    static func isImage(_ head: [UInt8]) -> Bool {
        (head.count >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
            || (head.count >= 4 && head[0] == 0x89 && head[1] == 0x50 && head[2] == 0x4E && head[3] == 0x47)
    }

    /// kingdom … genus from a taxon's `ancestors` list.
    static func ancestors(_ list: JSONValue?) -> [String: String] {
        var out: [String: String] = [:]
        for a in list?.arrayValue ?? [] {
            if let rank = a["rank"]?.stringValue, MediaRecord.ranks.contains(rank), let name = a["name"]?.stringValue {
                out[rank] = name
            }
        }
        return out
    }

    /// Latitude and longitude from `geojson.coordinates` (`[lon, lat]`) or `location` (`"lat,lon"`).
    static func coordinates(_ observation: JSONValue) -> (Double?, Double?) {
        if let c = observation["geojson"]?["coordinates"]?.arrayValue, c.count == 2, let lon = c[0].doubleValue,
            let lat = c[1].doubleValue
        {
            return (lat, lon)
        }
        if let s = observation["location"]?.stringValue {
            let p = s.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            if p.count == 2 { return (p[0], p[1]) }
        }
        return (nil, nil)
    }
}
