import BioCubeCore
internal import CHDF5
internal import CZlib
import Synchronization

/// Reads the raw, still-compressed chunks of netCDF-4 variables through HDF5's direct
/// chunk API, so that decompression (deflate, shuffle) runs outside the libnetcdf/HDF5
/// lock, in parallel. Any chunk shape is handled — one chunk per field as the CDS writes,
/// or chunks spanning several steps and levels and tiling latitude × longitude with partial
/// edge tiles, as netCDF4-python, h5py and netCDF-C's defaults write — for float32 little
/// endian data whose filters are drawn from shuffle and deflate; anything else returns nil
/// and the caller uses libnetcdf.
///
/// A chunk spanning several fields is decoded once and kept in a small cache (least
/// recently used, bounded by ``cacheBudget`` bytes for the whole process), so reading the
/// fields of a time block in turn inflates each chunk once, not once per field.
package final class HDF5ChunkReader: @unchecked Sendable {
    // Safety: `file`, `datasets` are only touched inside NetCDFLibrary.withLock.
    package struct Dataset {
        let id: hid_t
        let chunk: [Int]
        let shape: [Int]
        /// Filter ids in application order (decode runs them backwards).
        let filters: [Int32]
    }

    package let path: String
    private var file: hid_t
    /// Bytes of decoded multi-field chunks kept, over all files of the process: enough for
    /// two workers each walking one variable through a block of steps (13 levels × 64 steps
    /// of a Europe 0.25° field is 150 MB), while peak memory stays bounded however many
    /// files are open.
    package static let cacheBudget = 256 << 20
    private static let cache = Locked(ChunkCache())
    private let counts = Locked((inflated: 0, hits: 0))

    /// Decoded chunks by (file, variable, chunk origin), least recently used evicted first.
    package struct ChunkCache {
        var entries: [String: (values: [Float], tick: Int)] = [:]
        var bytes = 0, tick = 0
        mutating func get(_ key: String) -> [Float]? {
            guard let e = entries[key] else { return nil }
            tick += 1
            entries[key] = (e.values, tick)
            return e.values
        }
        mutating func put(_ key: String, _ values: [Float], budget: Int) {
            tick += 1
            if let old = entries[key] { bytes -= old.values.count * 4 }
            bytes += values.count * 4
            entries[key] = (values, tick)
            while bytes > budget, let oldest = entries.min(by: { $0.value.tick < $1.value.tick }) {
                bytes -= oldest.value.values.count * 4
                entries[oldest.key] = nil
            }
        }
        mutating func removeAll(prefix: String) {
            for key in entries.keys where key.hasPrefix(prefix) {
                bytes -= entries[key]!.values.count * 4
                entries[key] = nil
            }
        }
    }

    /// Chunks of this file inflated and cache hits so far (multi-field chunks only): each
    /// chunk of a file read block by block is inflated once.
    package var cacheCounts: (inflated: Int, hits: Int) { counts.withLock { $0 } }
    private static let nextID = Atomic<Int>(0)
    /// The cache key prefix of this reader (one per open file).
    private let cachePrefix: String
    private var datasets: [String: Dataset?] = [:]

    private var closed = false

    /// Opens `path` read-only with HDF5; nil when HDF5 cannot. Called with the lock held,
    /// by the ``NetCDFFile`` that owns the reader (and closes it first, in its deinit).
    package init?(lockedPath path: String) {
        self.path = path
        cachePrefix = "\(Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue)|"
        H5Eset_auto2(0, nil, nil)  // failures are handled here, not printed
        // HDF5's metadata cache grows to 32 MiB per open file as chunk-index nodes are
        // visited, so memory would grow with the span of long files: keep it at 2–4 MiB
        // (each chunk's address is looked up once per build).
        let access = H5Pcreate(chdf5_file_access_class())
        defer { if access >= 0 { H5Pclose(access) } }
        var config = H5AC_cache_config_t()
        config.version = H5AC__CURR_CACHE_CONFIG_VERSION
        if access >= 0, H5Pget_mdc_config(access, &config) >= 0 {
            config.set_initial_size = true
            config.initial_size = 2 << 20
            config.min_size = 1 << 20
            config.max_size = 4 << 20
            _ = H5Pset_mdc_config(access, &config)
        }
        let readOnly: UInt32 = 0  // H5F_ACC_RDONLY
        let defaultAccess: hid_t = 0  // H5P_DEFAULT
        let id = H5Fopen(path, readOnly, access >= 0 ? access : defaultAccess)
        guard id >= 0 else { return nil }
        file = id
    }

    /// Closes the datasets and the file; called with the lock held.
    package func closeLocked() {
        guard !closed else { return }
        closed = true
        for case let d? in datasets.values { H5Dclose(d.id) }
        Self.cache.withLock { $0.removeAll(prefix: cachePrefix) }
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

    /// Why variable `name` is not read through raw chunks (nil when it is, or when it is not
    /// chunked, where libnetcdf is as fast): an unsupported filter or data type.
    package func fallbackReason(_ name: String, latitudeAxis: Int, longitudeAxis: Int) -> String? {
        NetCDFLibrary.withLock {
            guard !closed, dataset(name, latitudeAxis: latitudeAxis, longitudeAxis: longitudeAxis) == nil else {
                return nil
            }
            return reasons[name]
        }
    }
    private var reasons: [String: String] = [:]

    /// HDF5 filters decoded here: deflate (1), shuffle (2), Fletcher-32 (3) and zstd (the
    /// HDF5 plugin 32015).
    package static let decodedFilters: Set<Int32> = [1, 2, 3, 32015]

    private func open(_ name: String, latitudeAxis: Int, longitudeAxis: Int) -> Dataset? {
        let id = H5Dopen2(file, name, 0)
        guard id >= 0 else { return nil }
        var keep = false
        defer { if !keep { H5Dclose(id) } }
        let type = H5Dget_type(id)
        defer { H5Tclose(type) }
        let plist = H5Dget_create_plist(id)
        defer { H5Pclose(plist) }
        guard H5Tget_class(type) == H5T_FLOAT, H5Tget_size(type) == 4, H5Tget_order(type) == H5T_ORDER_LE else {
            if H5Pget_layout(plist) == H5D_CHUNKED {
                reasons[name] =
                    "stored as \(H5Tget_class(type) == H5T_FLOAT ? "" : "non-")float \(H5Tget_size(type) * 8)-bit \(H5Tget_order(type) == H5T_ORDER_LE ? "little" : "big")-endian values, not float32 little-endian"
            }
            return nil
        }
        let space = H5Dget_space(id)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 2 else { return nil }
        var dims = [hsize_t](repeating: 0, count: rank)
        H5Sget_simple_extent_dims(space, &dims, nil)
        guard H5Pget_layout(plist) == H5D_CHUNKED else { return nil }
        var chunk = [hsize_t](repeating: 0, count: rank)
        guard H5Pget_chunk(plist, Int32(rank), &chunk) == Int32(rank) else { return nil }
        let shape = dims.map { Int($0) }
        let chunkShape = chunk.map { Int($0) }
        guard latitudeAxis < rank, longitudeAxis < rank, chunkShape.allSatisfy({ $0 > 0 }) else { return nil }
        var filters: [Int32] = []
        for i in 0..<max(0, H5Pget_nfilters(plist)) {
            var flags: UInt32 = 0
            var nelmts = 8
            var values = [UInt32](repeating: 0, count: 8)
            var config: UInt32 = 0
            var label = [CChar](repeating: 0, count: 64)
            let f = H5Pget_filter2(plist, UInt32(i), &flags, &nelmts, &values, label.count, &label, &config)
            guard Self.decodedFilters.contains(f) else {
                let text = String(decoding: label.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                reasons[name] = "HDF5 filter \(f)\(text.isEmpty ? "" : " (\(text))") is not decoded directly"
                return nil
            }
            filters.append(f)
        }
        keep = true
        return Dataset(id: id, chunk: chunkShape, shape: shape, filters: filters)
    }

    /// The file byte ranges of the stored chunks holding time indices `slices` (along
    /// `timeAxis`) of `variable`, every level and tile: what reading those steps will read.
    /// Empty when the variable does not take the direct path.
    package func chunkRanges(
        variable: String,
        timeAxis: Int,
        slices: Range<Int>,
        latitudeAxis: Int,
        longitudeAxis: Int
    ) -> [(offset: Int, length: Int)] {
        NetCDFLibrary.withLock {
            guard !closed, let d = dataset(variable, latitudeAxis: latitudeAxis, longitudeAxis: longitudeAxis),
                timeAxis < d.shape.count, !slices.isEmpty
            else { return [] }
            // Chunks along each axis: the time chunks covering `slices`, all others.
            let spans: [Range<Int>] = d.shape.indices.map { a in
                a == timeAxis
                    ? (slices.lowerBound / d.chunk[a])..<((min(slices.upperBound, d.shape[a]) - 1) / d.chunk[a] + 1)
                    : 0..<((d.shape[a] + d.chunk[a] - 1) / d.chunk[a])
            }
            var ranges: [(offset: Int, length: Int)] = []
            for index in CartesianIndices(spans) {
                var coord = index.enumerated().map { hsize_t($0.element * d.chunk[$0.offset]) }
                var mask: UInt32 = 0
                var address: haddr_t = 0
                var size: hsize_t = 0
                if H5Dget_chunk_info_by_coord(d.id, &coord, &mask, &address, &size) >= 0, size > 0 {
                    ranges.append((Int(address), Int(size)))
                }
            }
            return ranges
        }
    }

    /// Reads and decodes the field at `offset` (0 along latitude/longitude) into `out`
    /// (latitude × longitude float32). Returns false when the fast path does not apply.
    /// Raw reads hold the lock; decompression does not.
    package func readField(
        variable: String,
        offset: [Int],
        latitudeAxis: Int,
        longitudeAxis: Int,
        into out: UnsafeMutableBufferPointer<Float>
    ) throws -> Bool {
        let found: Dataset?? = NetCDFLibrary.withLock {
            guard !closed, let d = dataset(variable, latitudeAxis: latitudeAxis, longitudeAxis: longitudeAxis) else {
                return nil
            }
            return .some(d)
        }
        guard let d = found ?? nil, d.shape[latitudeAxis] * d.shape[longitudeAxis] == out.count,
            offset.count == d.shape.count
        else { return false }
        let oneFieldChunks = d.chunk.indices.allSatisfy { a in
            a == latitudeAxis || a == longitudeAxis ? d.chunk[a] == d.shape[a] : d.chunk[a] == 1
        }
        if oneFieldChunks {
            return try readChunk(
                variable,
                d,
                origin: offset,
                latitudeAxis: latitudeAxis,
                longitudeAxis: longitudeAxis,
                into: out
            )
        }
        // Chunks tiling the field: for each tile, its decoded chunk (cached), then the
        // field's rows of it.
        let height = d.shape[latitudeAxis]
        let width = d.shape[longitudeAxis]
        let ch = d.chunk[latitudeAxis]
        let cw = d.chunk[longitudeAxis]
        var origin = offset
        for a in d.chunk.indices where a != latitudeAxis && a != longitudeAxis {
            origin[a] = offset[a] / d.chunk[a] * d.chunk[a]
        }
        // Row-major strides of a chunk.
        var strides = [Int](repeating: 1, count: d.chunk.count)
        for a in stride(from: d.chunk.count - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * d.chunk[a + 1] }
        var within = 0
        for a in d.chunk.indices where a != latitudeAxis && a != longitudeAxis {
            within += (offset[a] - origin[a]) * strides[a]
        }
        for r0 in stride(from: 0, to: height, by: ch) {
            for c0 in stride(from: 0, to: width, by: cw) {
                origin[latitudeAxis] = r0
                origin[longitudeAxis] = c0
                guard
                    let values = try decodedChunk(
                        variable,
                        d,
                        origin: origin,
                        latitudeAxis: latitudeAxis,
                        longitudeAxis: longitudeAxis
                    )
                else {
                    return false
                }
                let rows = min(ch, height - r0)
                let cols = min(cw, width - c0)
                values.withUnsafeBufferPointer { src in
                    for r in 0..<rows {
                        let from = within + r * strides[latitudeAxis]
                        let to = (r0 + r) * width + c0
                        if strides[longitudeAxis] == 1 {
                            _ = UnsafeMutableBufferPointer(rebasing: out[to..<(to + cols)]).update(
                                fromContentsOf: src[from..<(from + cols)]
                            )
                        } else {
                            for c in 0..<cols { out[to + c] = src[from + c * strides[longitudeAxis]] }
                        }
                    }
                }
            }
        }
        return true
    }

    /// The raw bytes of the chunk at `origin` (nil: never written), under the lock; the
    /// outer nil means the direct path failed.
    private func rawChunk(_ variable: String, _ d: Dataset, origin: [Int]) -> (bytes: [UInt8], mask: UInt32)?? {
        NetCDFLibrary.withLock {
            guard !closed else { return nil }
            var coord = origin.map { hsize_t($0) }
            var mask: UInt32 = 0
            var address: haddr_t = 0
            var size: hsize_t = 0
            guard H5Dget_chunk_info_by_coord(d.id, &coord, &mask, &address, &size) >= 0 else { return nil }
            if size == 0 { return .some(nil) }  // never written: fill value
            var bytes = [UInt8](repeating: 0, count: Int(size))
            guard H5Dread_chunk(d.id, 0, &coord, &mask, &bytes) >= 0 else { return nil }
            return .some((bytes, mask))
        }
    }

    /// Decodes the one-field chunk at `origin` straight into `out`.
    private func readChunk(
        _ variable: String,
        _ d: Dataset,
        origin: [Int],
        latitudeAxis: Int,
        longitudeAxis: Int,
        into out: UnsafeMutableBufferPointer<Float>
    ) throws -> Bool {
        guard let fetched = rawChunk(variable, d, origin: origin) else { return false }
        guard let (bytes, mask) = fetched else {
            out.initialize(repeating: .nan)
            return true
        }
        try HDF5ChunkReader.decode(
            bytes,
            filters: d.filters,
            skipped: mask,
            into: out,
            context: "\(path): variable '\(variable)' chunk \(origin)"
        )
        return true
    }

    /// The decoded multi-field chunk at `origin` (all `d.chunk` elements; edge chunks are
    /// stored whole), from the cache or read and inflated once; nil when the direct path failed.
    private func decodedChunk(
        _ variable: String,
        _ d: Dataset,
        origin: [Int],
        latitudeAxis: Int,
        longitudeAxis: Int
    ) throws -> [Float]? {
        let key = cachePrefix + variable + "@" + origin.map(String.init).joined(separator: ",")
        if let hit = Self.cache.withLock({ $0.get(key) }) {
            counts.withLock { $0.hits += 1 }
            return hit
        }
        guard let fetched = rawChunk(variable, d, origin: origin) else { return nil }
        let count = d.chunk.reduce(1, *)
        let values: [Float]
        if let (bytes, mask) = fetched {
            values = try [Float](unsafeUninitializedCapacity: count) { buffer, n in
                try HDF5ChunkReader.decode(
                    bytes,
                    filters: d.filters,
                    skipped: mask,
                    into: buffer,
                    context: "\(path): variable '\(variable)' chunk \(origin)"
                )
                n = count
            }
        } else {
            values = [Float](repeating: .nan, count: count)
        }
        counts.withLock { $0.inflated += 1 }
        Self.cache.withLock { $0.put(key, values, budget: Self.cacheBudget) }
        return values
    }

    /// Undoes the filter pipeline in reverse application order, whatever the order:
    /// Fletcher-32 (checksum verified and stripped), deflate, zstd, shuffle.
    package static func decode(
        _ bytes: [UInt8],
        filters: [Int32],
        skipped mask: UInt32,
        into out: UnsafeMutableBufferPointer<Float>,
        context: String
    ) throws {
        var data = bytes
        let expected = out.count * 4
        let active = filters.indices.filter { mask & (1 << UInt32($0)) == 0 }
        for i in active.reversed() {
            // Bytes once filter i is undone: the values, plus the checksums of Fletcher-32
            // filters applied before it (netCDF applies Fletcher-32 first).
            let size = expected + 4 * active.filter { $0 < i && filters[$0] == 3 }.count
            switch filters[i] {
            case 1:
                var inflated = [UInt8](repeating: 0, count: size)
                var length = uLongf(size)
                let status = inflated.withUnsafeMutableBufferPointer { dst in
                    data.withUnsafeBufferPointer { src in
                        uncompress(dst.baseAddress, &length, src.baseAddress, uLong(src.count))
                    }
                }
                guard status == Z_OK, Int(length) == size else {
                    throw BioCubeError(
                        .corruptData,
                        "\(context): deflate data is corrupt (zlib status \(status), \(length) of \(size) bytes)"
                    )
                }
                data = inflated
            case 2:
                guard data.count == size else {
                    throw BioCubeError(
                        .corruptData,
                        "\(context): chunk holds \(data.count) bytes before unshuffling, expected \(size)"
                    )
                }
                // Shuffled: all first bytes, then all second bytes, … of the 4-byte elements;
                // bytes past the last whole element stay in place.
                let n = size / 4
                data = [UInt8](unsafeUninitializedCapacity: size) { dst, initialized in
                    data.withUnsafeBufferPointer { src in
                        for b in 0..<4 {
                            let plane = src.baseAddress! + b * n
                            for i in 0..<n { dst[i * 4 + b] = plane[i] }
                        }
                        for k in (n * 4)..<size { dst[k] = src[k] }
                    }
                    initialized = size
                }
            case 3:
                guard data.count >= 4 else {
                    throw BioCubeError(.truncated, "\(context): chunk too short for its Fletcher-32 checksum")
                }
                let body = data.count - 4
                let stored = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: body, as: UInt32.self) }
                    .littleEndian
                let computed = data.withUnsafeBufferPointer { fletcher32(UnsafeBufferPointer(rebasing: $0[0..<body])) }
                // HDF5 before 1.6.3 stored the checksum byte-reversed; HDF5 accepts both.
                guard stored == computed || stored == computed.byteSwapped else {
                    throw BioCubeError(
                        .corruptData,
                        "\(context): Fletcher-32 checksum mismatch (stored \(String(stored, radix: 16)), computed \(String(computed, radix: 16))): the chunk is damaged"
                    )
                }
                data.removeLast(4)
            case 32015:
                var decoded = [UInt8](repeating: 0, count: size)
                do {
                    try decoded.withUnsafeMutableBytes { dst in
                        try data.withUnsafeBytes { try ZstdCodec().decompress($0, into: dst) }
                    }
                } catch let e as BioCubeError {
                    throw BioCubeError(
                        e.code.category == .corruptData ? e.code : .corruptData,
                        "\(context): \(e.message)",
                        cause: e
                    )
                }
                data = decoded
            case let f:
                throw BioCubeError(.unsupported, "\(context): HDF5 filter \(f) is not supported")
            }
        }
        guard data.count == expected else {
            throw BioCubeError(.corruptData, "\(context): chunk holds \(data.count) bytes, expected \(expected)")
        }
        data.withUnsafeBytes { UnsafeMutableRawBufferPointer(out).copyMemory(from: $0) }
    }

    /// HDF5's Fletcher-32 (H5_checksum_fletcher32): 16-bit big-endian words, sums folded
    /// every 360 words, an odd last byte as the high byte of a word.
    package static func fletcher32(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var sum1: UInt32 = 0
        var sum2: UInt32 = 0
        var words = bytes.count / 2
        var k = 0
        while words > 0 {
            let block = min(words, 360)
            words -= block
            for _ in 0..<block {
                sum1 &+= UInt32(bytes[k]) << 8 | UInt32(bytes[k + 1])
                sum2 &+= sum1
                k += 2
            }
            sum1 = (sum1 & 0xFFFF) + (sum1 >> 16)
            sum2 = (sum2 & 0xFFFF) + (sum2 >> 16)
        }
        if bytes.count % 2 == 1 {
            sum1 &+= UInt32(bytes[k]) << 8
            sum2 &+= sum1
            sum1 = (sum1 & 0xFFFF) + (sum1 >> 16)
            sum2 = (sum2 & 0xFFFF) + (sum2 >> 16)
        }
        sum1 = (sum1 & 0xFFFF) + (sum1 >> 16)
        sum2 = (sum2 & 0xFFFF) + (sum2 >> 16)
        return sum2 << 16 | sum1
    }
}
