import BioCubeCore
internal import CNetCDF
import Synchronization

/// The process-wide gate to libnetcdf. Debian builds netCDF and HDF5 without thread
/// safety, so every `nc_*` call in BioCube runs inside ``withLock(_:)``.
enum NetCDFLibrary {
    private static let lock = Locked(())

    /// Runs `body` while holding the libnetcdf lock.
    static func withLock<R>(_ body: () throws -> R) rethrows -> R {
        try lock.withLock { _ in try body() }
    }

    /// Maps a netCDF status code to a ``BioCubeError`` naming `path` and the operation.
    static func check(_ status: Int32, path: String, _ operation: @autoclosure () -> String) throws {
        guard status != NC_NOERR else { return }
        let reason = String(cString: nc_strerror(status))
        let code: BioCubeError.Code =
            switch status {
            case NC_ENOTNC, NC_ENOTVAR, NC_EBADDIM, NC_ENOTATT, NC_EHDFERR, NC_ETRUNC: .corruptData
            case NC_ENOTFOUND: .notFound
            default: status == -2 ? .notFound : .io  // -2: ENOENT from the OS
            }
        throw BioCubeError(code, "\(path): \(operation()): \(reason)")
    }

    /// The libnetcdf version string (e.g. `"4.9.0 of …"`).
    static var version: String { withLock { String(cString: nc_inq_libvers()) } }
}

/// The version of the libnetcdf that BioCube's ERA5 reader is linked against.
package var netCDFLibraryVersion: String { NetCDFLibrary.version }
