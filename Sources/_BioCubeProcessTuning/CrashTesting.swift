import BioCubeCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Deterministic `kill -9` points for the crash tests, which an executable opts into.
///
/// ``armFromEnvironment()`` reads the environment of a debug build: with `BIOCUBE_CRASH_AT=N`
/// the process kills itself with SIGKILL at the N-th durable step of any writer (see
/// ``CrashPoint``); with `BIOCUBE_CRASH_AT=count` it prints `biocube-crash-points: K` on
/// standard error when it exits. With `BIOCUBE_CRASH_SIGNAL=INT` (or `TERM`) the process
/// sends itself that signal instead and waits for its handler (an interrupt at a known
/// point). Release builds ignore both variables.
package enum CrashTesting {
    /// Installs the crash-point observer the environment asks for, if any; returns whether one
    /// was installed. Call it once, at the start of an executable.
    @discardableResult
    package static func armFromEnvironment() -> Bool {
        #if DEBUG
        guard let raw = getenv("BIOCUBE_CRASH_AT").map({ String(cString: $0) }) else { return false }
        let signalNumber: Int32 =
            switch getenv("BIOCUBE_CRASH_SIGNAL").map({ String(cString: $0) }) {
            case "INT"?: SIGINT
            case "TERM"?: SIGTERM
            default: SIGKILL
            }
        let target: Int
        if raw == "count" {
            atexit {
                let line = "biocube-crash-points: \(CrashTesting.passed.load(ordering: .relaxed))\n"
                _ = line.withCString { write(2, $0, strlen($0)) }
            }
            target = 0
        } else if let n = Int(raw) {
            target = n
        } else {
            return false
        }
        CrashPoint.observe {
            let n = passed.add(1, ordering: .relaxed).newValue
            guard n == target else { return }
            kill(getpid(), signalNumber)
            while true { pause() }
        }
        return true
        #else
        return false
        #endif
    }

    private static let passed = Atomic<Int>(0)
}
