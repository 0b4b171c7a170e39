/// Timing, retries, politeness and limits of the species media clients.
///
/// ```swift
/// var options = MediaDownloadOptions()
/// options.maximumPerSpecies = 50
/// options.contact = "me@example.org"    // in the User-Agent, as Wikimedia and iNaturalist ask
/// let client = INaturalistClient(options: options)
/// ```
public struct MediaDownloadOptions: Sendable, Hashable {
    /// Timeout of one HTTP request, in seconds.
    public var requestTimeout: Double = 60
    /// Retries of failed connections, 5xx and 429 answers (a 429's `Retry-After` is honoured).
    public var retries: Int = 5
    /// First wait before a retry; doubles each time up to ``retryMaximumWait``.
    public var retryBackoff: Duration = .milliseconds(500)
    /// Longest computed wait between two retries.
    public var retryMaximumWait: Duration = .seconds(30)
    /// Longest wait a service's `Retry-After` is honoured for (longer asks are capped).
    public var retryAfterLimit: Duration = .seconds(3600)
    /// Least time between two requests to one service, across all of a client's tasks
    /// (iNaturalist asks for about one request per second).
    public var minimumInterval: Duration = .seconds(1)
    /// Requests to the service per UTC day, counted across runs in the library folder
    /// (iNaturalist allows 10 000; nil: no budget). When it is used up the run stops with a
    /// clear error and resumes the next day.
    public var dailyRequests: Int? = nil
    /// Records kept per species and source (nil: all).
    public var maximumPerSpecies: Int? = nil
    /// Results asked for per page (iNaturalist allows up to 200, xeno-canto 50…500).
    public var pageSize: Int = 200
    /// Who runs the download (an e-mail address or URL), sent in the `User-Agent`; nil takes
    /// `BIOCUBE_CONTACT` from the environment.
    public var contact: String? = nil

    /// The defaults: 60 s timeout, 5 retries from 0.5 s, one request per second, all records.
    public init() {}
}
