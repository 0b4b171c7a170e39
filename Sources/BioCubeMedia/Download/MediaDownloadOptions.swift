/// Timing, retries, politeness and limits of the species media clients.
///
/// ```swift
/// var options = MediaDownloadOptions()
/// options.maximumPerSpecies = 50
/// let client = INaturalistClient(options: options)
/// ```
public struct MediaDownloadOptions: Sendable, Hashable {
    /// Timeout of one HTTP request, in seconds.
    public var requestTimeout: Double = 60
    /// Retries of failed connections, 5xx and 429 answers (a 429's `Retry-After` is honoured).
    public var retries: Int = 5
    /// First wait before a retry; doubles each time (at most 30 s).
    public var retryBackoff: Duration = .milliseconds(500)
    /// Least time between two requests to one service, across all of a client's tasks
    /// (iNaturalist asks for about one request per second).
    public var minimumInterval: Duration = .seconds(1)
    /// Records kept per species and source (nil: all).
    public var maximumPerSpecies: Int? = nil
    /// Results asked for per page (iNaturalist allows up to 200, xeno-canto 50…500).
    public var pageSize: Int = 200

    /// The defaults: 60 s timeout, 5 retries from 0.5 s, one request per second, all records.
    public init() {}
}
