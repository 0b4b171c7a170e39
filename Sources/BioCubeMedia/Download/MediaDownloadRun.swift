import BioCubeCore
import BioCubeTransfer
import Foundation

/// The loop every paged media client runs for one species, in one place: records already
/// in the library are skipped (their files were downloaded before), at most
/// ``MediaDownloadOptions/maximumPerSpecies`` records are kept, each record's file is
/// downloaded and checked (a broken or missing file is a failure in the summary, not the end
/// of the run), and each page's records are added to the species' table before the next
/// page is asked for, so an interrupted run keeps every finished page.
///
/// A client reads its service's pages and makes the records; this run decides what to keep.
struct MediaDownloadRun {
    /// What the run did so far.
    private(set) var summary: MediaDownloadSummary
    private let library: MediaLibrary
    private let fetcher: MediaFetcher
    private let folder: String
    private let limit: Int
    private var known: Set<String>
    private var page: [MediaRecord] = []

    /// A run for `species` of `kind` into `library` through `fetcher`.
    init(species: String, kind: MediaKind, library: MediaLibrary, fetcher: MediaFetcher) throws {
        summary = MediaDownloadSummary(species: species)
        self.library = library
        self.fetcher = fetcher
        folder = try library.folder(of: species)
        // A record whose file went missing since is fetched again.
        known = try library.idsOnDisk(of: kind, species: species)
        limit = fetcher.options.maximumPerSpecies ?? Int.max
    }

    /// Whether the species has all the records the run may keep.
    var isFull: Bool { known.count + page.count >= limit }

    /// Whether `recordID` should be fetched: false (and counted as skipped) when the library
    /// has it already.
    mutating func wants(_ recordID: String) -> Bool {
        guard known.contains(recordID) || page.contains(where: { $0.id == recordID }) else { return true }
        summary.skipped += 1
        return false
    }

    /// Notes a record the service listed that cannot be used, with the reason.
    mutating func fail(_ recordID: String, _ reason: String) {
        summary.failures.append("\(recordID): \(reason)")
    }

    /// Downloads `record`'s file from `url` into the species' folder, checked with `accept`
    /// (`what` names the expected content in messages); a file the service does not have or
    /// sends broken is a failure, other errors (the network after retries) stop the run.
    mutating func fetch(
        _ record: MediaRecord,
        from url: URL,
        accept: ([UInt8]) -> Bool,
        what: String,
        onEvent: @escaping @Sendable (DownloadEvent) -> Void
    ) async throws {
        guard !isFull else { return }
        if let done = try await fetcher.fetch(
            record,
            from: url,
            into: folder,
            accept: accept,
            what: what,
            summary: &summary,
            onEvent: onEvent
        ) {
            page.append(done)
        }
    }

    /// Adds the page's records to the species' table; call it after each page.
    mutating func endPage() throws {
        summary.added += try library.add(page)
        known.formUnion(page.map(\.id))
        page.removeAll()
    }
}
