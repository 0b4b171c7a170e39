public import BioCubeCore
import BioCubeNetCDF
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One ERA5 NetCDF file with its conventions decoded: coordinates, time axis, pressure
/// levels, packing and the legacy `expver` dimension. New CDS (netCDF-4, `valid_time`,
/// float32 with NaN fill) and legacy (netCDF-3, `time` in hours since 1900, int16 packed,
/// `level`, `expver` dimension) files read to the same values.
public final class ERA5File: Sendable {
    /// A data variable of the file.
    public struct Variable: Hashable, Sendable {
        /// The short name (`t2m`, `z`, …).
        public let name: String
        /// Pressure levels in hPa in file order, or nil for single-level variables.
        public let levels: [Double]?
        /// `units` attribute.
        public let units: String?
        /// `long_name` attribute.
        public let longName: String?
        let nc: NetCDFVariable
        let timeAxis: Int
        let levelAxis: Int?
        let expverAxis: Int?
        let latitudeAxis: Int
        let longitudeAxis: Int
        let scale: Float
        let offset: Float
        let missing: [Float]
        /// Time slices per storage chunk (1 for one field per chunk, contiguous data and
        /// netCDF-3): reading in blocks of this many slices inflates each chunk once.
        package let timeSlicesPerChunk: Int
    }

    /// The file path.
    public let path: String
    /// The decoded time of every slice, in file order.
    public let times: [UTCDateTime]
    /// Latitudes as stored.
    public let latitudes: [Double]
    /// Longitudes as stored.
    public let longitudes: [Double]
    /// The usable data variables.
    public let variables: [Variable]
    /// Variables that cannot be used, with the reason (reported by callers).
    package let unusable: [(name: String, reason: String)]
    /// Chunked variables read through libnetcdf (under its process-wide lock, so on one core)
    /// instead of as raw chunks decoded in parallel, with the reason (reported by callers).
    package let slowPath: [(name: String, reason: String)]
    private let file: NetCDFFile
    /// Direct chunk access for netCDF-4 files (decompression outside the library lock).
    private let chunks: HDF5ChunkReader?
    /// Value offsets for netCDF-3 files (fields read with `pread` outside the library lock).
    private let records: NetCDF3Layout?
    private let mappings = Locked<[Grid: GridMapping]>([:])

    static let latitudeNames = ["latitude", "lat"]
    static let longitudeNames = ["longitude", "lon"]
    static let timeNames = ["valid_time", "time"]
    static let levelNames = ["pressure_level", "level", "isobaricInhPa", "plev"]

    /// Opens and decodes `path`; throws naming the file when it is not NetCDF, lacks a
    /// coordinate, or has time units that cannot be decoded.
    ///
    /// With `directChunks` (the default), netCDF-4 fields stored one chunk per field are read
    /// as raw chunks and decompressed outside the library lock, so several threads decode
    /// at once; other layouts, and all reads with `directChunks: false`, go through libnetcdf.
    public init(path: String, directChunks: Bool = true) throws {
        self.path = path
        file = try NetCDFFile.open(path: path)
        chunks = directChunks ? file.chunkReader() : nil
        let layout = try NetCDF3Layout.read(path: path)
        if let layout, let size = FileIO.attributes(path)?.size, size < layout.expectedFileSize {
            throw BioCubeError(
                .corruptData,
                "\(path): truncated: the netCDF-3 header describes \(layout.expectedFileSize) bytes but the file has \(size)"
            )
        }
        records = directChunks ? layout : nil
        let all = try file.variables()
        func coordinate(_ names: [String], _ what: String) throws -> NetCDFVariable {
            guard let v = all.first(where: { names.contains($0.name) && $0.shape.count == 1 }) else {
                throw BioCubeError(
                    .invalidMetadata,
                    "\(path): no \(what) coordinate (looked for \(names.joined(separator: ", ")))"
                )
            }
            return v
        }
        let lat = try coordinate(ERA5File.latitudeNames, "latitude")
        let lon = try coordinate(ERA5File.longitudeNames, "longitude")
        let time = try coordinate(ERA5File.timeNames, "time")
        latitudes = try file.readDoubles(lat)
        longitudes = try file.readDoubles(lon)
        let timeAttrs = try file.attributes(of: time)
        guard let units = timeAttrs["units"]?.text else {
            throw BioCubeError(.invalidMetadata, "\(path): time variable '\(time.name)' has no units")
        }
        let cf = try CFTimeUnits(
            units: units,
            calendar: timeAttrs["calendar"]?.text,
            context: "\(path): variable '\(time.name)'"
        )
        let decoded: [UTCDateTime?] =
            time.type.isInteger ? try file.readInt64s(time).map(cf.date) : try file.readDoubles(time).map(cf.date)
        if let bad = decoded.firstIndex(where: { $0 == nil }) {
            throw BioCubeError(
                .corruptData,
                "\(path): time value #\(bad) of '\(time.name)' cannot be decoded with '\(units)'"
            )
        }
        times = decoded.map { $0! }

        var levelValues: [Double]? = nil
        let levelVar = all.first { ERA5File.levelNames.contains($0.name) && $0.shape.count == 1 }
        if let lv = levelVar {
            var values = try file.readDoubles(lv)
            let u = try file.attributes(of: lv)["units"]?.text?.lowercased()
            if u == "pa" || (lv.name == "plev" && u == nil && (values.max() ?? 0) > 2000) {
                values = values.map { $0 / 100 }
            }
            levelValues = values
        }
        let coordNames = Set(
            [lat.name, lon.name, time.name, levelVar?.name].compactMap { $0 } + [
                "expver", "number", "time_bnds", "valid_time_bnds",
            ]
        )
        var usable: [Variable] = []
        var rejected: [(String, String)] = []
        for v in all where !coordNames.contains(v.name) && !v.dimensions.isEmpty {
            guard v.type.isNumeric else {
                rejected.append((v.name, "type \(v.type) is not numeric"))
                continue
            }
            guard let la = v.dimensions.firstIndex(of: lat.name), let lo = v.dimensions.firstIndex(of: lon.name) else {
                rejected.append(
                    (
                        v.name,
                        "has no latitude/longitude dimensions (dimensions: \(v.dimensions.joined(separator: ", ")))"
                    )
                )
                continue
            }
            guard la == v.dimensions.count - 2, lo == v.dimensions.count - 1 else {
                rejected.append((v.name, "dimensions \(v.dimensions) do not end with (\(lat.name), \(lon.name))"))
                continue
            }
            guard let ta = v.dimensions.firstIndex(of: time.name) else {
                rejected.append((v.name, "has no time dimension '\(time.name)'"))
                continue
            }
            let levelAxis = levelVar.flatMap { v.dimensions.firstIndex(of: $0.name) }
            let expverAxis = v.dimensions.firstIndex(of: "expver")
            let known = Set([ta, la, lo, levelAxis, expverAxis].compactMap { $0 })
            guard known.count == v.dimensions.count else {
                let extra = v.dimensions.enumerated().filter { !known.contains($0.offset) }.map(\.element)
                rejected.append((v.name, "has unexpected dimensions \(extra)"))
                continue
            }
            let attrs = try file.attributes(of: v)
            let packed = v.type.isInteger
            let missing = ["_FillValue", "missing_value"].flatMap { attrs[$0]?.numbers ?? [] }.map { Float($0) }
            usable.append(
                Variable(
                    name: v.name,
                    levels: levelAxis == nil ? nil : levelValues,
                    units: attrs["units"]?.text,
                    longName: attrs["long_name"]?.text,
                    nc: v,
                    timeAxis: ta,
                    levelAxis: levelAxis,
                    expverAxis: expverAxis,
                    latitudeAxis: la,
                    longitudeAxis: lo,
                    scale: Float(attrs["scale_factor"]?.number ?? 1),
                    offset: Float(attrs["add_offset"]?.number ?? 0),
                    missing: packed || !missing.isEmpty ? missing : [],
                    timeSlicesPerChunk: max(1, try file.chunkShape(of: v)?[ta] ?? 1)
                )
            )
        }
        variables = usable
        unusable = rejected
        slowPath =
            chunks.map { reader in
                usable.compactMap { v in
                    reader.fallbackReason(v.name, latitudeAxis: v.latitudeAxis, longitudeAxis: v.longitudeAxis).map {
                        (v.name, $0)
                    }
                }
            } ?? []
    }

    /// The variable called `name`; throws naming the file (and the reason when it exists but is unusable).
    public func variable(named name: String) throws -> Variable {
        if let v = variables.first(where: { $0.name == name }) { return v }
        if let u = unusable.first(where: { $0.name == name }) {
            throw BioCubeError(.invalidMetadata, "\(path): variable '\(name)' cannot be read: \(u.reason)")
        }
        throw BioCubeError(
            .notFound,
            "\(path): no variable '\(name)' (variables: \(variables.map(\.name).joined(separator: ", ")))"
        )
    }

    /// Indices of the slices whose time falls in `step`, in file order: every slice of the
    /// calendar month for a monthly cadence, the slice at the exact instant otherwise. This
    /// is the rule the modality reads by (`Cadence.step(containing:)`), for callers of
    /// ``read(_:slice:onto:levelOrder:)``.
    public func slices(at step: UTCDateTime, cadence: Cadence) -> [Int] {
        times.indices.filter { cadence.step(containing: times[$0]) == step }
    }

    /// The index of the slice stored at exactly `instant`, or nil when the file has none.
    public func slice(at instant: UTCDateTime) -> Int? {
        times.firstIndex(of: instant)
    }

    /// The mapping of this file's lattice onto `grid` (computed once per grid).
    public func mapping(onto grid: Grid) throws -> GridMapping {
        if let m = mappings.withLock({ $0[grid] }) { return m }
        let m = try GridMapping(latitudes: latitudes, longitudes: longitudes, grid: grid, path: path)
        mappings.withLock { $0[grid] = m }
        return m
    }

    /// Asks the kernel to start reading, in the background, the bytes that time slices
    /// `slices` of `variable` are stored in (their HDF5 chunks; for netCDF-3 files, the
    /// records' share of the file), so a build reading cold files keeps both cores busy
    /// instead of waiting for the disk under the library lock. Best effort: never fails.
    package func prefetch(_ variable: Variable, slices: Range<Int>) {
        guard !slices.isEmpty, !times.isEmpty else { return }
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { return }
        defer { close(fd) }
        if let chunks {
            let ranges = chunks.chunkRanges(
                variable: variable.name,
                timeAxis: variable.timeAxis,
                slices: slices,
                latitudeAxis: variable.latitudeAxis,
                longitudeAxis: variable.longitudeAxis
            )
            if !ranges.isEmpty {
                for r in ranges { _ = posix_fadvise(fd, off_t(r.offset), off_t(r.length), POSIX_FADV_WILLNEED) }
                return
            }
        }
        // netCDF-3 with time first: each slice's bytes exactly (adjacent ones merged).
        if let records, variable.timeAxis == 0, let stored = records.variables[variable.name] {
            let ranges = records.byteRanges(of: stored, slices: slices)
            for r in ranges { _ = posix_fadvise(fd, off_t(r.lowerBound), off_t(r.count), POSIX_FADV_WILLNEED) }
            if !ranges.isEmpty { return }
        }
        // Other contiguous data: the slices' proportional share of the file.
        var info = stat()
        guard fstat(fd, &info) == 0 else { return }
        let size = Int(info.st_size)
        let count = times.count
        let from = size * slices.lowerBound / count
        let to = min(size, size * slices.upperBound / count + size / count)
        _ = posix_fadvise(fd, off_t(from), off_t(to - from), POSIX_FADV_WILLNEED)
    }

    /// Reads one time slice of `variable` onto `grid`: `(H, W)` or `(L, H, W)` with levels
    /// in `levelOrder` (default: the file's order). Cells the file does not cover are NaN.
    /// Packed integers are unpacked; `_FillValue`/`missing_value` become NaN; a legacy
    /// `expver` dimension is merged, taking for each cell the first non-missing value.
    public func read(_ variable: Variable, slice: Int, onto grid: Grid, levelOrder: [Int]? = nil) throws -> Tensor {
        let m = try mapping(onto: grid)
        let levelIndices = levelOrder ?? variable.levels.map { Array($0.indices) } ?? [0]
        let planes = variable.levelAxis == nil ? 1 : levelIndices.count
        let expvers = variable.expverAxis.map { variable.nc.shape[$0] } ?? 1
        var out = [Float](repeating: .nan, count: planes * grid.cellCount)
        var scratch = [Float](repeating: 0, count: m.sourceRows.count * m.sourceColumns.count)
        var field: [Float] = []
        var raw: [UInt8] = []
        for (p, level) in levelIndices.prefix(planes).enumerated() {
            for e in 0..<expvers {
                var start = [Int](repeating: 0, count: variable.nc.shape.count)
                var count = [Int](repeating: 1, count: variable.nc.shape.count)
                start[variable.timeAxis] = slice
                if let la = variable.levelAxis { start[la] = level }
                if let ea = variable.expverAxis { start[ea] = e }
                // Fast path: the whole field's chunk, decompressed outside the library lock.
                if let chunks {
                    if field.isEmpty { field = [Float](repeating: 0, count: latitudes.count * longitudes.count) }
                    let done = try field.withUnsafeMutableBufferPointer {
                        try chunks.readField(
                            variable: variable.name,
                            offset: start,
                            latitudeAxis: variable.latitudeAxis,
                            longitudeAxis: variable.longitudeAxis,
                            into: $0
                        )
                    }
                    if done {
                        unpack(&field, variable)
                        out.withUnsafeMutableBufferPointer { dst in
                            m.scatter(
                                field,
                                into: UnsafeMutableBufferPointer(
                                    rebasing: dst[(p * grid.cellCount)..<((p + 1) * grid.cellCount)]
                                ),
                                onlyMissing: e > 0,
                                fullWidth: longitudes.count
                            )
                        }
                        continue
                    }
                }
                // netCDF-3: the band of rows the grid needs, read and converted outside the lock.
                if let records, let stored = records.variables[variable.name] {
                    start[variable.latitudeAxis] = m.sourceRows.lowerBound
                    let values = m.sourceRows.count * longitudes.count
                    if field.count < values { field = [Float](repeating: 0, count: values) }
                    try field.withUnsafeMutableBufferPointer {
                        try records.readFloats(
                            variable.name,
                            stored,
                            index: start,
                            count: values,
                            into: $0,
                            scratch: &raw
                        )
                    }
                    unpack(&field, variable, count: values)
                    out.withUnsafeMutableBufferPointer { dst in
                        m.scatter(
                            field,
                            into: UnsafeMutableBufferPointer(
                                rebasing: dst[(p * grid.cellCount)..<((p + 1) * grid.cellCount)]
                            ),
                            onlyMissing: e > 0,
                            fullWidth: longitudes.count,
                            firstSourceRow: m.sourceRows.lowerBound
                        )
                    }
                    continue
                }
                start[variable.latitudeAxis] = m.sourceRows.lowerBound
                count[variable.latitudeAxis] = m.sourceRows.count
                start[variable.longitudeAxis] = m.sourceColumns.lowerBound
                count[variable.longitudeAxis] = m.sourceColumns.count
                try scratch.withUnsafeMutableBufferPointer {
                    try file.readFloats(variable.nc, start: start, count: count, into: $0)
                }
                unpack(&scratch, variable)
                out.withUnsafeMutableBufferPointer { dst in
                    m.scatter(
                        scratch,
                        into: UnsafeMutableBufferPointer(
                            rebasing: dst[(p * grid.cellCount)..<((p + 1) * grid.cellCount)]
                        ),
                        onlyMissing: e > 0
                    )
                }
            }
        }
        let shape = variable.levelAxis == nil ? [grid.height, grid.width] : [planes, grid.height, grid.width]
        return try Tensor(shape: shape, storage: out)
    }

    /// Unpacks the first `count` values (all by default) in place.
    private func unpack(_ values: inout [Float], _ v: Variable, count: Int? = nil) {
        let scale = v.scale
        let offset = v.offset
        // NaN fill values need no work: NaN stays NaN.
        let missing = v.missing.filter { !$0.isNaN }
        let identity = scale == 1 && offset == 0
        if identity && missing.isEmpty { return }
        let m0 = missing.first ?? .nan
        let m1 = missing.count > 1 ? missing[1] : m0
        let rest = Array(missing.dropFirst(2))
        values.withUnsafeMutableBufferPointer { buf in
            for i in 0..<min(buf.count, count ?? buf.count) {
                let raw = buf[i]
                if raw == m0 || raw == m1 || (!rest.isEmpty && rest.contains(raw)) {
                    buf[i] = .nan
                } else if !identity {
                    buf[i] = raw * scale + offset
                }
            }
        }
    }
}
