package import BioCubeCore
import BioCubeERA5
import BioCubeNetCDF
import BioCubeParquet
import BioCubeSpecies
import Foundation

/// Writes a deterministic miniature BioCube source tree in the published layout and formats
/// (Documentation/Reference.md §1): ERA5 NetCDF in the new-CDS layout (netCDF-4, descending latitudes,
/// `valid_time`, a 13-level pressure file) and the legacy layout (netCDF-3, int16 packing,
/// `time` in hours since 1900, a wider grid), every indicator CSV layout, and the species
/// Parquet table, all on the real `.europe025` grid with the values of ``SampleField``.
///
/// Deliberate imperfections, as in real downloads, so the pipeline's reports have
/// something to say: one misc ERA5 month is missing, the forest table ends a year early,
/// a few forest cells are empty, border cells are listed by two countries (with a decoy
/// value in the row that must lose), the combined land table carries decoy NDVI columns
/// that the NDVI table overrides, and some species rows lie off the grid.
package struct SampleTree: Sendable {
    /// First and last month written.
    package let start: UTCDateTime, end: UTCDateTime
    /// The grid the sources cover (the published 0.25° Europe grid).
    package let grid: Grid = .europe025
    /// The species keys in the species table.
    package let species: [String]
    /// How the new-CDS ERA5 files are laid out on disk (the values are the same in every
    /// layout). The legacy edaphic file is always netCDF-3 64-bit offset, int16-packed.
    package var era5Layout: ERA5Layout = .perField
    /// Added to `t2m` in the second climate file (0: the same field as the single-level
    /// file's, as in ERA5). A non-zero offset makes the two providers of `t2m` disagree.
    package var climateT2mOffset: Float = 0

    /// On-disk layouts of the sample's ERA5 files, as people have them.
    package enum ERA5Layout: String, Sendable, CaseIterable {
        /// netCDF-4, one chunk per field `(1, (1), H, W)`, zlib + shuffle: as the new CDS delivers.
        case perField = "per-field"
        /// netCDF-4 with chunks spanning 9 steps × 2 levels × 21 × 71 cells (partial tiles at
        /// the edges), like netCDF4-python/h5py default chunking of a growing file.
        case timeChunked = "time-chunked"
        /// netCDF-4 with netCDF-C's own default chunking (no chunk sizes given).
        case libraryDefault = "library-default"
        /// netCDF-3 classic: float32, `time` in hours since 1900, pressure as `level`
        /// (int, ascending), contiguous.
        case classic
    }

    /// A sample spanning `start…end` (months; day 1) with `speciesCount` species (the
    /// published BioCube has 28; the first eight keys are real GBIF keys, the rest made up).
    package init(start: UTCDateTime, end: UTCDateTime, speciesCount: Int = SampleField.species.count) throws {
        guard start <= end else {
            throw BioCubeError(.invalidArgument, "sample span \(start.dateString)…\(end.dateString) is empty")
        }
        guard (1...1000).contains(speciesCount) else {
            throw BioCubeError(.invalidArgument, "species count \(speciesCount) must be 1…1000")
        }
        self.init(checked: start, end, speciesCount)
    }

    private init(checked start: UTCDateTime, _ end: UTCDateTime, _ speciesCount: Int) {
        self.start = start.startOfMonth
        self.end = end.startOfMonth
        species = (0..<speciesCount).map {
            $0 < SampleField.species.count ? SampleField.species[$0] : String(9_000_000 + $0)
        }
    }

    /// The default sample: 2000-01 … 2001-12.
    package static func standard() -> SampleTree {
        SampleTree(
            checked: .firstOfMonth(year: 2000, month: 1),
            .firstOfMonth(year: 2001, month: 12),
            SampleField.species.count
        )
    }

    /// The months of the sample.
    package var months: [UTCDateTime] {
        var out: [UTCDateTime] = []
        var t = start
        while t <= end {
            out.append(t)
            t = t.addingMonths(1)
        }
        return out
    }

    /// The ERA5 files, relative to the root, with the variables each holds (Documentation/Reference.md §1:
    /// `t2m` is in the single-level file and, again, in the second climate file, as in the
    /// published BioCube; the misc variables have a folder of their own).
    package static let era5Files: [(path: String, variables: [String], pressure: Bool, legacy: Bool)] = [
        (
            "Copernicus/ERA5-monthly/era5-single/era5_single.nc", ["t2m", "msl", "slt", "z", "u10", "v10", "lsm"],
            false, false
        ),
        ("Copernicus/ERA5-monthly/era5-pressure/era5_pressure.nc", ["z", "t", "u", "v", "q"], true, false),
        ("Copernicus/ERA5-monthly/era5-edaphic/era5-edaphic-0.nc", ["swvl1", "swvl2", "stl1", "stl2"], false, true),
        (
            "Copernicus/ERA5-monthly/era5-climate-energy-moisture/era5-climate-energy-moisture-0.nc",
            ["smlt", "tp", "csfr", "avg_sdswrf", "avg_snswrf", "avg_snlwrf", "avg_tprate", "avg_sdswrfcs"], false, false
        ),
        (
            "Copernicus/ERA5-monthly/era5-climate-energy-moisture/era5-climate-energy-moisture-1.nc",
            ["sd", "t2m", "d2m"], false, false
        ),
        (miscFile, ["avg_slhtf", "avg_pevr"], false, false),
    ]

    /// The file holding the misc variables (one of its months is missing).
    package static let miscFile = "Copernicus/ERA5-monthly/era5-evaporation-heat/era5-evaporation-heat-0.nc"

    /// The pressure levels of the pressure file, as the new CDS stores them (1000 first).
    package static let pressureLevels: [Double] = [1000, 925, 850, 700, 600, 500, 400, 300, 250, 200, 150, 100, 50]

    /// The month missing from the misc ERA5 file (the second-to-last month of the span,
    /// when the span has at least three months).
    package var missingMiscMonth: UTCDateTime? { months.count >= 3 ? months[months.count - 2] : nil }

    /// The last year the forest table has a column for (a year before the span ends).
    package var lastForestYear: Int { end.year - 1 }

    /// What was written.
    package struct Summary: Sendable {
        /// Files written (relative paths) and their sizes in bytes.
        package var files: [(path: String, bytes: Int)] = []
        /// Species table rows.
        package var speciesRows = 0
    }

    /// The file that marks a folder as a sample tree (written first).
    package static let markerName = ".biocube-sample"

    /// Writes the tree under `root` (created if needed): a new or empty folder, or an earlier
    /// sample, whose files are replaced atomically; any other folder only with `force`.
    /// `progress` receives each file as it is finished.
    @discardableResult
    package func write(to root: String, force: Bool = false, progress: (String) -> Void = { _ in }) throws -> Summary {
        // Only an empty folder or an earlier sample (its marker) is written into: a sample
        // must never overwrite the user's own files of the same names.
        let marker = root + "/" + Self.markerName
        let contents = FileIO.contents(ofDirectory: root)
        if !contents.isEmpty && !FileIO.exists(marker) && !force {
            throw BioCubeError(
                .alreadyExists,
                "the folder holds \(contents.count) entries and is not a BioCube sample: choose an empty or new folder (or --force to write into it)",
                file: root
            )
        }
        try FileIO.createDirectories(root)
        try FileIO.writeAtomically(marker, Array("a BioCube sample tree (biocube sample)\n".utf8))
        var summary = Summary()
        func done(_ relative: String) {
            let size = FileIO.attributes(root + "/" + relative).map { Int($0.size) } ?? 0
            summary.files.append((relative, size))
            progress(relative)
        }
        for f in Self.era5Files {
            if f.legacy {
                try writeLegacyERA5(root + "/" + f.path, variables: f.variables)
            } else if era5Layout == .classic {
                try writeClassic(root + "/" + f.path, variables: f.variables, pressure: f.pressure)
            } else {
                try writeNewCDS(root + "/" + f.path, variables: f.variables, pressure: f.pressure)
            }
            done(f.path)
        }
        for (relative, body) in indicatorFiles() {
            try FileIO.writeAtomically(root + "/" + relative, Array(body.utf8))
            done(relative)
        }
        summary.speciesRows = try writeSpecies(root + "/Species/europe_species.parquet")
        done("Species/europe_species.parquet")
        return summary
    }

    // MARK: - ERA5

    /// Latitudes of the grid, north first (the CDS order).
    private var descendingLatitudes: [Double] { (0..<grid.height).map { grid.latitude[grid.height - 1 - $0] } }
    private var longitudes: [Double] { (0..<grid.width).map { grid.longitude[$0] } }

    static let units: [String: String] = [
        "t2m": "K", "d2m": "K", "msl": "Pa", "u10": "m s**-1", "v10": "m s**-1", "lsm": "(0 - 1)", "slt": "~",
        "z": "m**2 s**-2",
        "t": "K", "u": "m s**-1", "v": "m s**-1", "q": "kg kg**-1", "swvl1": "m**3 m**-3", "swvl2": "m**3 m**-3",
        "stl1": "K", "stl2": "K", "smlt": "m of water equivalent", "tp": "m", "csfr": "m of water equivalent",
        "avg_sdswrf": "W m**-2", "avg_snswrf": "W m**-2", "avg_snlwrf": "W m**-2", "avg_tprate": "kg m**-2 s**-1",
        "avg_sdswrfcs": "W m**-2", "sd": "m of water equivalent", "avg_slhtf": "W m**-2", "avg_pevr": "kg m**-2 s**-1",
    ]

    /// Cells of a lattice, row-major, with their per-cell constants.
    private func cells(latitudes: [Double], longitudes: [Double]) -> [SampleField.Cell] {
        latitudes.flatMap { lat in longitudes.map { SampleField.Cell(latitude: lat, longitude: $0) } }
    }

    private func plane(
        _ name: String,
        level: Double?,
        step: UTCDateTime,
        cells: [SampleField.Cell],
        offset: Float = 0
    ) -> [Float] {
        let context = SampleField.PlaneContext(name, level: level, step: step)
        return [Float](unsafeUninitializedCapacity: cells.count) { p, n in
            cells.withUnsafeBufferPointer { c in
                for i in c.indices { p[i] = SampleField.era5(context, c[i]) + offset }
            }
            n = cells.count
        }
    }

    /// The steps a new-CDS file holds (the misc file lacks one month).
    private func steps(of path: String) -> [UTCDateTime] {
        path.hasSuffix(Self.miscFile) ? months.filter { $0 != missingMiscMonth } : months
    }

    /// The offset added to a variable of a file (only the second climate file's `t2m`).
    private func offset(_ name: String, in path: String) -> Float {
        name == "t2m" && path.hasSuffix("era5-climate-energy-moisture-1.nc") ? climateT2mOffset : 0
    }

    /// Steps `steps[range]` of one variable, every level (in `levels` order), as one block
    /// `(k, (L), H, W)`.
    private func block(
        _ name: String,
        path: String,
        steps: ArraySlice<UTCDateTime>,
        levels: [Double]?,
        cells: [SampleField.Cell]
    ) -> [Float] {
        var out = [Float]()
        out.reserveCapacity(steps.count * (levels?.count ?? 1) * cells.count)
        for step in steps {
            for level in levels.map({ $0.map(Optional.some) }) ?? [nil] {
                out += plane(name, level: level, step: step, cells: cells, offset: offset(name, in: path))
            }
        }
        return out
    }

    private func writeNewCDS(_ path: String, variables: [String], pressure: Bool) throws {
        let steps = steps(of: path)
        let w = try NetCDFWriter(path: path, format: .netCDF4)
        let lats = descendingLatitudes
        let lons = longitudes
        let cellTable = cells(latitudes: lats, longitudes: lons)
        let dt = try w.dimension("valid_time", length: steps.count)
        let dp = pressure ? try w.dimension("pressure_level", length: Self.pressureLevels.count) : nil
        let dlat = try w.dimension("latitude", length: lats.count)
        let dlon = try w.dimension("longitude", length: lons.count)
        let number = try w.variable("number", .int64, dimensions: [])
        try w.attribute("long_name", .text("ensemble member numerical id"), on: number)
        let time = try w.variable("valid_time", .int64, dimensions: [dt])
        try w.attribute("long_name", .text("time"), on: time)
        try w.attribute("standard_name", .text("time"), on: time)
        try w.attribute("units", .text("seconds since 1970-01-01"), on: time)
        try w.attribute("calendar", .text("proleptic_gregorian"), on: time)
        let pv = try dp.map { d -> Int32 in
            let v = try w.variable("pressure_level", .double, dimensions: [d])
            try w.attribute("units", .text("hPa"), on: v)
            try w.attribute("stored_direction", .text("decreasing"), on: v)
            return v
        }
        let lat = try w.variable("latitude", .double, dimensions: [dlat])
        try w.attribute("units", .text("degrees_north"), on: lat)
        try w.attribute("stored_direction", .text("decreasing"), on: lat)
        let lon = try w.variable("longitude", .double, dimensions: [dlon])
        try w.attribute("units", .text("degrees_east"), on: lon)
        let expver = try w.variable("expver", .string, dimensions: [dt])
        try w.attribute("long_name", .text("model experiment version"), on: expver)
        var ids: [Int32] = []
        for name in variables {
            let dims = [dt] + (dp.map { [$0] } ?? []) + [dlat, dlon]
            let chunk: [Int]?
            switch era5Layout {
            case .perField, .classic: chunk = [1] + (dp != nil ? [1] : []) + [lats.count, lons.count]
            case .timeChunked: chunk = [min(Self.timeChunkSteps, steps.count)] + (dp != nil ? [2] : []) + [21, 71]
            case .libraryDefault: chunk = nil
            }
            let v = try w.variable(name, .float, dimensions: dims, deflate: 1, shuffle: true, chunks: chunk)
            try w.attribute("_FillValue", .float(.nan), on: v)
            try w.attribute("units", .text(Self.units[name] ?? "1"), on: v)
            try w.attribute("long_name", .text("sample \(name)"), on: v)
            try w.attribute("GRIB_shortName", .text(name == "t2m" ? "2t" : name == "d2m" ? "2d" : name), on: v)
            ids.append(v)
        }
        try w.attribute("Conventions", .text("CF-1.7"), on: nil)
        try w.attribute("institution", .text("BioCube sample generator (not ECMWF data)"), on: nil)
        try w.endDefinitions()
        try w.write(number, start: [], count: [], [Int64(0)])
        try w.write(time, start: [0], count: [steps.count], steps.map(\.secondsSince1970))
        if let pv { try w.write(pv, start: [0], count: [Self.pressureLevels.count], Self.pressureLevels) }
        try w.write(lat, start: [0], count: [lats.count], lats)
        try w.write(lon, start: [0], count: [lons.count], lons)
        try w.write(expver, start: [0], count: [steps.count], steps.map { _ in "0001" })
        try writeBlocks(
            w,
            variables: variables,
            ids: ids,
            path: path,
            steps: steps,
            levels: pressure ? Self.pressureLevels : nil,
            cells: cellTable
        )
        try w.close()
    }

    /// Steps per chunk in the `.timeChunked` layout.
    static let timeChunkSteps = 9

    /// Writes every variable in blocks of steps aligned to the time chunks (whole fields
    /// per write), so no chunk is compressed twice.
    private func writeBlocks(
        _ w: NetCDFWriter,
        variables: [String],
        ids: [Int32],
        path: String,
        steps: [UTCDateTime],
        levels: [Double]?,
        cells: [SampleField.Cell]
    ) throws {
        let perBlock = era5Layout == .timeChunked ? Self.timeChunkSteps : 1
        let h = descendingLatitudes.count
        let width = longitudes.count
        for (name, v) in zip(variables, ids) {
            var t = 0
            while t < steps.count {
                let k = min(perBlock, steps.count - t)
                let values = block(name, path: path, steps: steps[t..<(t + k)], levels: levels, cells: cells)
                try w.write(
                    v,
                    start: [t] + (levels != nil ? [0] : []) + [0, 0],
                    count: [k] + (levels.map { [$0.count] } ?? []) + [h, width],
                    values
                )
                t += k
            }
        }
    }

    /// A new-CDS file's contents as netCDF-3 classic: float32 data (NaN fill), `time` as
    /// int32 hours since 1900-01-01, pressure as an ascending int `level`, no `expver`.
    private func writeClassic(_ path: String, variables: [String], pressure: Bool) throws {
        let steps = steps(of: path)
        let w = try NetCDFWriter(path: path, format: .classic)
        let lats = descendingLatitudes
        let lons = longitudes
        let levels = Self.pressureLevels.sorted()
        let dt = try w.dimension("time", length: steps.count)
        let dp = pressure ? try w.dimension("level", length: levels.count) : nil
        let dlat = try w.dimension("latitude", length: lats.count)
        let dlon = try w.dimension("longitude", length: lons.count)
        let lon = try w.variable("longitude", .float, dimensions: [dlon])
        try w.attribute("units", .text("degrees_east"), on: lon)
        let lat = try w.variable("latitude", .float, dimensions: [dlat])
        try w.attribute("units", .text("degrees_north"), on: lat)
        let pv = try dp.map { d -> Int32 in
            let v = try w.variable("level", .int, dimensions: [d])
            try w.attribute("units", .text("millibars"), on: v)
            try w.attribute("long_name", .text("pressure_level"), on: v)
            return v
        }
        let time = try w.variable("time", .int, dimensions: [dt])
        try w.attribute("units", .text("hours since 1900-01-01 00:00:00.0"), on: time)
        try w.attribute("calendar", .text("gregorian"), on: time)
        var ids: [Int32] = []
        for name in variables {
            let v = try w.variable(name, .float, dimensions: [dt] + (dp.map { [$0] } ?? []) + [dlat, dlon])
            try w.attribute("_FillValue", .float(.nan), on: v)
            try w.attribute("units", .text(Self.units[name] ?? "1"), on: v)
            try w.attribute("long_name", .text("sample \(name)"), on: v)
            ids.append(v)
        }
        try w.attribute("Conventions", .text("CF-1.6"), on: nil)
        try w.endDefinitions()
        try w.write(lon, start: [0], count: [lons.count], lons.map { Float($0) })
        try w.write(lat, start: [0], count: [lats.count], lats.map { Float($0) })
        if let pv { try w.write(pv, start: [0], count: [levels.count], levels.map { Int32($0) }) }
        try w.write(
            time,
            start: [0],
            count: [steps.count],
            steps.map { Int32(($0.secondsSince1970 + 2_208_988_800) / 3600) }
        )
        try writeBlocks(
            w,
            variables: variables,
            ids: ids,
            path: path,
            steps: steps,
            levels: pressure ? levels : nil,
            cells: cells(latitudes: lats, longitudes: lons)
        )
        try w.close()
    }

    /// The legacy file covers a wider, float32 grid (73 → 31 N, 26 W → 46 E), so readers
    /// must select the target cells by coordinate value.
    private func writeLegacyERA5(_ path: String, variables: [String]) throws {
        let lats = (0..<169).map { 73.0 - 0.25 * Double($0) }
        let lons = (0..<289).map { -26.0 + 0.25 * Double($0) }
        let w = try NetCDFWriter(path: path, format: .classic64BitOffset)
        let dt = try w.dimension("time", length: months.count)
        let dlat = try w.dimension("latitude", length: lats.count)
        let dlon = try w.dimension("longitude", length: lons.count)
        let lon = try w.variable("longitude", .float, dimensions: [dlon])
        try w.attribute("units", .text("degrees_east"), on: lon)
        try w.attribute("long_name", .text("longitude"), on: lon)
        let lat = try w.variable("latitude", .float, dimensions: [dlat])
        try w.attribute("units", .text("degrees_north"), on: lat)
        try w.attribute("long_name", .text("latitude"), on: lat)
        let time = try w.variable("time", .int, dimensions: [dt])
        try w.attribute("units", .text("hours since 1900-01-01 00:00:00.0"), on: time)
        try w.attribute("long_name", .text("time"), on: time)
        try w.attribute("calendar", .text("gregorian"), on: time)
        // Planes first, to choose each variable's packing from its range.
        let cellTable = cells(latitudes: lats, longitudes: lons)
        var planes: [String: [[Float]]] = [:]
        var ids: [Int32] = []
        var packing: [(scale: Double, offset: Double)] = []
        for name in variables {
            let ps = months.map { plane(name, level: nil, step: $0, cells: cellTable) }
            planes[name] = ps
            var lo = Double.infinity
            var hi = -Double.infinity
            for p in ps {
                for x in p {
                    lo = min(lo, Double(x))
                    hi = max(hi, Double(x))
                }
            }
            let scale = max(hi - lo, 1e-12) / 65_532
            let offset = (hi + lo) / 2
            packing.append((scale, offset))
            let v = try w.variable(name, .short, dimensions: [dt, dlat, dlon])
            try w.attribute("scale_factor", .double(scale), on: v)
            try w.attribute("add_offset", .double(offset), on: v)
            try w.attribute("_FillValue", .short(-32767), on: v)
            try w.attribute("missing_value", .short(-32767), on: v)
            try w.attribute("units", .text(Self.units[name] ?? "1"), on: v)
            try w.attribute("long_name", .text("sample \(name)"), on: v)
            ids.append(v)
        }
        try w.attribute("Conventions", .text("CF-1.6"), on: nil)
        try w.endDefinitions()
        try w.write(lon, start: [0], count: [lons.count], lons.map { Float($0) })
        try w.write(lat, start: [0], count: [lats.count], lats.map { Float($0) })
        let hours = months.map { Int32(($0.secondsSince1970 + 2_208_988_800) / 3600) }
        try w.write(time, start: [0], count: [months.count], hours)
        for (i, name) in variables.enumerated() {
            let (scale, offset) = packing[i]
            for (t, p) in planes[name]!.enumerated() {
                let packed = p.map { Int16(clamping: Int(((Double($0) - offset) / scale).rounded())) }
                try w.write(ids[i], start: [t, 0, 0], count: [1, lats.count, lons.count], packed)
            }
        }
        try w.close()
    }
}
