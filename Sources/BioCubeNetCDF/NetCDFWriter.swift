import BioCubeCore
internal import CNetCDF
import Foundation

/// Writes NetCDF files through libnetcdf (every call under the library lock): netCDF-4
/// (HDF5, with zlib + shuffle and chunking, as the new CDS delivers) or classic 64-bit
/// offset (as legacy downloads are). Used to write sample and test sources; the file is
/// created under a temporary name and moved into place by ``close()``.
package final class NetCDFWriter {
    /// On-disk format.
    package enum Format: Sendable { case netCDF4, classic64BitOffset, classic }

    /// Element types.
    package enum ValueType: Sendable {
        case float, double, short, int, int64, string
        var code: nc_type {
            switch self {
            case .float: nc_type(NC_FLOAT)
            case .double: nc_type(NC_DOUBLE)
            case .short: nc_type(NC_SHORT)
            case .int: nc_type(NC_INT)
            case .int64: nc_type(NC_INT64)
            case .string: nc_type(NC_STRING)
            }
        }
    }

    /// Attribute values.
    package enum Attribute: Sendable {
        case text(String)
        case double(Double)
        case float(Float)
        case short(Int16)
        case int(Int32)
        case int64(Int64)
    }

    package let path: String
    private let temp: String
    private var id: Int32 = -1
    private var open = true

    package init(path: String, format: Format) throws {
        self.path = path
        let dir = FileIO.parent(of: path)
        if !dir.isEmpty { try FileIO.createDirectories(dir) }
        temp =
            (dir.isEmpty ? "" : dir + "/")
            + TemporaryName.fresh(for: (path as NSString).lastPathComponent)
        LiveTemporaryFiles.track(temp)
        let mode: Int32
        switch format {
        case .netCDF4: mode = NC_NETCDF4 | NC_CLOBBER
        case .classic64BitOffset: mode = NC_64BIT_OFFSET | NC_CLOBBER
        case .classic: mode = NC_CLOBBER
        }
        var ncid: Int32 = -1
        do {
            try NetCDFLibrary.withLock { try NetCDFLibrary.check(nc_create(temp, mode, &ncid), path: path, "create") }
        } catch {
            LiveTemporaryFiles.untrack(temp)
            throw error
        }
        id = ncid
    }

    deinit {
        if open {
            NetCDFLibrary.withLock { _ = nc_close(id) }
            _ = unlink(temp)
            LiveTemporaryFiles.untrack(temp)
        }
    }

    private func call(_ what: @autoclosure () -> String, _ body: (Int32) -> Int32) throws {
        try NetCDFLibrary.withLock { try NetCDFLibrary.check(body(id), path: path, what()) }
    }

    /// Defines a dimension; returns its id.
    package func dimension(_ name: String, length: Int) throws -> Int32 {
        var d: Int32 = -1
        try call("define dimension \(name)") { nc_def_dim($0, name, length, &d) }
        return d
    }

    /// Defines a variable over `dimensions`; `deflate` (zlib level) and `chunks` apply to netCDF-4 only.
    package func variable(
        _ name: String,
        _ type: ValueType,
        dimensions: [Int32],
        deflate: Int32? = nil,
        shuffle: Bool = true,
        chunks: [Int]? = nil
    ) throws -> Int32 {
        var v: Int32 = -1
        try call("define variable \(name)") { nc_def_var($0, name, type.code, Int32(dimensions.count), dimensions, &v) }
        if let chunks {
            try call("chunk variable \(name)") { nc_def_var_chunking($0, v, NC_CHUNKED, chunks) }
        }
        if let deflate {
            try call("deflate variable \(name)") { nc_def_var_deflate($0, v, shuffle ? 1 : 0, 1, deflate) }
        }
        return v
    }

    /// Sets an attribute on a variable (or, with `nil`, a global attribute).
    package func attribute(_ name: String, _ value: Attribute, on variable: Int32? = nil) throws {
        let v = variable ?? NC_GLOBAL
        switch value {
        case .text(let s): try call("attribute \(name)") { nc_put_att_text($0, v, name, s.utf8.count, s) }
        case .double(var x): try call("attribute \(name)") { nc_put_att_double($0, v, name, nc_type(NC_DOUBLE), 1, &x) }
        case .float(var x): try call("attribute \(name)") { nc_put_att_float($0, v, name, nc_type(NC_FLOAT), 1, &x) }
        case .short(var x): try call("attribute \(name)") { nc_put_att_short($0, v, name, nc_type(NC_SHORT), 1, &x) }
        case .int(var x): try call("attribute \(name)") { nc_put_att_int($0, v, name, nc_type(NC_INT), 1, &x) }
        case .int64(var x): try call("attribute \(name)") { nc_put_att_longlong($0, v, name, nc_type(NC_INT64), 1, &x) }
        }
    }

    /// Leaves define mode (call before writing data).
    package func endDefinitions() throws { try call("end definitions") { nc_enddef($0) } }

    package func write(_ variable: Int32, start: [Int], count: [Int], _ values: [Float]) throws {
        try check(values.count, count)
        try call("write") { nc_put_vara_float($0, variable, start, count, values) }
    }
    package func write(_ variable: Int32, start: [Int], count: [Int], _ values: [Double]) throws {
        try check(values.count, count)
        try call("write") { nc_put_vara_double($0, variable, start, count, values) }
    }
    package func write(_ variable: Int32, start: [Int], count: [Int], _ values: [Int16]) throws {
        try check(values.count, count)
        try call("write") { nc_put_vara_short($0, variable, start, count, values) }
    }
    package func write(_ variable: Int32, start: [Int], count: [Int], _ values: [Int32]) throws {
        try check(values.count, count)
        try call("write") { nc_put_vara_int($0, variable, start, count, values) }
    }
    package func write(_ variable: Int32, start: [Int], count: [Int], _ values: [Int64]) throws {
        try check(values.count, count)
        try call("write") { nc_put_vara_longlong($0, variable, start, count, values) }
    }
    package func write(_ variable: Int32, start: [Int], count: [Int], _ values: [String]) throws {
        try check(values.count, count)
        let cStrings = values.map { strdup($0) }
        defer { for s in cStrings { free(s) } }
        var pointers = cStrings.map { UnsafePointer<CChar>($0) }
        try call("write") { id in
            pointers.withUnsafeMutableBufferPointer { nc_put_vara_string(id, variable, start, count, $0.baseAddress) }
        }
    }

    private func check(_ n: Int, _ count: [Int]) throws {
        guard n == count.reduce(1, *) else {
            throw BioCubeError(.invalidArgument, "\(path): \(n) values for a hyperslab of \(count)")
        }
    }

    /// Closes the file and moves it into place.
    package func close() throws {
        guard open else { return }
        open = false
        defer { LiveTemporaryFiles.untrack(temp) }
        do { try NetCDFLibrary.withLock { try NetCDFLibrary.check(nc_close(id), path: path, "close") } } catch {
            _ = unlink(temp)
            throw error
        }
        try FileIO.moveIntoPlace(temp, path)
    }
}
