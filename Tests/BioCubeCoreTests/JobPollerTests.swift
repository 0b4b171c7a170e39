import BioCubeCore
import BioCubeTransfer
import Synchronization
import Testing

/// The one polling loop of the CDS and GBIF clients: status changes reported once, waits
/// growing to the maximum, a job that outlives its timeout ends with an error that says a
/// rerun keeps waiting.
@Suite struct JobPollerTests {
    func options(timeout: Duration = .seconds(60)) -> DownloadOptions {
        var o = DownloadOptions()
        o.pollInitial = .milliseconds(1)
        o.pollMaximum = .milliseconds(4)
        o.jobTimeout = timeout
        return o
    }

    @Test func pollsUntilDoneReportingEachNewStatusOnce() async throws {
        let looks = Mutex(0)
        let statuses = Mutex([String]())
        let states = ["queued", "queued", "running", "running", "running", "done"]
        func report(_ s: String) { statuses.withLock { $0.append(s) } }
        let outcome: JobPoller.Outcome<Int> = try await JobPoller(job: "job 7", options: options()).poll(
            onStatus: report
        ) {
            let n = looks.withLock { n in
                n += 1
                return n
            }
            let status = states[n - 1]
            return (status, status == "done" ? .done(42) : .waiting(status))
        }
        guard case .done(let value) = outcome else {
            Issue.record("expected done, got \(outcome)")
            return
        }
        #expect(value == 42 && looks.withLock { $0 } == 6)
        #expect(statuses.withLock { $0 } == ["queued", "running", "done"])
    }

    @Test func aGoneJobEndsThePoll() async throws {
        let outcome: JobPoller.Outcome<Int> = try await JobPoller(job: "job 8", options: options()).poll(
            onStatus: ignore
        ) { ("deleted", .gone) }
        guard case .gone = outcome else {
            Issue.record("expected gone, got \(outcome)")
            return
        }
    }

    @Test func aJobPastItsTimeoutIsAnErrorNamingIt() async throws {
        let error = await #expect(throws: BioCubeError.self) {
            let _: JobPoller.Outcome<Int> = try await JobPoller(
                job: "GBIF download 0001",
                options: options(timeout: .milliseconds(20))
            ).poll(onStatus: ignore) { ("RUNNING", .waiting("RUNNING")) }
        }
        #expect(error?.code == .remoteFailure)
        #expect(error?.message.contains("GBIF download 0001 still RUNNING") == true)
        #expect(error?.message.contains("rerun later") == true)
    }
}

/// A status report nobody reads.
private func ignore(_ status: String) {}
