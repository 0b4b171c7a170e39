internal import CNetCDF
import BioCubeCore

/// A NetCDF file opened read-only (netCDF-3 classic or netCDF-4/HDF5). Closed when the
/// last reference goes away or explicitly with ``close()``.
public final class NetCDFFile: @unchecked Sendable {
    // Safety: `ncid` is only used inside NetCDFLibrary.withLock, which serialises all access.
    /// The file's path, as given.
    public let path: String
    private var ncid: Int32?

    /// Opens `path`; throws naming the file when it is missing or not NetCDF.
    public init(path: String) throws {
        self.path = path
        var id: Int32 = 0
        let status = NetCDFLibrary.withLock { nc_open(path, NC_NOWRITE, &id) }
        try NetCDFLibrary.check(status, path: path, "open")
        ncid = id
    }

    deinit { try? close() }

    /// Closes the file; further calls fail with `.invalidArgument`.
    public func close() throws {
        guard let id = ncid else { return }
        ncid = nil
        try NetCDFLibrary.check(NetCDFLibrary.withLock { nc_close(id) }, path: path, "close")
    }

    private func id() throws -> Int32 {
        guard let id = ncid else { throw BioCubeError(.invalidArgument, "\(path): file is closed") }
        return id
    }

    /// The names of the file's variables, in file order.
    public func variableNames() throws -> [String] {
        let id = try id()
        return try NetCDFLibrary.withLock {
            var count: Int32 = 0
            try NetCDFLibrary.check(nc_inq_nvars(id, &count), path: path, "count variables")
            return try (0..<count).map { v in
                var name = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
                try NetCDFLibrary.check(nc_inq_varname(id, v, &name), path: path, "name of variable #\(v)")
                return String(decoding: name.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
    }

    /// The dimensions of the file: name and length, in file order.
    public func dimensions() throws -> [(name: String, length: Int)] {
        let id = try id()
        return try NetCDFLibrary.withLock {
            var count: Int32 = 0
            try NetCDFLibrary.check(nc_inq_ndims(id, &count), path: path, "count dimensions")
            return try (0..<count).map { d in
                var name = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
                var length = 0
                try NetCDFLibrary.check(nc_inq_dim(id, d, &name, &length), path: path, "dimension #\(d)")
                return (String(decoding: name.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self), length)
            }
        }
    }
}
