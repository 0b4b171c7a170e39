import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Deterministic `kill -9` points for the crash tests (debug builds only).
///
/// Every durable step of a writer (a temporary file written, a file renamed into place)
/// calls ``reached()``. With `BIOCUBE_CRASH_AT=N` in the environment of a debug build, the
/// process kills itself with SIGKILL at the N-th such step; with `BIOCUBE_CRASH_AT=count` it
/// prints `biocube-crash-points: K` on standard error when it exits. With
/// `BIOCUBE_CRASH_SIGNAL=INT` (or `TERM`) the process sends itself that signal instead and
/// waits for its handler (an interrupt at a known point). Release builds ignore both
/// variables (the calls compile to nothing).
package enum CrashPoint {
    #if DEBUG
    private static let target: Int? = {
        guard let raw = getenv("BIOCUBE_CRASH_AT").map({ String(cString: $0) }) else { return nil }
        if raw == "count" {
            atexit {
                let line = "biocube-crash-points: \(CrashPoint.passed.load(ordering: .relaxed))\n"
                _ = line.withCString { write(2, $0, strlen($0)) }
            }
            return 0
        }
        return Int(raw)
    }()
    private static let passed = Atomic<Int>(0)
    private static let signalNumber: Int32 = {
        switch getenv("BIOCUBE_CRASH_SIGNAL").map({ String(cString: $0) }) {
        case "INT"?: SIGINT
        case "TERM"?: SIGTERM
        default: SIGKILL
        }
    }()
    #endif

    /// One durable step; see the type's documentation.
    @inline(__always)
    package static func reached() {
        #if DEBUG
        guard let target else { return }
        let n = passed.add(1, ordering: .relaxed).newValue
        guard n == target else { return }
        kill(getpid(), signalNumber)
        while true { pause() }
        #endif
    }
}
