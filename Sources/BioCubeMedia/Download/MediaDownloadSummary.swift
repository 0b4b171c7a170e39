/// What a media download did for one species.
public struct MediaDownloadSummary: Sendable, Hashable {
    /// The species.
    public var species: String
    /// Records added to the species' table (files downloaded, or sequences and texts).
    public var added: Int = 0
    /// Records already present (their files were not downloaded again).
    public var skipped: Int = 0
    /// Records the service listed that could not be used, each with the reason (a missing
    /// file, a broken download, a record without a file, a closed licence).
    public var failures: [String] = []
    /// Requests the service refused or failed for this species (a 403, a server error after
    /// retries), each with the service's reason: the run goes on with the other species and
    /// ends with a non-zero status.
    public var errors: [String] = []

    /// An empty summary for `species`.
    init(species: String) { self.species = species }
}
