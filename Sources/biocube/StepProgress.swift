import Foundation

/// "[done/total] label  rate unit/s  ETA" on one redrawn line on a terminal; a plain log
/// line every 10 % otherwise. Shared by `build` (steps) and `batches` (windows).
final class StepProgress: @unchecked Sendable {
    // Safety: all state is guarded by `lock`.
    private let lock = NSLock()
    private let isTerminal = isatty(1) == 1
    private let start = ContinuousClock.now
    private let unit: String
    private var lastDecile = -1
    private var drewLine = false

    init(unit: String) { self.unit = unit }

    /// A plain message (printed on its own line).
    func message(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        print(text)
    }

    /// One more item done.
    func advance(_ label: String, done: Int, total: Int) {
        lock.lock()
        defer { lock.unlock() }
        let elapsed = (ContinuousClock.now - start).seconds
        let rate = Double(done) / max(elapsed, 1e-6)
        let text = String(
            format: "  [%d/%d] %@  %.2f %@/s  ETA %.0f s",
            done,
            total,
            label,
            rate,
            unit,
            Double(total - done) / max(rate, 1e-9)
        )
        if isTerminal {
            print("\r\u{1B}[2K" + text, terminator: "")
            FileHandle.standardOutput.synchronizeFile()
            drewLine = true
        } else {
            let decile = done * 10 / max(total, 1)
            if decile != lastDecile || done == total {
                lastDecile = decile
                print(text)
            }
        }
    }

    /// Ends the redrawn line.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drewLine { print("") }
    }
}
