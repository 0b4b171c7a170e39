/// BioCube's conventions on top of the Zarr hierarchy: the coordinate arrays and the
/// root attributes that describe the grid and the time axis.
extension CubeStore {
    /// The store format version written to the root attributes (`biocube_format`).
    public static let formatVersion: Int64 = 1

    /// The dimension names of a variable array with (`levels: true`) or without pressure levels.
    public static func dimensionNames(levels: Bool) -> [String] {
        levels ? ["time", "pressure_level", "latitude", "longitude"] : ["time", "latitude", "longitude"]
    }

    /// Writes the coordinate arrays `latitude`, `longitude`, `time` (int64 seconds since
    /// 1970 with CF `units` and `calendar`) and, when given, `pressure_level` (hPa), and
    /// records the grid and time axis in the root attributes.
    ///
    /// Safe to call from several processes at once: an existing coordinate array with the
    /// same metadata is reused (and rewritten with the same values); one with different
    /// metadata is replaced.
    public func writeCoordinates(grid: Grid, time: TimeAxis, pressureLevels: [Double]? = nil) throws {
        var store = self
        store.autoConsolidate = false
        func createArray(_ path: String, metadata: ArrayMetadata, overwrite: Bool) throws -> ZarrArray {
            do { return try store.createArray(path, metadata: metadata) } catch let e as BioCubeError
                where e.code == .alreadyExists
            { return try store.createArray(path, metadata: metadata, overwrite: true) }
        }
        let lat = try createArray(
            "latitude",
            metadata: ArrayMetadata(
                shape: [grid.height],
                dataType: .float64,
                chunkShape: [grid.height],
                dimensionNames: ["latitude"],
                attributes: [
                    "units": "degrees_north", "standard_name": "latitude", "long_name": "latitude",
                    "stored_direction": grid.latitude.isAscending ? "increasing" : "decreasing",
                ]
            ),
            overwrite: true
        )
        try lat.write(grid.latitude.values, to: [.all])
        let lon = try createArray(
            "longitude",
            metadata: ArrayMetadata(
                shape: [grid.width],
                dataType: .float64,
                chunkShape: [grid.width],
                dimensionNames: ["longitude"],
                attributes: ["units": "degrees_east", "standard_name": "longitude", "long_name": "longitude"]
            ),
            overwrite: true
        )
        try lon.write(grid.longitude.values, to: [.all])
        let t = try createArray(
            "time",
            metadata: ArrayMetadata(
                shape: [time.count],
                dataType: .int64,
                chunkShape: [time.count],
                dimensionNames: ["time"],
                attributes: [
                    "units": "seconds since 1970-01-01 00:00:00", "calendar": "proleptic_gregorian",
                    "standard_name": "time", "long_name": "time",
                ]
            ),
            overwrite: true
        )
        try t.write(time.secondsSince1970, to: [.all])
        if let levels = pressureLevels {
            let p = try createArray(
                "pressure_level",
                metadata: ArrayMetadata(
                    shape: [levels.count],
                    dataType: .float64,
                    chunkShape: [max(1, levels.count)],
                    dimensionNames: ["pressure_level"],
                    attributes: [
                        "units": "hPa", "standard_name": "air_pressure", "long_name": "pressure level",
                        "positive": "down",
                    ]
                ),
                overwrite: true
            )
            try p.write(levels, to: [.all])
        }
        var attrs = try attributes(of: "")
        attrs["biocube_format"] = .int(CubeStore.formatVersion)
        attrs["grid"] = [
            "latitude": [
                "first": .double(grid.latitude.first), "step": .double(grid.latitude.step),
                "count": .int(Int64(grid.latitude.count)),
            ],
            "longitude": [
                "first": .double(grid.longitude.first), "step": .double(grid.longitude.step),
                "count": .int(Int64(grid.longitude.count)),
            ],
        ]
        attrs["time_axis"] = [
            "cadence": .string(time.cadence.description), "start": .string(time.start.description),
            "count": .int(Int64(time.count)),
        ]
        try store.setAttributes(attrs, of: "")
        try consolidateMetadata()
    }

    /// The grid recorded by ``writeCoordinates(grid:time:pressureLevels:)``.
    public func grid() throws -> Grid {
        let g = try attributes(of: "")["grid"]
        func axis(_ name: String) throws -> GridAxis {
            guard let a = g?[name], let first = a["first"]?.doubleValue, let step = a["step"]?.doubleValue,
                let count = a["count"]?.intValue
            else {
                throw BioCubeError(
                    .invalidMetadata,
                    "\(metadataFile("")): root attribute grid.\(name) is missing or malformed"
                )
            }
            let axis: GridAxis
            do { axis = try GridAxis(first: first, step: step, count: Int(count)) } catch let e as BioCubeError {
                throw e.adding(file: metadataFile(""), variable: "grid.\(name)")
            }
            try checkCoordinateLength(name, axis.count, "grid.\(name).count")
            return axis
        }
        return Grid(latitude: try axis("latitude"), longitude: try axis("longitude"))
    }

    /// When the coordinate array `name` exists, its length must be what the root says:
    /// a damaged or hostile attribute is caught before anything is sized from it.
    private func checkCoordinateLength(_ name: String, _ count: Int, _ attribute: String) throws {
        guard case .array(let meta)? = try? node(at: name) else { return }
        guard meta.shape == [count] else {
            throw BioCubeError(
                .invalidMetadata,
                "root attribute \(attribute) says \(count), the \(name) array has shape \(meta.shape)",
                file: metadataFile("")
            )
        }
    }

    /// The time axis recorded by ``writeCoordinates(grid:time:pressureLevels:)``.
    public func timeAxis() throws -> TimeAxis {
        let t = try attributes(of: "")["time_axis"]
        guard let c = t?["cadence"]?.stringValue, let s = t?["start"]?.stringValue, let n = t?["count"]?.intValue else {
            throw BioCubeError(
                .invalidMetadata,
                "\(metadataFile("")): root attribute time_axis is missing or malformed"
            )
        }
        let axis: TimeAxis
        do {
            axis = try TimeAxis(cadence: Cadence(parsing: c), start: UTCDateTime(parsing: s), count: Int(n))
        } catch let e as BioCubeError { throw e.adding(file: metadataFile(""), variable: "time_axis") }
        try checkCoordinateLength("time", axis.count, "time_axis.count")
        return axis
    }
}
