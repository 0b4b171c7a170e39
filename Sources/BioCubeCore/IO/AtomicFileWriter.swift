import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Streams a file into a hidden temporary sibling and moves it into place on ``commit()``:
/// readers see the old file or the complete new one, never a partial one, and a killed
/// writer leaves only a `.tmp` file behind. Dropping the writer without committing
/// removes the temporary file.
package final class AtomicFileWriter {
    package let path: String
    private let temp: FilePath
    private var fd: FileDescriptor?
    /// The writer's lock on the temporary file (see ``TemporaryName/holdLock(on:)``).
    private var lock: Int32 = -1
    /// Bytes written so far (the offset of the next write).
    package private(set) var offset: Int = 0

    package init(path: String) throws {
        self.path = path
        let target = FilePath(path)
        var dir = target
        dir.removeLastComponent()
        if !dir.string.isEmpty { try FileIO.createDirectories(dir.string) }
        temp = dir.appending(TemporaryName.fresh(for: target.lastComponent?.string ?? "file"))
        LiveTemporaryFiles.track(temp.string)
        do {
            fd = try FileDescriptor.open(
                temp,
                .writeOnly,
                options: [.create, .truncate, .exclusiveCreate],
                permissions: [.ownerReadWrite, .groupRead, .otherRead]
            )
        } catch {
            LiveTemporaryFiles.untrack(temp.string)
            throw BioCubeError(.io, "cannot create \(temp): \(error)", file: path, cause: error)
        }
        lock = TemporaryName.holdLock(on: temp.string)
    }

    deinit {
        TemporaryName.releaseLock(lock)
        if let fd {
            try? fd.close()
            _ = unlink(temp.string)
            LiveTemporaryFiles.untrack(temp.string)
        }
    }

    /// Appends bytes.
    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let fd else { throw BioCubeError(.io, "write after commit", file: path) }
        do { _ = try fd.writeAll(bytes) } catch {
            throw BioCubeError(.io, "write failed: \(error)", file: path, cause: error)
        }
        offset += bytes.count
    }

    /// Appends bytes.
    package func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Closes the file and renames it onto `path` (replacing an existing file).
    package func commit() throws {
        guard let fd else { throw BioCubeError(.io, "committed twice", file: path) }
        self.fd = nil
        defer {
            LiveTemporaryFiles.untrack(temp.string)
            TemporaryName.releaseLock(lock)
            lock = -1
        }
        do { try fd.close() } catch {
            _ = unlink(temp.string)
            throw BioCubeError(.io, "close failed: \(error)", file: path, cause: error)
        }
        try FileIO.moveIntoPlace(temp.string, path)
    }
}
