import BioCube
import Foundation

/// One progress line, redrawn in place on a terminal; plain log lines otherwise.
final class ProgressLine: @unchecked Sendable {
    // Safety: all state is guarded by `lock`.
    private let lock = NSLock()
    private let total: Int
    private var done = 0
    private var lastLogged: [String: Int] = [:]
    private let isTerminal = isatty(1) == 1
    private let start = Date()

    init(total: Int) { self.total = total }

    func show(_ event: DownloadEvent) {
        lock.lock()
        defer { lock.unlock() }
        let line: String?
        switch event {
        case .skipped(let f):
            done += 1
            line = "[\(done)/\(total)] \(f): already complete, skipped"
        case .submitted(let f, let job):
            line = "[\(done + 1)/\(total)] \(f): submitted (job \(job))"
        case .status(let f, _, let s):
            line = "[\(done + 1)/\(total)] \(f): \(s)"
        case .retrying(let n, let why):
            line = "  retry \(n): \(why)"
        case .downloading(let f, let bytes, let size):
            let mb = Double(bytes) / 1_048_576
            let rate = mb / max(0.001, Date().timeIntervalSince(start))
            let of =
                size.map {
                    String(
                        format: " of %.1f MiB (%.0f%%)",
                        Double($0) / 1_048_576,
                        100 * Double(bytes) / Double(max(1, $0))
                    )
                } ?? ""
            let percent = size.map { Int(100 * bytes / max(1, $0)) } ?? 0
            if !isTerminal, let last = lastLogged[f], percent - last < 10 { return }
            lastLogged[f] = percent
            line = String(format: "[%d/%d] %@: %.1f MiB%@, %.1f MiB/s", done + 1, total, f, mb, of, rate)
        case .completed(let f, let bytes):
            done += 1
            line = String(format: "[%d/%d] %@: complete (%.1f MiB)", done, total, f, Double(bytes) / 1_048_576)
        }
        guard let line else { return }
        if isTerminal {
            let persistent: Bool
            switch event {
            case .downloading, .status: persistent = false
            default: persistent = true
            }
            print("\r\u{1B}[2K" + line, terminator: persistent ? "\n" : "")
            FileHandle.standardOutput.synchronizeFile()
        } else {
            print(line)
        }
    }

    func finish() {
        if isTerminal { print("\r\u{1B}[2K", terminator: "") }
    }
}
