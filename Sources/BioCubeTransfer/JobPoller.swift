import BioCubeCore

/// The one polling loop of the services that prepare a result before it can be downloaded
/// (the Copernicus CDS, GBIF): ask for the job's state, report each new status, and wait
/// between asks from ``DownloadOptions/pollInitial``, doubling up to
/// ``DownloadOptions/pollMaximum``, until the job is done, gone or failed — or until
/// ``DownloadOptions/jobTimeout``, which ends with an error saying a rerun keeps waiting
/// (the job is in the download manifest).
///
/// Each client supplies only what differs: how to ask for the state and what its status
/// words mean (``State``).
package struct JobPoller: Sendable {
    /// What one look at a job found.
    package enum State<Result: Sendable>: Sendable {
        /// Still queued or running, with the service's status word.
        case waiting(String)
        /// Finished: the result to download.
        case done(Result)
        /// The job no longer exists (deleted, erased): the request must be submitted again.
        case gone
    }

    /// What polling ended with.
    package enum Outcome<Result: Sendable>: Sendable {
        case done(Result)
        case gone
    }

    /// The timing settings.
    package var options: DownloadOptions
    /// The job as messages name it (`job 1b2c…`, `GBIF download 0001…`).
    package var job: String

    /// A poller for `job` with the clients' timing `options`.
    package init(job: String, options: DownloadOptions) {
        self.job = job
        self.options = options
    }

    /// Polls until the job is done or gone. `look` asks the service once and returns the
    /// status word (reported through `onStatus` when it changes) and the state; it throws
    /// for a failed job, naming why.
    package func poll<Result: Sendable>(
        onStatus: (String) -> Void,
        _ look: () async throws -> (status: String, state: State<Result>)
    ) async throws -> Outcome<Result> {
        var wait = options.pollInitial
        let clock = ContinuousClock()
        let deadline = clock.now + options.jobTimeout
        var last: String?
        while true {
            let (status, state) = try await look()
            if status != last {
                onStatus(status)
                last = status
            }
            switch state {
            case .done(let result): return .done(result)
            case .gone: return .gone
            case .waiting:
                guard clock.now + wait < deadline else {
                    throw BioCubeError(
                        .remoteFailure,
                        "\(job) still \(status) after \(options.jobTimeout); rerun later to keep waiting for it"
                    )
                }
                try await Task.sleep(for: wait)
                wait = min(wait * 2, options.pollMaximum)
            }
        }
    }
}
