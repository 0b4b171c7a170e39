#if canImport(Glibc)
import Glibc
#endif

/// Names of the temporary files BioCube writes before renaming them into place:
/// `.<name>.<host>.<pid>.<random>.tmp`, where `<host>` is a dot-free tag of this machine's
/// host name.
///
/// A build sweeps only temporary files of its own host whose process has ended: on a shared
/// filesystem (several hosts building shards of one store), another host's process ids mean
/// nothing here, so its files are never touched.
package enum TemporaryName {
    /// Eight hex digits of the FNV-1a hash of the host name.
    package static let hostTag: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        _ = gethostname(&buffer, buffer.count - 1)
        var hash: UInt32 = 2_166_136_261
        for byte in buffer.prefix(while: { $0 != 0 }) {
            hash = (hash ^ UInt32(UInt8(bitPattern: byte))) &* 16_777_619
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }()

    /// A fresh temporary name for a file or folder that will become `base`.
    package static func fresh(for base: String) -> String {
        ".\(base).\(hostTag).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
    }

    /// The host tag and process id in a temporary name; nil for any other name (including
    /// the names earlier versions wrote, which carry no host).
    package static func owner(of name: String) -> (host: String, pid: Int32)? {
        guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return nil }
        let parts = name.split(separator: ".")
        guard parts.count >= 5, let pid = Int32(parts[parts.count - 3]) else { return nil }
        let host = String(parts[parts.count - 4])
        guard host.count == 8, host.allSatisfy(\.isHexDigit) else { return nil }
        return (host, pid)
    }

    /// Whether `name` (in `folder`) is a temporary file of this host whose process has
    /// ended. A process id says nothing across PID namespaces (two containers of one host
    /// name can both have process 42), so a file whose writer still holds its lock (see
    /// ``holdLock(on:)``) is never stale, whatever its name says.
    package static func isStale(_ name: String, in folder: String) -> Bool {
        guard let (host, pid) = owner(of: name), host == hostTag else { return false }
        guard kill(pid, 0) != 0 && errno == ESRCH else { return false }
        return !isLocked(folder + "/" + name)
    }

    /// Takes the writer's lock on the temporary file at `path`: an exclusive `flock` on a
    /// descriptor of its own, held until ``releaseLock(_:)`` (or the process's death). The
    /// writer keeps it until the file is renamed into place, so a sweep never takes a file
    /// in flight for stale. Returns the descriptor (-1 when the file cannot be opened).
    package static func holdLock(on path: String) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { _ = flock(fd, LOCK_EX | LOCK_NB) }
        return fd
    }

    /// Releases a lock taken with ``holdLock(on:)``.
    package static func releaseLock(_ descriptor: Int32) {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Whether another open descriptor holds the lock on `path` (a folder is never locked).
    static func isLocked(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}
