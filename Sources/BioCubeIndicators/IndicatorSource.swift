public import BioCubeCore

/// Indicator CSVs (World Bank land, forest and agriculture tables, monthly NDVI, the Red
/// List Index) as a `ModalitySource`: claims `*.csv` files directly inside a `Forest`,
/// `Land`, `Agriculture` or `RedList` folder.
public struct IndicatorSource: ModalitySource {
    /// The folders (case-insensitive) whose CSV files are indicator tables.
    public var folders: Set<String>

    /// A source of kind `indicators` claiming CSVs in `folders`.
    public init(folders: Set<String> = ["forest", "land", "agriculture", "redlist"]) {
        self.folders = Set(folders.map { $0.lowercased() })
    }

    public var kind: SourceKind { .indicators }
    public var patterns: [String] { ["Forest|Land|Agriculture|RedList/*.csv"] }

    public func claims(relativePath path: String) -> Bool {
        let parts = path.lowercased().split(separator: "/")
        guard parts.count >= 2, let name = parts.last else { return false }
        return name.hasSuffix(".csv") && folders.contains(String(parts[parts.count - 2]))
    }

    /// Reads the table (in parallel parts), and reports rows off the grid and rows that
    /// repeat a cell.
    public func open(_ file: SourceFile, context: SourceContext) async throws -> OpenedSource {
        let table = try await IndicatorTable.load(path: file.path, maxConcurrency: context.maxConcurrency)
        let modality = IndicatorModality(tables: [table], groupTable: context.groupTable, problems: context.problems)
        let grid = context.grid
        var description = try context.describe(
            file,
            kind: kind,
            modality,
            first: nil,
            last: nil,
            stepCount: Set(table.columns.map { "\($0.year)-\($0.month ?? 0)" }).count
        )
        for i in description.variables.indices {
            guard let v = table.variables.firstIndex(of: description.variables[i].descriptor.name) else { continue }
            let cols = table.columns.filter { $0.variable == v || $0.variable == -1 }
            description.variables[i].first = cols.compactMap { try? UTCDateTime(year: $0.year, month: $0.month ?? 1) }
                .min()
            description.variables[i].last = cols.compactMap { try? UTCDateTime(year: $0.year, month: $0.month ?? 12) }
                .max()
        }
        description.latitudeRange = [table.latitudes.min() ?? .nan, table.latitudes.max() ?? .nan]
        let lons = table.longitudes.map { grid.normalisedLongitude($0) }
        description.longitudeRange = [lons.min() ?? .nan, lons.max() ?? .nan]
        let coverage = table.coverage(on: grid)
        description.onTargetLattice = coverage.offGridRows < table.rowCount
        let problems = table.coverageProblems(
            offGrid: coverage.offGridRows,
            duplicates: coverage.duplicateRows,
            file: file.relativePath
        )
        return OpenedSource(modality: modality, description: description, problems: problems)
    }
}
