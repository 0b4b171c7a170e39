internal import CHDF5
internal import CZlib
import BioCubeCore

/// Reads the raw, still-compressed chunks of netCDF-4 variables through HDF5's direct
/// chunk API, so that decompression (deflate, shuffle) runs outside the libnetcdf/HDF5
/// lock, in parallel. Only the layout the CDS writes is handled — float32 little endian,
/// one chunk per (time, level) field covering all of latitude × longitude, filters drawn
/// from shuffle and deflate; anything else returns nil and the caller uses libnetcdf.
final class HDF5ChunkReader: @unchecked Sendable {
    // Safety: `file`, `datasets` are only touched inside NetCDFLibrary.withLock.
    struct Dataset {
        let id: hid_t
        let chunk: [Int]
        let shape: [Int]
        /// Filter ids in application order (decode runs them backwards).
        let filters: [Int32]
    }

    let path: String
    private var file: hid_t
    private var datasets: [String: Dataset?] = [:]

    private var closed = false

    /// Opens `path` read-only with HDF5; nil when HDF5 cannot. Called with the lock held,
    /// by the ``NetCDFFile`` that owns the reader (and closes it first, in its deinit).
    init?(lockedPath path: String) {
        self.path = path
        H5Eset_auto2(0, nil, nil)  // failures are handled here, not printed
        let id = H5Fopen(path, 0 /* H5F_ACC_RDONLY */, 0 /* H5P_DEFAULT */)
        guard id >= 0 else { return nil }
        file = id
    }

    /// Closes the datasets and the file; called with the lock held.
    func closeLocked() {
        guard !closed else { return }
        closed = true
        for case let d? in datasets.values { H5Dclose(d.id) }
        datasets = [:]
        H5Fclose(file)
    }

    /// The dataset if it has the supported layout (called with the lock held).
    private func dataset(_ name: String, latitudeAxis: Int, longitudeAxis: Int) -> Dataset? {
        if let cached = datasets[name] { return cached }
        let d = open(name, latitudeAxis: latitudeAxis, longitudeAxis: longitudeAxis)
        datasets[name] = .some(d)
        return d
    }

    private func open(_ name: String, latitudeAxis: Int, longitudeAxis: Int) -> Dataset? {
        let id = H5Dopen2(file, name, 0)
        guard id >= 0 else { return nil }
        var keep = false
        defer { if !keep { H5Dclose(id) } }
        let type = H5Dget_type(id)
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_FLOAT, H5Tget_size(type) == 4, H5Tget_order(type) == H5T_ORDER_LE else { return nil }
        let space = H5Dget_space(id)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 2 else { return nil }
        var dims = [hsize_t](repeating: 0, count: rank)
        H5Sget_simple_extent_dims(space, &dims, nil)
        let plist = H5Dget_create_plist(id)
        defer { H5Pclose(plist) }
        guard H5Pget_layout(plist) == H5D_CHUNKED else { return nil }
        var chunk = [hsize_t](repeating: 0, count: rank)
        guard H5Pget_chunk(plist, Int32(rank), &chunk) == Int32(rank) else { return nil }
        let shape = dims.map { Int($0) }, chunkShape = chunk.map { Int($0) }
        // One chunk per field: 1 along every axis but latitude and longitude, which are whole.
        for d in 0..<rank {
            let whole = d == latitudeAxis || d == longitudeAxis
            guard whole ? chunkShape[d] == shape[d] : chunkShape[d] == 1 else { return nil }
        }
        var filters: [Int32] = []
        for i in 0..<max(0, H5Pget_nfilters(plist)) {
            var flags: UInt32 = 0
            var nelmts = 8
            var values = [UInt32](repeating: 0, count: 8)
            var config: UInt32 = 0
            let f = H5Pget_filter2(plist, UInt32(i), &flags, &nelmts, &values, 0, nil, &config)
            guard f == 1 /* deflate */ || f == 2 /* shuffle */ else { return nil }
            filters.append(f)
        }
        keep = true
        return Dataset(id: id, chunk: chunkShape, shape: shape, filters: filters)
    }

    /// Reads and decodes the field at `offset` (0 along latitude/longitude) into `out`
    /// (latitude × longitude float32). Returns false when the fast path does not apply.
    /// The raw read holds the lock; decompression does not.
    func readField(variable: String, offset: [Int], latitudeAxis: Int, longitudeAxis: Int,
                   into out: UnsafeMutableBufferPointer<Float>) throws -> Bool {
        typealias Raw = (bytes: [UInt8], filters: [Int32], mask: UInt32)
        let raw: Raw?? = NetCDFLibrary.withLock {
            guard !closed, let d = dataset(variable, latitudeAxis: latitudeAxis, longitudeAxis: longitudeAxis) else { return nil }
            guard d.shape[latitudeAxis] * d.shape[longitudeAxis] == out.count else { return nil }
            var coord = offset.map { hsize_t($0) }
            var mask: UInt32 = 0
            var address: haddr_t = 0
            var size: hsize_t = 0
            guard H5Dget_chunk_info_by_coord(d.id, &coord, &mask, &address, &size) >= 0 else { return nil }
            if size == 0 { return .some(nil) }  // never written: fill value
            var bytes = [UInt8](repeating: 0, count: Int(size))
            guard H5Dread_chunk(d.id, 0, &coord, &mask, &bytes) >= 0 else { return nil }
            return .some((bytes, d.filters, mask))
        }
        guard let fetched = raw else { return false }
        guard let (bytes, filters, mask) = fetched else {
            out.initialize(repeating: .nan)
            return true
        }
        try HDF5ChunkReader.decode(bytes, filters: filters, skipped: mask, into: out, context: "\(path): variable '\(variable)' chunk \(offset)")
        return true
    }

    /// Undoes the filter pipeline: deflate, then shuffle, in reverse application order.
    static func decode(_ bytes: [UInt8], filters: [Int32], skipped mask: UInt32, into out: UnsafeMutableBufferPointer<Float>,
                       context: String) throws {
        var data = bytes
        let expected = out.count * 4
        for (i, f) in filters.enumerated().reversed() where mask & (1 << UInt32(i)) == 0 {
            switch f {
            case 1:
                var inflated = [UInt8](repeating: 0, count: expected)
                var length = uLongf(expected)
                let status = inflated.withUnsafeMutableBufferPointer { dst in
                    data.withUnsafeBufferPointer { src in uncompress(dst.baseAddress, &length, src.baseAddress, uLong(src.count)) }
                }
                guard status == Z_OK, Int(length) == expected else {
                    throw BioCubeError(.corruptData, "\(context): deflate data is corrupt (zlib status \(status), \(length) of \(expected) bytes)")
                }
                data = inflated
            case 2:
                guard data.count == expected else {
                    throw BioCubeError(.corruptData, "\(context): chunk holds \(data.count) bytes, expected \(expected)")
                }
                // Shuffled: all first bytes, then all second bytes, … of the 4-byte elements.
                let n = out.count
                data.withUnsafeBufferPointer { src in
                    let dst = UnsafeMutableRawPointer(out.baseAddress!).assumingMemoryBound(to: UInt8.self)
                    for b in 0..<4 {
                        let plane = src.baseAddress! + b * n
                        for i in 0..<n { dst[i * 4 + b] = plane[i] }
                    }
                }
                return
            default:
                throw BioCubeError(.unsupported, "\(context): HDF5 filter \(f) is not supported")
            }
        }
        guard data.count == expected else {
            throw BioCubeError(.corruptData, "\(context): chunk holds \(data.count) bytes, expected \(expected)")
        }
        data.withUnsafeBytes { UnsafeMutableRawBufferPointer(out).copyMemory(from: $0) }
    }
}
