import ArgumentParser
import BioCube
import BioCubeMedia
import Foundation

/// Options shared by the species media downloads.
struct MediaDownloadArguments: ParsableArguments {
    @Option(help: "A species (scientific name, 'Genus species'); repeatable.")
    var species: [String] = []
    @Option(help: "A file of species names, one per line ('#' starts a comment).")
    var speciesFile: String?
    @Option(help: "The species media folder (one sub-folder per species).")
    var out: String = "Life"
    @Option(help: "Keep at most this many records per species (default: all).")
    var maxPerSpecies: Int?
    @Option(help: "Least seconds between two requests to the service.")
    var interval: Double = 1.0
    @Option(help: "Retries of failed requests (5xx, 429, cut connections).")
    var retries: Int = 5
    @Option(help: "The service's API root instead of the public one (a mirror, a test server).")
    var apiURL: String?
    @OptionGroup var identity: ContactOption

    /// ``apiURL`` checked, or `standard`.
    func root(_ standard: String) throws -> URL {
        guard let text = apiURL else { return URL(string: standard)! }
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--api-url '\(Redaction.text(text))' is not an http(s) URL")
        }
        return url
    }

    /// The options, checked; `service` is named in the note about a missing contact.
    func options(for service: String) throws -> MediaDownloadOptions {
        var o = MediaDownloadOptions()
        if let maxPerSpecies, maxPerSpecies < 0 { throw ValidationError("--max-per-species must be 0 or more") }
        o.maximumPerSpecies = maxPerSpecies
        guard interval.isFinite, interval >= 0, interval <= 3600 else {
            throw ValidationError("--interval \(interval): give seconds between 0 and 3600")
        }
        o.minimumInterval = .milliseconds(Int64(interval * 1000))
        guard (0...1000).contains(retries) else { throw ValidationError("--retries: give 0 … 1000") }
        o.retries = retries
        o.contact = identity.resolved(noteFor: service)
        return o
    }

    func names() throws -> [String] {
        var out = species
        if let speciesFile {
            let text = String(decoding: try FileIO.read(speciesFile), as: UTF8.self)
            out += text.split(whereSeparator: \.isNewline).map { $0.split(separator: "#").first ?? "" }
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        guard !out.isEmpty else { throw ValidationError("name species with --species or --species-file") }
        return out
    }
}

/// Prints what a media download does: page status and files on one redrawn line on a
/// terminal, page status lines otherwise, and a summary per species.
final class MediaProgress: @unchecked Sendable {
    // Safety: all state is guarded by `lock`.
    private let lock = NSLock()
    private let isTerminal = isatty(1) == 1
    private var files = 0
    private var bytes: Int64 = 0
    private var label = ""

    func start(_ species: String, _ index: Int, _ total: Int) {
        lock.withLock {
            label = "[\(index)/\(total)] \(species)"
            files = 0
            bytes = 0
        }
    }

    func show(_ event: DownloadEvent) {
        lock.withLock {
            var line: String?
            switch event {
            case .status(_, _, let s): line = "\(label): \(s)"
            case .retrying(let n, let why): line = "  retry \(n): \(why)"
            case .completed(let f, let b):
                files += 1
                bytes += b
                if isTerminal {
                    line = String(
                        format: "%@: %d files, %.1f MiB (last %@)",
                        label,
                        files,
                        Double(bytes) / 1_048_576,
                        f
                    )
                }
            default: break
            }
            guard let line else { return }
            if isTerminal {
                print("\r\u{1B}[2K" + line, terminator: "")
                FileHandle.standardOutput.synchronizeFile()
            } else {
                print(line)
            }
        }
    }

    func finish(_ s: MediaDownloadSummary) {
        lock.withLock {
            if isTerminal { print("\r\u{1B}[2K", terminator: "") }
            print(
                "\(label): \(s.added) added, \(s.skipped) already there, \(s.failures.count) failed"
                    + (s.errors.isEmpty ? "" : ", \(s.errors.count) error(s)")
            )
            for e in s.errors { print("  error: \(e)") }
            for f in s.failures.prefix(10) { print("  failed: \(f)") }
            if s.failures.count > 10 { print("  … and \(s.failures.count - 10) more") }
        }
    }
}

/// Runs `body` for each species with progress and summaries.
private func downloadEach(
    _ names: [String],
    _ body: (String, @escaping @Sendable (DownloadEvent) -> Void) async throws -> MediaDownloadSummary
) async throws {
    let progress = MediaProgress()
    var totals = (added: 0, skipped: 0, failed: 0, errors: 0)
    for (i, name) in names.enumerated() {
        progress.start(name, i + 1, names.count)
        let s = try await body(name) { progress.show($0) }
        progress.finish(s)
        totals.added += s.added
        totals.skipped += s.skipped
        totals.failed += s.failures.count
        totals.errors += s.errors.count
    }
    print(
        "done: \(totals.added) added, \(totals.skipped) already there, \(totals.failed) failed, \(names.count) species"
            + (totals.errors == 0 ? "" : ", \(totals.errors) species with errors (listed above)")
    )
    // Everything that landed is kept; the status says not all of it went well.
    if totals.errors > 0 { throw ExitCode(1) }
}

struct DownloadINaturalist: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inaturalist",
        abstract: "Research-grade iNaturalist photos with coordinates → <out>/<species>/images/ + images.csv.",
        discussion: """
            One request per second and at most 10 000 a day by default (iNaturalist's guidance; the \
            day's count is kept in <out>/.inaturalist-requests.json). Only photos under a Creative \
            Commons licence are kept unless --licences says otherwise; each row keeps the licence, \
            the photographer and iNaturalist's attribution line. A rerun fetches only photos not \
            yet in images.csv; a photo cut mid-way resumes.
            Example: biocube download inaturalist --species "Turdus merula" --max-per-species 200 --out Life
            """
    )
    @OptionGroup var media: MediaDownloadArguments
    @Option(
        help:
            "Photo licences kept, comma-separated iNaturalist codes (cc0, cc-by, cc-by-sa, cc-by-nd, cc-by-nc, cc-by-nc-sa, cc-by-nc-nd), 'cc' for all of these, 'all-rights-reserved' for photos without one."
    )
    var licences: String = "cc"
    @Option(help: "Requests to iNaturalist per UTC day, across runs.")
    var dailyRequests: Int = INaturalistClient.dailyLimit

    func run() async throws {
        try await reportingErrors {
            var options = try media.options(for: "iNaturalist")
            guard dailyRequests > 0, dailyRequests <= 1_000_000 else {
                throw ValidationError("--daily-requests: give 1 … 1000000")
            }
            options.dailyRequests = dailyRequests
            var client = INaturalistClient(options: options, baseURL: try media.root("https://api.inaturalist.org/v1"))
            var kept: Set<String> = []
            for code in licences.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
                switch code {
                case "cc": kept.formUnion(INaturalistClient.creativeCommons)
                case _
                where INaturalistClient.creativeCommons.contains(code) || code == INaturalistClient.allRightsReserved:
                    kept.insert(code)
                default: throw ValidationError("--licences: '\(code)' is not an iNaturalist licence code")
                }
            }
            guard !kept.isEmpty else { throw ValidationError("--licences names no licence") }
            client.licences = kept
            let life = MediaLibrary(root: media.out)
            try await downloadEach(try media.names()) {
                try await client.download(species: $0, into: life, onEvent: $1)
            }
        }
    }
}

struct DownloadXenoCanto: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xeno-canto",
        abstract: "xeno-canto recordings of quality A–C → <out>/<species>/sounds/ + sounds.csv.",
        discussion: """
            Needs an API key in XENO_CANTO_API_KEY (API v3; on your xeno-canto account page).
            Example: XENO_CANTO_API_KEY=… biocube download xeno-canto --species "Turdus merula" --out Life
            """
    )
    @OptionGroup var media: MediaDownloadArguments
    @Option(help: "Qualities kept, comma-separated (A best … E).")
    var quality: String = "A,B,C"

    func run() async throws {
        try await reportingErrors {
            var client = try XenoCantoClient(
                apiKey: try XenoCantoClient.keyFromEnvironment(),
                options: try media.options(for: "xeno-canto"),
                baseURL: try media.root("https://xeno-canto.org/api/3")
            )
            client.qualities = Set(
                quality.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
            )
            let life = MediaLibrary(root: media.out)
            try await downloadEach(try media.names()) {
                try await client.download(species: $0, into: life, onEvent: $1)
            }
        }
    }
}

struct DownloadBOLD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bold",
        abstract: "BOLD DNA barcodes (specimens with sequences) → <out>/<species>/edna.csv.",
        discussion: """
            Through BOLD's portal API (query, then the TSV of its documents in BCDM columns). By \
            taxon (--species, --species-file: any rank) or by country (--country). Records land in \
            the folder of their own species. --tsv adds a TSV downloaded earlier (a portal download \
            or an archived v4 API_Public/combined answer) without asking BOLD.
            Example: biocube download bold --species Turdus --out Life
            """
    )
    @OptionGroup var media: MediaDownloadArguments
    @Option(help: "A country whose records to fetch (repeatable), instead of taxa.")
    var country: [String] = []
    @Option(help: "A BOLD TSV file to add instead of asking BOLD (repeatable).")
    var tsv: [String] = []

    func run() async throws {
        try await reportingErrors {
            let client = BOLDClient(
                options: try media.options(for: "BOLD"),
                baseURL: try media.root("https://portal.boldsystems.org/api")
            )
            let life = MediaLibrary(root: media.out)
            if !tsv.isEmpty {
                var added = 0
                for file in tsv {
                    let summaries = try client.importTSV(at: file, into: life)
                    for s in summaries { print("\(file) → \(s.species): \(s.added) added, \(s.skipped) already there") }
                    added += summaries.map(\.added).reduce(0, +)
                }
                print("done: \(added) sequence record(s) added under \(media.out)")
                return
            }
            let queries = country.isEmpty ? try media.names().map { ($0, false) } : country.map { ($0, true) }
            var added = 0
            let progress = MediaProgress()
            for (i, (q, isCountry)) in queries.enumerated() {
                progress.start(q, i + 1, queries.count)
                let summaries =
                    isCountry
                    ? try await client.download(country: q, into: life) { progress.show($0) }
                    : try await client.download(taxon: q, into: life) { progress.show($0) }
                for s in summaries where s.added > 0 || s.skipped > 0 {
                    print(
                        "[\(i + 1)/\(queries.count)] \(q) → \(s.species): \(s.added) added, \(s.skipped) already there"
                    )
                }
                if summaries.isEmpty { print("[\(i + 1)/\(queries.count)] \(q): no records with sequences") }
                added += summaries.map(\.added).reduce(0, +)
            }
            print("done: \(added) sequence record(s) added under \(media.out)")
        }
    }
}

struct DownloadDescriptions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "descriptions",
        abstract: "Species descriptions (Wikipedia article summaries) → <out>/<species>/descriptions.csv.",
        discussion: "Example: biocube download descriptions --species-file species.txt --language en --out Life"
    )
    @OptionGroup var media: MediaDownloadArguments
    @Option(help: "Wikipedia language code.")
    var language: String = "en"

    func run() async throws {
        try await reportingErrors {
            guard language.allSatisfy({ $0.isLetter || $0 == "-" }),
                let base = URL(string: "https://\(language).wikipedia.org/api/rest_v1")
            else {
                throw ValidationError("--language '\(language)' is not a Wikipedia language code")
            }
            let client = WikipediaDescriptionClient(
                options: try media.options(for: "Wikimedia"),
                baseURL: media.apiURL == nil ? base : try media.root(base.absoluteString)
            )
            let life = MediaLibrary(root: media.out)
            try await downloadEach(try media.names()) {
                try await client.download(species: $0, into: life, onEvent: $1)
            }
        }
    }
}
