/// What a download client (CDS, GBIF) is doing, for progress displays. `job` is the
/// service's identifier of the request (a CDS job id, a GBIF download key).
public enum DownloadEvent: Sendable {
    /// The folder's manifest records the file as complete and intact.
    case skipped(file: String)
    /// The request was accepted by the service.
    case submitted(file: String, job: String)
    /// The job's status changed (`accepted`, `running`, `PREPARING`, `SUCCEEDED`, …).
    case status(file: String, job: String, status: String)
    /// A request failed and is retried after a wait.
    case retrying(attempt: Int, reason: String)
    /// Bytes of `file` on disk so far, of `total` when the service announced it.
    case downloading(file: String, bytes: Int64, total: Int64?)
    /// The file is complete, checked and recorded.
    case completed(file: String, bytes: Int64)
}
