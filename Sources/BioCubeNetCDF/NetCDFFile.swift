import BioCubeCore
internal import CNetCDF
import Foundation
import Synchronization

/// A NetCDF file opened read-only (netCDF-3 classic/64-bit or netCDF-4/HDF5).
///
/// Every libnetcdf call goes through the process-wide lock (Debian's netCDF and HDF5 are
/// not thread-safe); failures become ``BioCubeError``s naming the file and the variable.
///
/// A file is opened at most once per process: ``open(path:)`` hands out the instance that
/// is already open for the same file. (HDF5 crashes when one file is open through several
/// handles and one of them closes while another still reads variable-length data.) The
/// file is closed when the last reference goes away.
package final class NetCDFFile: @unchecked Sendable {
    // Safety: `ncid`, `hdf5` and `tunedCaches` are only touched inside NetCDFLibrary.withLock.
    /// The file's path, as given to the first ``open(path:)``.
    package let path: String
    private var ncid: Int32?
    /// Variables whose HDF5 chunk cache was sized already.
    private var tunedCaches: Set<Int32> = []
    /// Direct chunk access (netCDF-4 only), created on first use; closed before the file.
    private var hdf5: HDF5ChunkReader?? = nil

    private final class WeakFile: @unchecked Sendable { weak var file: NetCDFFile? }
    private static let registry = Locked<[String: WeakFile]>([:])

    /// Opens `path` (or returns the instance already open for the same file); throws naming
    /// the file when it is missing or not NetCDF.
    package static func open(path: String) throws -> NetCDFFile {
        let key = realPath(path)
        return try registry.withLock { files in
            if let existing = files[key]?.file { return existing }
            let file = try NetCDFFile(path: path)
            let box = WeakFile()
            box.file = file
            files[key] = box
            files = files.filter { $0.value.file != nil }
            return file
        }
    }

    private static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private init(path: String) throws {
        self.path = path
        // A folder or FIFO never reaches the library (a FIFO would block its open).
        let probe = try FileIO.openRegularFile(path)
        try? probe.descriptor.close()
        // A netCDF-3 header is checked by BioCube's own parser before libnetcdf sees it:
        // libnetcdf trusts the header's sizes and offsets, and a damaged one can make it read
        // past its buffers. A file shorter than its header describes is refused here too.
        if let layout = try NetCDF3Layout.read(path: path), let size = FileIO.attributes(path)?.size,
            size < layout.expectedFileSize
        {
            throw BioCubeError(
                .corruptData,
                "\(path): truncated: the netCDF-3 header describes \(layout.expectedFileSize) bytes but the file has \(size)"
            )
        }
        var id: Int32 = 0
        let status = NetCDFLibrary.withLock { nc_open(path, NC_NOWRITE, &id) }
        if status == NC_ENOTNC || status == NC_EHDFERR || status == NC_ENOTBUILT {
            throw BioCubeError(
                .corruptData,
                "\(path): not a NetCDF file, or a truncated one (\(String(cString: nc_strerror(status))))"
            )
        }
        try NetCDFLibrary.check(status, path: path, "open")
        ncid = id
    }

    deinit {
        NetCDFLibrary.withLock {
            if case let reader?? = hdf5 { reader.closeLocked() }
            if let id = ncid { _ = nc_close(id) }
        }
    }

    /// The direct chunk reader of a netCDF-4 file, opened once (nil for netCDF-3 or when
    /// HDF5 cannot open it).
    package func chunkReader() -> HDF5ChunkReader? {
        NetCDFLibrary.withLock {
            if let existing = hdf5 { return existing }
            var format: Int32 = 0
            let isHDF5 =
                ncid.map { nc_inq_format($0, &format) == NC_NOERR } == true
                && (format == NC_FORMAT_NETCDF4 || format == NC_FORMAT_NETCDF4_CLASSIC)
            let reader = isHDF5 ? HDF5ChunkReader(lockedPath: path) : nil
            hdf5 = .some(reader)
            return reader
        }
    }

    /// Runs `body` with the open file id while holding the libnetcdf lock.
    private func locked<R>(_ body: (Int32) throws -> R) throws -> R {
        try NetCDFLibrary.withLock {
            guard let id = ncid else { throw BioCubeError(.invalidArgument, "\(path): file is closed") }
            return try body(id)
        }
    }

    private func check(_ status: Int32, _ what: @autoclosure () -> String) throws {
        try NetCDFLibrary.check(status, path: path, what())
    }

    // MARK: Structure

    /// The on-disk format: `"classic"`, `"64-bit offset"`, `"cdf5"`, `"netCDF-4"` or `"netCDF-4 classic"`.
    package func format() throws -> String {
        try locked { id in
            var f: Int32 = 0
            try check(nc_inq_format(id, &f), "format")
            switch f {
            case NC_FORMAT_CLASSIC: return "classic"
            case NC_FORMAT_64BIT_OFFSET: return "64-bit offset"
            case NC_FORMAT_CDF5: return "cdf5"
            case NC_FORMAT_NETCDF4: return "netCDF-4"
            case NC_FORMAT_NETCDF4_CLASSIC: return "netCDF-4 classic"
            default: return "unknown (\(f))"
            }
        }
    }

    /// The dimensions of the root group, in file order.
    package func dimensions() throws -> [NetCDFDimension] {
        try locked { id in
            var count: Int32 = 0
            try check(nc_inq_ndims(id, &count), "count dimensions")
            var unlimitedCount: Int32 = 0
            try check(nc_inq_unlimdims(id, &unlimitedCount, nil), "unlimited dimensions")
            var unlimited = [Int32](repeating: -1, count: Int(max(1, unlimitedCount)))
            try check(nc_inq_unlimdims(id, &unlimitedCount, &unlimited), "unlimited dimensions")
            return try (0..<count).map { d in
                var name = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
                var length = 0
                try check(nc_inq_dim(id, d, &name, &length), "dimension #\(d)")
                return NetCDFDimension(id: d, name: string(name), length: length, isUnlimited: unlimited.contains(d))
            }
        }
    }

    /// The variables of the root group, in file order.
    package func variables() throws -> [NetCDFVariable] {
        let dims = try dimensions()
        return try locked { id in
            var count: Int32 = 0
            try check(nc_inq_nvars(id, &count), "count variables")
            return try (0..<count).map { v in try describe(id, v, dims) }
        }
    }

    /// The variable called `name`; throws `.notFound` naming the file and listing what exists.
    package func variable(named name: String) throws -> NetCDFVariable {
        let all = try variables()
        guard let v = all.first(where: { $0.name == name }) else {
            throw BioCubeError(
                .notFound,
                "\(path): no variable '\(name)' (variables: \(all.map(\.name).joined(separator: ", ")))"
            )
        }
        return v
    }

    private func describe(_ id: Int32, _ v: Int32, _ dims: [NetCDFDimension]) throws -> NetCDFVariable {
        var name = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
        var type: nc_type = 0
        var ndims: Int32 = 0
        try check(nc_inq_var(id, v, &name, &type, &ndims, nil, nil), "variable #\(v)")
        var dimIDs = [Int32](repeating: 0, count: Int(max(1, ndims)))
        try check(nc_inq_vardimid(id, v, &dimIDs), "dimensions of variable #\(v)")
        let varDims = dimIDs.prefix(Int(ndims)).map { d in
            dims.first { $0.id == d } ?? NetCDFDimension(id: d, name: "?", length: 0, isUnlimited: false)
        }
        return NetCDFVariable(
            id: v,
            name: string(name),
            type: NetCDFType(raw: type),
            dimensions: varDims.map(\.name),
            shape: varDims.map(\.length)
        )
    }

    // MARK: Attributes

    /// The attributes of a variable, or of the file when `variable` is nil.
    package func attributes(of variable: NetCDFVariable? = nil) throws -> [String: NetCDFAttribute] {
        let varid = variable?.id ?? NC_GLOBAL
        let owner = variable.map { "variable '\($0.name)'" } ?? "global attributes"
        return try locked { id in
            var natts: Int32 = 0
            try check(nc_inq_varnatts(id, varid, &natts), "\(owner): count attributes")
            var out: [String: NetCDFAttribute] = [:]
            for a in 0..<natts {
                var nameBuf = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
                try check(nc_inq_attname(id, varid, a, &nameBuf), "\(owner): attribute #\(a)")
                let name = string(nameBuf)
                var type: nc_type = 0
                var len = 0
                try check(nc_inq_att(id, varid, nameBuf, &type, &len), "\(owner): attribute '\(name)'")
                switch type {
                case NC_CHAR:
                    var chars = [CChar](repeating: 0, count: len + 1)
                    try check(nc_get_att_text(id, varid, nameBuf, &chars), "\(owner): attribute '\(name)'")
                    out[name] = .text(string(chars))
                case NC_STRING:
                    var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: max(1, len))
                    try check(nc_get_att_string(id, varid, nameBuf, &ptrs), "\(owner): attribute '\(name)'")
                    let values = ptrs.prefix(len).map { $0.map { String(cString: $0) } ?? "" }
                    nc_free_string(len, &ptrs)
                    out[name] = len == 1 ? .text(values[0]) : .strings(values)
                case NC_INT64, NC_UINT64:
                    var v = [Int64](repeating: 0, count: max(1, len))
                    try check(nc_get_att_longlong(id, varid, nameBuf, &v), "\(owner): attribute '\(name)'")
                    out[name] = .integers(Array(v.prefix(len)))
                default:
                    var v = [Double](repeating: 0, count: max(1, len))
                    try check(nc_get_att_double(id, varid, nameBuf, &v), "\(owner): attribute '\(name)'")
                    out[name] =
                        type == NC_FLOAT || type == NC_DOUBLE
                        ? .numbers(Array(v.prefix(len)))
                        : .integers(v.prefix(len).map { Int64($0) })
                }
            }
            return out
        }
    }

    // MARK: Data

    /// Sizes the HDF5 chunk cache of a chunked netCDF-4 variable to hold one chunk (at least
    /// 1 MiB, at most 64 MiB), instead of the library's large default per variable: reads
    /// that walk time steps then decompress each chunk once while memory stays bounded by
    /// one chunk per variable. Called with the lock held.
    private func tuneChunkCache(_ id: Int32, _ v: NetCDFVariable) {
        guard !tunedCaches.contains(v.id) else { return }
        tunedCaches.insert(v.id)
        var storage: Int32 = 0
        var sizes = [Int](repeating: 0, count: max(1, v.shape.count))
        guard nc_inq_var_chunking(id, v.id, &storage, &sizes) == NC_NOERR, storage == NC_CHUNKED else { return }
        let bytes = sizes.prefix(v.shape.count).reduce(1, *) * 8
        let size = min(64 << 20, max(1 << 20, bytes + bytes / 2))
        _ = nc_set_var_chunk_cache(id, v.id, size, 61, 0.75)
    }

    /// The chunk shape of a chunked netCDF-4 variable; nil for contiguous and netCDF-3
    /// variables (one "chunk" per record).
    package func chunkShape(of v: NetCDFVariable) throws -> [Int]? {
        try locked { id in
            var storage: Int32 = 0
            var sizes = [Int](repeating: 0, count: max(1, v.shape.count))
            let status = nc_inq_var_chunking(id, v.id, &storage, &sizes)
            return status == NC_NOERR && storage == NC_CHUNKED ? Array(sizes.prefix(v.shape.count)) : nil
        }
    }

    private func checkHyperslab(_ v: NetCDFVariable, _ start: [Int], _ count: [Int], capacity: Int) throws {
        guard start.count == v.shape.count, count.count == v.shape.count else {
            throw BioCubeError(
                .invalidArgument,
                "\(path): variable '\(v.name)' has \(v.shape.count) dimensions, hyperslab gives \(start.count)/\(count.count)"
            )
        }
        for d in 0..<v.shape.count where start[d] < 0 || count[d] < 0 || start[d] + count[d] > v.shape[d] {
            throw BioCubeError(
                .invalidArgument,
                "\(path): variable '\(v.name)': hyperslab \(start)+\(count) exceeds shape \(v.shape)"
            )
        }
        let n = count.reduce(1, *)
        guard n == capacity else {
            throw BioCubeError(
                .invalidArgument,
                "\(path): variable '\(v.name)': hyperslab of \(n) values, buffer of \(capacity)"
            )
        }
    }

    /// Reads a hyperslab of any numeric variable straight into `buffer` as Float32
    /// (libnetcdf converts; no packing or fill handling is applied here).
    package func readFloats(
        _ v: NetCDFVariable,
        start: [Int],
        count: [Int],
        into buffer: UnsafeMutableBufferPointer<Float>
    ) throws {
        try checkHyperslab(v, start, count, capacity: buffer.count)
        guard v.type.isNumeric else {
            throw BioCubeError(.unsupported, "\(path): variable '\(v.name)' is \(v.type), not numeric")
        }
        if buffer.isEmpty { return }
        try locked { id in
            tuneChunkCache(id, v)
            let status = nc_get_vara_float(id, v.id, start, count, buffer.baseAddress)
            // A value outside Float range is not an error for our purposes (ERANGE): keep what was read.
            if status != NC_ERANGE { try check(status, "read variable '\(v.name)'") }
        }
    }

    /// Reads a hyperslab of any numeric variable as Float32.
    package func readFloats(_ v: NetCDFVariable, start: [Int]? = nil, count: [Int]? = nil) throws -> [Float] {
        let s = start ?? Array(repeating: 0, count: v.shape.count)
        let c = count ?? v.shape
        let n = c.reduce(1, *)
        return try [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            try readFloats(v, start: s, count: c, into: buf)
            initialized = n
        }
    }

    /// Reads a whole numeric variable (or a hyperslab) as Float64: coordinates and time values.
    package func readDoubles(_ v: NetCDFVariable, start: [Int]? = nil, count: [Int]? = nil) throws -> [Double] {
        let s = start ?? Array(repeating: 0, count: v.shape.count)
        let c = count ?? v.shape
        let n = c.reduce(1, *)
        try checkHyperslab(v, s, c, capacity: n)
        guard v.type.isNumeric else {
            throw BioCubeError(.unsupported, "\(path): variable '\(v.name)' is \(v.type), not numeric")
        }
        var out = [Double](repeating: 0, count: n)
        if n == 0 { return out }
        try locked { id in try check(nc_get_vara_double(id, v.id, s, c, &out), "read variable '\(v.name)'") }
        return out
    }

    /// Reads a whole integer variable as Int64 (exact for int64 time axes).
    package func readInt64s(_ v: NetCDFVariable) throws -> [Int64] {
        let n = v.shape.reduce(1, *)
        guard v.type.isNumeric else {
            throw BioCubeError(.unsupported, "\(path): variable '\(v.name)' is \(v.type), not numeric")
        }
        var out = [Int64](repeating: 0, count: n)
        if n == 0 { return out }
        try locked { id in
            try check(
                nc_get_vara_longlong(id, v.id, Array(repeating: 0, count: v.shape.count), v.shape, &out),
                "read variable '\(v.name)'"
            )
        }
        return out
    }

    /// Reads a string variable (NC_STRING, or NC_CHAR with the last dimension as characters).
    package func readStrings(_ v: NetCDFVariable) throws -> [String] {
        try locked { id in
            switch v.type {
            case .string:
                let n = v.shape.reduce(1, *)
                var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: max(1, n))
                try check(
                    nc_get_vara_string(id, v.id, Array(repeating: 0, count: v.shape.count), v.shape, &ptrs),
                    "read variable '\(v.name)'"
                )
                let out = ptrs.prefix(n).map { $0.map { String(cString: $0) } ?? "" }
                nc_free_string(n, &ptrs)
                return out
            case .char:
                let width = v.shape.last ?? 1
                let n = v.shape.reduce(1, *)
                var chars = [CChar](repeating: 0, count: max(1, n))
                if n > 0 { try check(nc_get_var_text(id, v.id, &chars), "read variable '\(v.name)'") }
                return stride(from: 0, to: n, by: max(1, width)).map {
                    string(Array(chars[$0..<min(n, $0 + width)]) + [0])
                }
            default:
                throw BioCubeError(.unsupported, "\(path): variable '\(v.name)' is \(v.type), not text")
            }
        }
    }
}

private func string(_ chars: [CChar]) -> String {
    String(decoding: chars.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
