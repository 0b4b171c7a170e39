public import Foundation

/// Timing, retry and concurrency settings of the download clients (Copernicus CDS, GBIF):
/// both submit a job, poll it, then fetch the result in resumable ranged pieces.
///
/// ```swift
/// var options = DownloadOptions.gbif
/// options.concurrentDownloads = 1
/// let client = GBIFClient(credentials: try .load(), options: options)
/// ```
public struct DownloadOptions: Sendable, Hashable {
    /// First wait between status polls; doubles up to ``pollMaximum``.
    public var pollInitial: Duration = .seconds(1)
    /// Longest wait between status polls.
    public var pollMaximum: Duration = .seconds(60)
    /// Give up on a job after this long.
    public var jobTimeout: Duration = .seconds(24 * 3600)
    /// Retries for failed connections, 5xx and 429 answers.
    public var retries: Int = 5
    /// First wait before a retry; doubles each time.
    public var retryBackoff: Duration = .milliseconds(500)
    /// Timeout of one HTTP request, in seconds.
    public var requestTimeout: TimeInterval = 120
    /// Bytes fetched per ranged download request.
    public var pieceSize: Int = 16 << 20
    /// Results downloaded at once (services that run several jobs, such as GBIF).
    public var concurrentDownloads: Int = 3

    /// The defaults for the Copernicus CDS (polls from 1 s up to 1 min).
    public init() {}

    /// The defaults for GBIF, whose download jobs take minutes to hours: polls from 5 s up
    /// to 2 min, retries from 1 s.
    public static let gbif: DownloadOptions = {
        var o = DownloadOptions()
        o.pollInitial = .seconds(5)
        o.pollMaximum = .seconds(120)
        o.retryBackoff = .seconds(1)
        return o
    }()
}
