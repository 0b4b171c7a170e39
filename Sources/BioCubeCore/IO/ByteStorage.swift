import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Immutable bytes that stay at one address for the owner's lifetime: a read-only memory
/// mapping of a file (no copy, pages come straight from the page cache) or a private copy.
package final class ByteStorage: @unchecked Sendable {
    // Safety: the bytes are never written after init.
    /// The bytes.
    package let buffer: UnsafeBufferPointer<UInt8>
    private let mapped: Bool

    /// Maps `path` read-only; throws `.notFound` when it does not exist.
    package init(mapping path: String) throws {
        let (fd, size) = try FileIO.openRegularFile(path)
        defer { try? fd.close() }
        if size == 0 {
            buffer = UnsafeBufferPointer(start: nil, count: 0)
            mapped = false
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd.rawValue, 0), address != MAP_FAILED else {
            throw BioCubeError(.io, "cannot map the file: \(Errno(rawValue: errno))", file: path)
        }
        _ = madvise(address, size, MADV_SEQUENTIAL)
        buffer = UnsafeBufferPointer(start: address.assumingMemoryBound(to: UInt8.self), count: size)
        mapped = true
    }

    /// Drops the mapped pages wholly inside `range` from this process's resident memory
    /// (they stay in the page cache and come back on the next access), so a pass over a
    /// large file holds only the part being worked on. Does nothing for a private copy.
    package func release(_ range: Range<Int>) {
        guard mapped, let base = buffer.baseAddress else { return }
        ResidentPages.release(range, of: base, count: buffer.count)
    }

    /// A private copy of `bytes`.
    package init(copying bytes: [UInt8]) {
        let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, bytes.count))
        _ = copy.initialize(from: bytes)
        buffer = UnsafeBufferPointer(rebasing: UnsafeBufferPointer(copy)[0..<bytes.count])
        mapped = false
    }

    deinit {
        if mapped, let base = buffer.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), buffer.count)
        } else if let base = buffer.baseAddress {
            UnsafeMutableBufferPointer(mutating: UnsafeBufferPointer(start: base, count: max(1, buffer.count)))
                .deallocate()
        }
    }
}
