import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The temporary files and folders this process is writing right now (those named by
/// ``TemporaryName``), so that an interrupt removes them before the process ends.
///
/// Writers ``track(_:)`` a temporary path before creating it and ``untrack(_:)`` it once it
/// is renamed into place or removed. ``removeOnInterrupt(_:)`` makes SIGINT, SIGTERM and
/// SIGHUP (each unless the process started with it ignored, as under `nohup`) remove every
/// tracked path and end the process with status 128 + signal; it holds the registry's lock
/// while it does so, so no writer can create a new temporary file after the sweep. What was renamed into place stays: an interrupted build or export resumes.
package enum LiveTemporaryFiles {
    private static let paths = Locked<[String: Bool]>([:])
    private static let sources = Locked<[any DispatchSourceSignal]>([])

    /// Registers `path` (a file, or a folder when `folder`) before it is created.
    package static func track(_ path: String, folder: Bool = false) {
        paths.withLock { $0[path] = folder }
    }

    /// Forgets `path` (renamed into place, or removed).
    package static func untrack(_ path: String) {
        _ = paths.withLock { $0.removeValue(forKey: path) }
    }

    /// The live temporary paths inside `folder` (for tests).
    package static func tracked(under folder: String) -> [String] {
        paths.withLock { $0.keys.filter { $0.hasPrefix(folder + "/") }.sorted() }
    }

    /// Installs the handlers once; `report` receives the signal number and how many paths
    /// were removed, and returns the line printed on standard error.
    package static func removeOnInterrupt(_ report: @escaping @Sendable (Int32, Int) -> String) {
        sources.withLock { installed in
            guard installed.isEmpty else { return }
            for number in [SIGINT, SIGTERM, SIGHUP] {
                // A signal the parent ignores (SIGHUP under nohup, SIGINT in a background
                // job of some shells) stays ignored.
                let previous = signal(number, SIG_IGN)
                if let previous,
                    unsafeBitCast(previous, to: UnsafeRawPointer.self)
                        == unsafeBitCast(SIG_IGN, to: UnsafeRawPointer.self)
                {
                    continue
                }
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    paths.withLock { live in
                        for (path, folder) in live {
                            if folder { try? FileIO.removeItem(path) } else { _ = unlink(path) }
                        }
                        let line = report(number, live.count) + "\n"
                        _ = line.withCString { write(2, $0, strlen($0)) }
                        _exit(128 + number)
                    }
                }
                source.resume()
                installed.append(source)
            }
        }
    }
}
