public import BioCubeCore

/// ERA5 NetCDF files (or CDS zip downloads) as a `ModalitySource`: claims `*.nc` and
/// `*.zip` files anywhere under a `Copernicus` folder, and sets a build's default time
/// axis (the published batches follow the climate span).
public struct ERA5Source: ModalitySource {
    /// A source of kind `era5`.
    public init() {}

    public var kind: SourceKind { .era5 }
    public var definesTimeAxis: Bool { true }
    public var patterns: [String] { ["Copernicus/**/*.nc", "Copernicus/**/*.zip"] }

    public func claims(relativePath path: String) -> Bool {
        let parts = path.lowercased().split(separator: "/")
        guard let name = parts.last else { return false }
        return parts.dropLast().contains("copernicus") && (name.hasSuffix(".nc") || name.hasSuffix(".zip"))
    }

    /// Opens the file, decodes its coordinates and time axis, and reports a partial
    /// coverage of the grid, an off-lattice grid, and months missing inside its span.
    public func open(_ file: SourceFile, context: SourceContext) async throws -> OpenedSource {
        let modality = try ERA5Modality(
            paths: [file.path],
            cadence: context.cadence,
            groupTable: context.groupTable,
            problems: context.problems
        )
        let cadence = context.cadence
        let grid = context.grid
        var problems: [Problem] = []
        let times = modality.files.flatMap(\.times).sorted()
        let steps = times.map { cadence.step(containing: $0) }
        var description = try context.describe(
            file,
            kind: kind,
            modality,
            first: steps.first,
            last: steps.last,
            stepCount: Set(steps).count
        )
        if let f = modality.files.first {
            description.latitudeRange = [f.latitudes.min() ?? .nan, f.latitudes.max() ?? .nan]
            description.longitudeRange = [f.longitudes.min() ?? .nan, f.longitudes.max() ?? .nan]
            if f.longitudes.count > 1 { description.spacing = abs(f.longitudes[1] - f.longitudes[0]) }
            do {
                let m = try f.mapping(onto: grid)
                description.onTargetLattice = true
                if m.uncoveredCells > 0 {
                    problems.append(
                        Problem(
                            .warning,
                            .partialCoverage,
                            file: file.relativePath,
                            message:
                                "covers only part of the grid: \(m.uncoveredCells) of \(grid.cellCount) cells will be NaN"
                        )
                    )
                }
            } catch let e as BioCubeError {
                description.onTargetLattice = false
                problems.append(
                    Problem(
                        .error,
                        .offGrid,
                        file: file.relativePath,
                        message: "not on the target grid's lattice: \(e.message)"
                    )
                )
            }
        }
        if case .monthly = cadence, let first = steps.first, let last = steps.last {
            let have = Set(steps)
            var missing: [String] = []
            var t = first
            while t <= last {
                if !have.contains(t) { missing.append(String(t.dateString.prefix(7))) }
                t = t.addingMonths(1)
            }
            if !missing.isEmpty {
                problems.append(
                    Problem(
                        .warning,
                        .missingSteps,
                        file: file.relativePath,
                        message:
                            "months missing inside its span (they will be NaN): \(missing.prefix(12).joined(separator: ", "))\(missing.count > 12 ? " …" : "")"
                    )
                )
            }
        }
        return OpenedSource(modality: modality, description: description, problems: problems)
    }
}
