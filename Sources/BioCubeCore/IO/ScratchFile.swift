import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An anonymous temporary file for data too large to keep in memory: created in `$TMPDIR`
/// (or `/tmp`) and unlinked at once, so it leaves nothing behind even when the process is
/// killed. Appends come from one owner; positioned reads may come from any thread.
package final class ScratchFile: Sendable {
    private let fd: FileDescriptor
    /// What the file holds, for error messages.
    package let purpose: String

    /// Creates the file.
    package init(purpose: String) throws {
        self.purpose = purpose
        let folder = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(folder)/biocube-scratch-XXXXXX".utf8CString)
        let raw = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard raw >= 0 else {
            throw BioCubeError(
                .io,
                "cannot create a scratch file for \(purpose): \(Errno(rawValue: errno))",
                file: folder
            )
        }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        fd = FileDescriptor(rawValue: raw)
    }

    deinit { try? fd.close() }

    /// Writes all of `bytes` at `offset`.
    package func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        do { _ = try fd.writeAll(toAbsoluteOffset: offset, bytes) } catch {
            throw BioCubeError(
                .io,
                "scratch file for \(purpose): write of \(bytes.count) bytes at \(offset) failed: \(error)",
                cause: error
            )
        }
    }

    /// Fills all of `buffer` from `offset`.
    package func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws {
        var done = 0
        while done < buffer.count {
            let n: Int
            do {
                n = try fd.read(
                    fromAbsoluteOffset: offset + Int64(done),
                    into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...])
                )
            } catch {
                throw BioCubeError(.io, "scratch file for \(purpose): read at \(offset) failed: \(error)", cause: error)
            }
            if n == 0 {
                throw BioCubeError(
                    .io,
                    "scratch file for \(purpose): ended at \(offset + Int64(done)), \(buffer.count - done) bytes short"
                )
            }
            done += n
        }
    }

    /// Sizes the file to `bytes` and maps it shared and writable: writes land in the file
    /// (page cache), so pages given back with `madvise(MADV_DONTNEED)` keep their contents
    /// and return on the next access. The caller unmaps it.
    package func mapShared(bytes: Int) throws -> UnsafeMutableRawPointer {
        guard ftruncate(fd.rawValue, off_t(bytes)) == 0 else {
            throw BioCubeError(
                .io,
                "scratch file for \(purpose): cannot grow to \(bytes) bytes: \(Errno(rawValue: errno))"
            )
        }
        guard let address = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd.rawValue, 0), address != MAP_FAILED
        else {
            throw BioCubeError(.io, "scratch file for \(purpose): cannot map \(bytes) bytes: \(Errno(rawValue: errno))")
        }
        return address
    }
}
