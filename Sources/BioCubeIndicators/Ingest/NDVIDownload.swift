public import BioCubeCore
public import BioCubeTransfer
public import Foundation

#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// Copernicus Global Land NDVI products from their manifests (text files listing one product
/// URL per line): one 10-daily product per month — the dekad starting on the 11th by default,
/// as the original tooling took — downloaded with resume into a folder whose manifest
/// (`.biocube-downloads.json`) records finished files, so a rerun fetches nothing twice.
///
/// The 1 km v3 series ends in 2020 and the 300 m v2 series continues it; ``Product`` names
/// both manifests as the service's bulk-download guide lists them
/// (`https://globalland.vito.be/download/manifest/…_latest.txt`). When a manifest lists
/// several versions of one product date (`…_V2.0.1.nc`, `…_V2.0.2.nc`), the newest version
/// is taken. Products needing an account are fetched with `CLMS_USER` / `CLMS_PASSWORD`
/// (HTTP Basic) when set; those credentials go only to the manifest's own origin, never to
/// another host a manifest line names.
///
/// ```swift
/// let ndvi = NDVIDownload()
/// let files = try await ndvi.download(
///     manifest: NDVIDownload.Product.v2_300m.manifest, from: UTCDateTime(year: 2020, month: 7),
///     through: UTCDateTime(year: 2024, month: 12), into: "downloads/ndvi")
/// ```
public struct NDVIDownload: Sendable {
    /// The published NDVI series.
    public enum Product: String, Sendable, CaseIterable {
        /// 300 m, version 2 (2020 onwards).
        case v2_300m = "300m"
        /// 1 km, version 3 (1999–2020).
        case v3_1km = "1km"

        /// The series' manifest.
        public var manifest: URL {
            switch self {
            case .v2_300m:
                URL(
                    string:
                        "https://globalland.vito.be/download/manifest/ndvi_300m_v2_10daily_netcdf/manifest_clms_global_ndvi_300m_v2_10daily_netcdf_latest.txt"
                )!
            case .v3_1km:
                URL(
                    string:
                        "https://globalland.vito.be/download/manifest/ndvi_1km_v3_10daily_netcdf/manifest_clms_global_ndvi_1km_v3_10daily_netcdf_latest.txt"
                )!
            }
        }
    }

    private let http: HTTPTransport
    private let options: DownloadOptions
    private let authorization: String?

    /// A downloader; credentials from `CLMS_USER` and `CLMS_PASSWORD` when both are set.
    public init(options: DownloadOptions = DownloadOptions(), session: URLSession? = nil) {
        self.options = options
        http = HTTPTransport(
            session: session,
            timeout: options.requestTimeout,
            retry: options.retryPolicy(),
            contact: options.contact
        )
        let env = ProcessInfo.processInfo.environment
        if let u = env["CLMS_USER"], let p = env["CLMS_PASSWORD"], !u.isEmpty {
            authorization = "Basic " + Data("\(u):\(p)".utf8).base64EncodedString()
            Redaction.register(p)
            Redaction.register(authorization)
        } else {
            authorization = nil
        }
    }

    /// The product URLs of `manifest` (one per line) for the months `from` … `through`, one
    /// per month: the product whose date is day `dekad` (1, 11 or 21), in its newest version
    /// when the manifest lists several (`_V2.0.2` over `_V2.0.1`, wherever they stand).
    package static func select(manifest: String, from: UTCDateTime, through: UTCDateTime, dekad: Int) -> [URL] {
        var byMonth: [String: (url: URL, version: [Int])] = [:]
        for line in manifest.split(whereSeparator: \.isNewline) {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, !text.hasPrefix("#"), let url = URL(string: text),
                let d = NDVIProduct.date(ofFileName: url.lastPathComponent), d.day == dekad,
                let month = try? UTCDateTime(year: d.year, month: d.month), month >= from.startOfMonth,
                month <= through.startOfMonth
            else { continue }
            let version = Self.version(ofFileName: url.lastPathComponent)
            if let known = byMonth[month.dateString], !known.version.lexicographicallyPrecedes(version) { continue }
            byMonth[month.dateString] = (url, version)
        }
        return byMonth.keys.sorted().map { byMonth[$0]!.url }
    }

    /// The version numbers of a product name (`…_V2.0.1.nc` → [2, 0, 1]; none → []).
    static func version(ofFileName name: String) -> [Int] {
        let stem = name.hasSuffix(".nc") ? String(name.dropLast(3)) : name
        guard let v = stem.split(separator: "_").last(where: { $0.first == "V" || $0.first == "v" }) else { return [] }
        let numbers = v.dropFirst().split(separator: ".").map { Int($0) }
        return numbers.contains(nil) ? [] : numbers.map { $0! }
    }

    /// Downloads the selected products of `manifest` (an `http(s)` URL or a local file) into
    /// `directory`; returns their paths, oldest first.
    public func download(
        manifest: URL,
        from: UTCDateTime,
        through: UTCDateTime,
        dekad: Int = 11,
        into directory: String,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void = { _ in }
    ) async throws -> [String] {
        guard [1, 11, 21].contains(dekad) else {
            throw BioCubeError(.invalidArgument, "dekad \(dekad): products start on day 1, 11 or 21")
        }
        let text: String
        if manifest.isFileURL {
            text = String(decoding: try FileIO.read(manifest.path), as: UTF8.self)
        } else {
            let r = try await http.sendRetrying(
                "GET",
                manifest,
                headers: authorization.map { ["Authorization": $0] } ?? [:]
            ) {
                onEvent(.retrying(attempt: $0, reason: $1))
            }
            guard r.status == 200 else {
                throw BioCubeError(
                    r.errorCode,
                    "the manifest \(manifest.absoluteString) answered HTTP \(r.status)\(r.status == 401 ? " (set CLMS_USER and CLMS_PASSWORD)" : "")"
                )
            }
            text = String(decoding: r.body, as: UTF8.self)
        }
        let urls = Self.select(manifest: text, from: from, through: through, dekad: dekad)
        guard !urls.isEmpty else {
            throw BioCubeError(
                .notFound,
                "\(manifest.lastPathComponent) lists no product for day \(dekad) of \(from.dateString.prefix(7)) … \(through.dateString.prefix(7))"
            )
        }
        try FileIO.createDirectories(directory)
        var book = try DownloadManifest.load(from: directory)
        var out: [String] = []
        for url in urls {
            // The product's name comes from the manifest: it must be a plain file name.
            let name = try UntrustedPath.fileName(
                url.lastPathComponent,
                what: "the product named by \(manifest.lastPathComponent)",
                percentEncoded: true
            )
            let path = try UntrustedPath.resolve(name, inside: directory, what: "the product \(name)")
            let key = String(DownloadManifest.identity(of: Array(url.absoluteString.utf8)), radix: 16)
            if try book.isComplete(key, at: path) {
                onEvent(.skipped(file: name))
                out.append(path)
                continue
            }
            let download = ResumableDownload(http: http, pieceSize: options.pieceSize, service: "Copernicus Land")
            // The account's credentials go only where the manifest itself is served from (for
            // a local manifest: the service's own host).
            let trusted = manifest.isFileURL ? Product.v2_300m.manifest : manifest
            let sameHost = CrossOriginRedirectGuard.sameOrigin(url, trusted)
            try await download.run(
                from: url,
                size: nil,
                to: path,
                headers: sameHost ? authorization.map { ["Authorization": $0] } ?? [:] : [:]
            ) {
                p in
                switch p {
                case .bytes(let n, let total): onEvent(.downloading(file: name, bytes: n, total: total))
                case .retrying(let a, let why): onEvent(.retrying(attempt: a, reason: why))
                }
            }
            let head = FileIO.readPrefix(path, count: 4) ?? []
            guard head.starts(with: [0x43, 0x44, 0x46]) || head == [0x89, 0x48, 0x44, 0x46] else {
                try? FileManager.default.removeItem(atPath: path)
                throw BioCubeError(.corruptData, "the download is not a NetCDF file (removed)", file: path)
            }
            let bytes = try book.record(key, dataset: "copernicus-land-ndvi", request: url.absoluteString, path: path)
            try book.save(to: directory)
            onEvent(.completed(file: name, bytes: bytes))
            out.append(path)
        }
        return out
    }
}
