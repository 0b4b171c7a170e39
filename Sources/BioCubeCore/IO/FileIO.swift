internal import CGlibc
package import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers with BioCube errors: whole-file reads into reusable buffers and
/// atomic whole-file writes (temporary file in the same folder, then `rename`).
package enum FileIO {
    /// Reads a whole regular file front to back in pieces of at most `pieceSize` bytes (one
    /// buffer, reused), handing each to `body`: for digests of files of any size.
    ///
    /// - Throws: the errors of ``openRegularFile(_:)``, `.io` naming the path when a read fails,
    ///   and whatever `body` throws.
    package static func forEachPiece(
        of path: String,
        pieceSize: Int = 4 << 20,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let (fd, _) = try openRegularFile(path)
        defer { try? fd.close() }
        var buffer = [UInt8](repeating: 0, count: max(1, pieceSize))
        while true {
            let n: Int
            do { n = try buffer.withUnsafeMutableBytes { try fd.read(into: $0) } } catch {
                throw BioCubeError(.io, "cannot read (\(error))", file: path, cause: error)
            }
            if n == 0 { break }
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// Opens `path` for reading when it is a regular file, and returns it with its size.
    ///
    /// The file is opened non-blocking, so a FIFO in its place is refused at once instead of
    /// blocking in `open`; a folder (whose end offset ext4 reports as 2^63 − 1) is refused
    /// before anything is sized from it.
    ///
    /// - Throws: `.notFound` when nothing is there, `.notAFile` for a folder, FIFO, socket or
    ///   device, `.io` when the system refuses; each naming the path.
    package static func openRegularFile(_ path: String) throws -> (descriptor: FileDescriptor, size: Int) {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.nonBlocking])
        } catch Errno.noSuchFileOrDirectory {
            throw BioCubeError(.notFound, "no such file", file: path)
        } catch { throw BioCubeError(.io, "cannot open: \(error)", file: path, cause: error) }
        var info = stat()
        guard fstat(fd.rawValue, &info) == 0 else {
            let e = Errno(rawValue: errno)
            try? fd.close()
            throw BioCubeError(.io, "cannot read the file's status: \(e)", file: path, cause: e)
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            try? fd.close()
            throw BioCubeError(
                .notAFile,
                kind == S_IFDIR ? "a folder, not a file" : "not a regular file (a FIFO, socket or device)",
                file: path
            )
        }
        return (fd, Int(info.st_size))
    }

    /// Reads the whole file into the front of `buffer`, growing it when needed and reusing
    /// it otherwise; returns the number of bytes read, or nil when the file does not exist.
    package static func read(_ path: String, into buffer: inout [UInt8]) throws -> Int? {
        let fd: FileDescriptor
        let size: Int
        do { (fd, size) = try openRegularFile(path) } catch let e as BioCubeError where e.code == .notFound {
            return nil
        }
        return try fd.closeAfter {
            if buffer.count < size { buffer = [UInt8](repeating: 0, count: size) }
            var done = 0
            while done < size {
                let n: Int
                do {
                    n = try buffer.withUnsafeMutableBytes {
                        try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[done..<size]))
                    }
                } catch { throw BioCubeError(.io, "read failed: \(error)", file: path, cause: error) }
                if n == 0 {
                    throw BioCubeError(.io, "file shrank while being read (\(done) of \(size) bytes)", file: path)
                }
                done += n
            }
            return size
        }
    }

    /// Reads at most the first `count` bytes of a file; `nil` when it cannot be opened.
    package static func readPrefix(_ path: String, count: Int) -> [UInt8]? {
        guard let (fd, _) = try? openRegularFile(path) else { return nil }
        defer { try? fd.close() }
        var buffer = [UInt8](repeating: 0, count: count)
        let n = (try? buffer.withUnsafeMutableBytes { try fd.read(into: $0) }) ?? 0
        return Array(buffer.prefix(n))
    }

    /// Reads the whole file into a new array (without zero-filling it first); throws
    /// `.notFound` when it does not exist.
    package static func read(_ path: String) throws -> [UInt8] {
        let (fd, size) = try openRegularFile(path)
        return try fd.closeAfter {
            try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                var done = 0
                while done < size {
                    let n: Int
                    do {
                        n = try fd.read(
                            into: UnsafeMutableRawBufferPointer(
                                rebasing: UnsafeMutableRawBufferPointer(buffer)[done...]
                            )
                        )
                    } catch { throw BioCubeError(.io, "read failed: \(error)", file: path, cause: error) }
                    if n == 0 {
                        throw BioCubeError(.io, "file shrank while being read (\(done) of \(size) bytes)", file: path)
                    }
                    done += n
                }
                initialized = size
            }
        }
    }

    /// Asks the kernel to start reading the whole file at `path` in the background (a
    /// missing file is ignored).
    package static func adviseWillNeed(_ path: String) {
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { return }
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED)
        _ = close(fd)
    }

    /// Writes `bytes` to `path` atomically: readers see the old file or the new one, never a
    /// partial one. Creates missing parent folders. With `exclusive`, fails with
    /// `.alreadyExists` when `path` exists (also when another process wins a race).
    package static func writeAtomically(_ path: String, _ bytes: UnsafeRawBufferPointer, exclusive: Bool = false) throws
    {
        let target = FilePath(path)
        var dir = target
        dir.removeLastComponent()
        let temp = dir.appending(TemporaryName.fresh(for: target.lastComponent?.string ?? "file"))
        LiveTemporaryFiles.track(temp.string)
        defer { LiveTemporaryFiles.untrack(temp.string) }
        let fd: FileDescriptor
        do {
            fd = try openForWriting(temp)
        } catch Errno.noSuchFileOrDirectory {
            try createDirectories(dir.string)
            do { fd = try openForWriting(temp) } catch {
                throw BioCubeError(.io, "cannot create: \(error)", file: temp.string, cause: error)
            }
        } catch {
            throw BioCubeError(.io, "cannot create: \(error)", file: temp.string, cause: error)
        }
        let lock = TemporaryName.holdLock(on: temp.string)
        defer { TemporaryName.releaseLock(lock) }
        do {
            try fd.closeAfter { _ = try fd.writeAll(bytes) }
        } catch {
            _ = unlink(temp.string)
            throw BioCubeError(.io, "write failed: \(error)", file: path, cause: error)
        }
        if exclusive {
            CrashPoint.reached()
            defer { CrashPoint.reached() }
            // link(2) refuses to replace an existing name, atomically.
            let status = link(temp.string, path)
            let e = Errno(rawValue: errno)
            _ = unlink(temp.string)
            if status != 0 {
                if e == .fileExists { throw BioCubeError(.alreadyExists, "already exists", file: path) }
                throw BioCubeError(.io, "cannot move the new file into place: \(e)", file: path, cause: e)
            }
            return
        }
        try moveIntoPlace(temp.string, path)
    }

    /// The last step of every temporary-then-rename writer (atomic writes, the netCDF
    /// writer, finished downloads, store slices): renames the finished file `temp` onto
    /// `path`, replacing what is there (a folder: onto a `path` removed first), so readers
    /// see the old file or the new one and never a partial one. On failure a `temp` file is
    /// removed and the error names `path`; the step is a durable one for
    /// the crash tests (``CrashPoint``). The caller has written and closed `temp` in the
    /// folder of `path` (a rename does not cross file systems).
    package static func moveIntoPlace(_ temp: String, _ path: String) throws {
        CrashPoint.reached()
        defer { CrashPoint.reached() }
        if rename(temp, path) != 0 {
            let e = Errno(rawValue: errno)
            _ = unlink(temp)
            throw BioCubeError(.io, "cannot move the new file into place: \(e)", file: path, cause: e)
        }
    }

    /// Writes `bytes` atomically (see the raw-buffer overload).
    package static func writeAtomically(_ path: String, _ bytes: [UInt8], exclusive: Bool = false) throws {
        try bytes.withUnsafeBytes { try writeAtomically(path, $0, exclusive: exclusive) }
    }

    private static func openForWriting(_ path: FilePath) throws -> FileDescriptor {
        try FileDescriptor.open(
            path,
            .writeOnly,
            options: [.create, .truncate, .exclusiveCreate],
            permissions: [.ownerReadWrite, .groupRead, .otherRead]
        )
    }

    /// `mkdir -p`; succeeds when the folder exists (also when another process made it first).
    /// The folder part of `path` (`a/b` → `a`, `/c` → `/`, `ab` → ``), as `NSString`'s
    /// `deletingLastPathComponent` gives it — which traps on Linux for some short paths
    /// (`x`, `c/`), so BioCube never calls it on a path a user or a server chose.
    package static func parent(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "" }
        return slash == p.startIndex ? "/" : String(p[..<slash])
    }

    package static func createDirectories(_ path: String) throws {
        if path.isEmpty || isDirectory(path) { return }
        var parent = FilePath(path)
        parent.removeLastComponent()
        if !parent.string.isEmpty, parent.string != path { try createDirectories(parent.string) }
        if mkdir(path, 0o755) != 0 {
            let e = Errno(rawValue: errno)
            if e == .fileExists && isDirectory(path) { return }
            throw BioCubeError(.io, "cannot create folder: \(e)", file: path, cause: e)
        }
    }

    /// Whether `path` is an existing folder.
    package static func isDirectory(_ path: String) -> Bool {
        var s = stat()
        return stat(path, &s) == 0 && (s.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether something exists at `path`.
    package static func exists(_ path: String) -> Bool {
        var s = stat()
        return stat(path, &s) == 0
    }

    /// Size and modification time (seconds since 1970) of a file, or `nil` if it does not exist.
    package static func attributes(_ path: String) -> (size: Int64, modified: Double)? {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        return (Int64(s.st_size), Double(s.st_mtim.tv_sec) + Double(s.st_mtim.tv_nsec) / 1e9)
    }

    /// The names in a folder (without `.` and `..`), sorted; empty when it does not exist.
    package static func contents(ofDirectory path: String) -> [String] {
        guard let d = opendir(path) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Writes back everything cached for the file system holding `path` (`syncfs`): the
    /// files renamed into place before the call survive a power cut. One call at the points
    /// that matter (a store marked complete, an export recorded) instead of an `fsync` per
    /// chunk; see Documentation/Reliability.md for the measured cost.
    package static func synchronizeFileSystem(of path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BioCubeError(.io, "cannot open to sync: \(Errno(rawValue: errno))", file: path) }
        defer { _ = close(fd) }
        guard biocube_syncfs(fd) == 0 else {
            throw BioCubeError(.io, "cannot write back to disk: \(Errno(rawValue: errno))", file: path)
        }
    }

    /// Removes a file or a whole folder tree; succeeds when nothing is there.
    package static func removeItem(_ path: String) throws {
        var s = stat()
        guard lstat(path, &s) == 0 else { return }
        if (s.st_mode & S_IFMT) == S_IFDIR {
            for name in contents(ofDirectory: path) { try removeItem(path + "/" + name) }
            if rmdir(path) != 0 {
                throw BioCubeError(.io, "cannot remove folder: \(Errno(rawValue: errno))", file: path)
            }
        } else if unlink(path) != 0 {
            throw BioCubeError(.io, "cannot remove: \(Errno(rawValue: errno))", file: path)
        }
    }
}
