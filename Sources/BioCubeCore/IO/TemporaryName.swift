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

    /// Whether `name` is a temporary file of this host whose process has ended.
    package static func isStale(_ name: String) -> Bool {
        guard let (host, pid) = owner(of: name), host == hostTag else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}
