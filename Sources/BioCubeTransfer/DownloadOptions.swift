import BioCubeCore
public import Foundation

/// Timing, retry and concurrency settings of the download clients (Copernicus CDS, GBIF,
/// Copernicus Land, the Hugging Face Hub): they submit a job, poll it, then fetch the result
/// in resumable ranged pieces.
///
/// Each service has defaults matching its reference client (``cds``, ``gbif``); `init()`
/// gives the general ones.
///
/// ```swift
/// var options = DownloadOptions.gbif
/// options.concurrentDownloads = 1
/// options.contact = "me@example.org"     // goes into the User-Agent
/// let client = GBIFClient(credentials: try .load(), options: options)
/// ```
public struct DownloadOptions: Sendable, Hashable {
    /// First wait between status polls; doubles up to ``pollMaximum``.
    public var pollInitial: Duration = .seconds(1)
    /// Longest wait between status polls.
    public var pollMaximum: Duration = .seconds(60)
    /// Give up on a job after this long.
    public var jobTimeout: Duration = .seconds(24 * 3600)
    /// Retries for failed connections, 5xx and 429 answers (and the service's own "slow
    /// down" statuses, such as GBIF's 420).
    public var retries: Int = 5
    /// First wait before a retry; doubles each time up to ``retryMaximumWait``.
    public var retryBackoff: Duration = .milliseconds(500)
    /// Longest wait between two retries.
    public var retryMaximumWait: Duration = .seconds(30)
    /// Longest wait a service's `Retry-After` is honoured for (longer asks are capped).
    public var retryAfterLimit: Duration = .seconds(3600)
    /// Timeout of one HTTP request, in seconds.
    public var requestTimeout: TimeInterval = 120
    /// Bytes fetched per ranged download request.
    public var pieceSize: Int = 16 << 20
    /// Results downloaded at once (services that run several jobs, such as GBIF).
    public var concurrentDownloads: Int = 3
    /// Who runs the download (an e-mail address or URL), sent in the `User-Agent`; nil
    /// takes `BIOCUBE_CONTACT` from the environment.
    public var contact: String? = nil

    /// The general defaults: polls from 1 s up to 1 min, 5 retries from 0.5 s (at most 30 s apart).
    public init() {}

    /// The defaults for the Copernicus CDS, as its reference client (`cdsapi`) retries: up
    /// to 500 retries at most 120 s apart (an outage of hours is waited out), polls from 1 s
    /// up to 2 min.
    public static let cds: DownloadOptions = {
        var o = DownloadOptions()
        o.retries = 500
        o.retryBackoff = .seconds(1)
        o.retryMaximumWait = .seconds(120)
        o.pollMaximum = .seconds(120)
        return o
    }()

    /// The defaults for GBIF, whose download jobs take minutes to hours: polls from 5 s up
    /// to 2 min; 60 retries from 1 s, at most 5 min apart, also for its 420 answer (too many
    /// downloads running for the account at once).
    public static let gbif: DownloadOptions = {
        var o = DownloadOptions()
        o.pollInitial = .seconds(5)
        o.pollMaximum = .seconds(120)
        o.retries = 60
        o.retryBackoff = .seconds(1)
        o.retryMaximumWait = .seconds(300)
        return o
    }()

    /// The retry policy these options describe, retrying `extra` statuses besides 5xx and 429.
    package func retryPolicy(extra: Set<Int> = []) -> RetryPolicy {
        RetryPolicy(
            retries: retries,
            backoff: retryBackoff,
            maximumWait: retryMaximumWait,
            retryAfterLimit: retryAfterLimit,
            statuses: extra.union([429])
        )
    }
}
