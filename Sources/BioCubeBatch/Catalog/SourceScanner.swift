import BioCubeCore
import BioCubeERA5
import BioCubeIndicators
import BioCubeSpecies
import Foundation

/// Discovers BioCube sources under a root folder by pattern (REFERENCE §1), with or
/// without a leading `data/` (or any other) folder, and describes each one:
///
/// | pattern | kind |
/// |---|---|
/// | `**/Copernicus/**/*.nc`, `**/Copernicus/**/*.zip` | ERA5 NetCDF (or CDS zip) |
/// | `**/{Forest,Land,Agriculture,RedList}/*.csv` | indicator CSV |
/// | `**/Species/*.parquet` | species occurrence table |
///
/// A file that cannot be read becomes an error-level problem in the catalog; the scan
/// itself goes on.
public struct SourceScanner: Sendable {
    /// The grid sources are checked against.
    public var grid: Grid
    /// The grid's name as given (recorded in the catalog).
    public var gridName: String
    /// The cadence the steps are counted in.
    public var cadence: Cadence
    /// Group overrides and source preferences.
    public var config: BuildConfig

    /// A scanner for `grid` (by name, see ``Grid/init(named:)``) and `cadence`.
    public init(gridName: String = "europe025", cadence: Cadence = .monthly, config: BuildConfig = .published) throws {
        self.grid = try Grid(named: gridName)
        self.gridName = gridName
        self.cadence = cadence
        self.config = config
    }

    /// The kind of a file from its path relative to the root, or nil if it is not a source.
    public static func kind(ofRelativePath path: String) -> Catalog.SourceKind? {
        let parts = path.split(separator: "/").map(String.init)
        guard let name = parts.last, !name.hasPrefix("."), !name.hasSuffix(".tmp") else { return nil }
        let lower = name.lowercased()
        let folders = parts.dropLast().map { $0.lowercased() }
        if folders.contains("copernicus") && (lower.hasSuffix(".nc") || lower.hasSuffix(".zip")) { return .era5 }
        if let parent = folders.last {
            if ["forest", "land", "agriculture", "redlist"].contains(parent) && lower.hasSuffix(".csv") { return .indicators }
            if parent == "species" && lower.hasSuffix(".parquet") { return .species }
        }
        return nil
    }

    /// Relative paths of every source file under `root`, sorted.
    public static func discover(root: String) throws -> [String] {
        guard FileIO.isDirectory(root) else { throw BioCubeError(.notFound, "\(root): not a folder") }
        var found: [String] = []
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw BioCubeError(.io, "\(root): cannot list the folder")
        }
        while let next = walker.nextObject() as? String {
            if next.split(separator: "/").contains(where: { $0.hasPrefix(".") || $0.hasSuffix(".zarr") }) {
                if (next as NSString).lastPathComponent.hasPrefix(".") || next.hasSuffix(".zarr") { walker.skipDescendants() }
                continue
            }
            if kind(ofRelativePath: next) != nil && !FileIO.isDirectory(root + "/" + next) { found.append(next) }
        }
        return found.sorted()
    }

    /// Scans `root`: discovers and describes every source. Sources are read on up to
    /// `maxConcurrency` tasks.
    public func scan(root: String, maxConcurrency: Int = 2) async throws -> Catalog {
        try await scanOpening(root: root, maxConcurrency: maxConcurrency).catalog
    }

    /// Scans `root` and keeps every source open as a ``Modality`` (keyed by relative path),
    /// so a build can use them without reading the files again.
    /// Problems the opened modalities meet later (while reading steps) go to `problems`.
    public func scanOpening(root: String, maxConcurrency: Int = 2, problems: ProblemLog = ProblemLog()) async throws -> (catalog: Catalog, modalities: [String: any Modality]) {
        let absolute = URL(fileURLWithPath: root).standardizedFileURL.path
        let paths = try Self.discover(root: absolute)
        var results = [(Catalog.Source, any Modality)?](repeating: nil, count: paths.count)
        try await withThrowingTaskGroup(of: (Int, (Catalog.Source, any Modality)?).self) { group in
            var next = 0
            func add() {
                let i = next
                next += 1
                group.addTask { [self] in
                    do { return (i, try await open(absolute, paths[i], problems, maxConcurrency: maxConcurrency)) }
                    catch let e as BioCubeError {
                        problems.report(Problem(.error, file: paths[i], message: "unreadable, left out: \(e.message)"))
                        return (i, nil)
                    }
                }
            }
            for _ in 0..<min(maxConcurrency, paths.count) { add() }
            while let (i, source) = try await group.next() {
                results[i] = source
                if next < paths.count { add() }
            }
        }
        let sources = results.compactMap { $0?.0 }
        var modalities: [String: any Modality] = [:]
        for case let (source, modality)? in results { modalities[source.path] = modality }
        if paths.isEmpty {
            problems.report(Problem(.error, file: absolute, message: "no BioCube sources found (expected Copernicus/**/*.nc, Forest|Land|Agriculture|RedList/*.csv, Species/*.parquet)"))
        }
        let duplicates = DuplicateResolution.resolve(sources, modalities: modalities, config: config, grid: grid, cadence: cadence)
        for d in duplicates { problems.report(d.problem) }
        let sorted = Self.sorted(problems.problems.map { $0.relative(to: absolute) })
        var catalog = Catalog(root: absolute, gridName: gridName, cadence: cadence, sources: sources, problems: sorted, config: config)
        catalog.duplicates = duplicates
        return (catalog, modalities)
    }

    /// Problems in report order: errors, then warnings, then information; by file, variable, step.
    static func sorted(_ problems: [Problem]) -> [Problem] {
        func rank(_ s: Problem.Severity) -> Int { s == .error ? 0 : s == .warning ? 1 : 2 }
        return problems.sorted {
            (rank($0.severity), $0.file, $0.variable ?? "", $0.step ?? "", $0.message) < (rank($1.severity), $1.file, $1.variable ?? "", $1.step ?? "", $1.message)
        }
    }

    /// Opens one source as its modality (tables are read whole) and describes it. Problems
    /// found are reported to `problems` with the relative path.
    func open(_ root: String, _ relative: String, _ problems: ProblemLog, maxConcurrency: Int = 2) async throws -> (Catalog.Source, any Modality) {
        let path = root + "/" + relative
        guard let kind = Self.kind(ofRelativePath: relative) else { throw BioCubeError(.invalidArgument, "\(path): not a source") }
        let attrs = FileIO.attributes(path) ?? (0, 0)
        var source = Catalog.Source(path: relative, kind: kind, size: attrs.size, modified: attrs.modified, variables: [], stepCount: 0)
        let groupTable = GroupTable.published.overriding(config.groups)
        let local = ProblemLog()
        let opened: any Modality
        switch kind {
        case .era5:
            let modality = try ERA5Modality(paths: [path], cadence: cadence, groupTable: groupTable, problems: problems)
            opened = modality
            let times = modality.files.flatMap(\.times).sorted()
            source.stepCount = Set(times.map { stepStart($0) }).count
            for d in try modality.variables() {
                source.variables.append(.init(descriptor: d, first: times.first.map(stepStart), last: times.last.map(stepStart)))
            }
            if let f = modality.files.first {
                source.latitudeRange = [f.latitudes.min() ?? .nan, f.latitudes.max() ?? .nan]
                source.longitudeRange = [f.longitudes.min() ?? .nan, f.longitudes.max() ?? .nan]
                if f.longitudes.count > 1 { source.spacing = abs(f.longitudes[1] - f.longitudes[0]) }
                do {
                    let m = try f.mapping(onto: grid)
                    source.onTargetLattice = true
                    if m.uncoveredCells > 0 {
                        local.report(Problem(file: relative, message: "covers only part of the grid: \(m.uncoveredCells) of \(grid.cellCount) cells will be NaN"))
                    }
                } catch let e as BioCubeError {
                    source.onTargetLattice = false
                    local.report(Problem(.error, file: relative, message: "not on the target grid's lattice: \(e.message)"))
                }
            }
            if case .monthly = cadence, let first = times.first, let last = times.last {
                let have = Set(times.map(stepStart))
                var missing: [String] = []
                var t = stepStart(first)
                while t <= last { if !have.contains(t) { missing.append(String(t.dateString.prefix(7))) }; t = t.addingMonths(1) }
                if !missing.isEmpty {
                    local.report(Problem(file: relative, message: "months missing inside its span (they will be NaN): \(missing.prefix(12).joined(separator: ", "))\(missing.count > 12 ? " …" : "")"))
                }
            }
        case .indicators:
            let table = try await IndicatorTable.load(path: path, maxConcurrency: maxConcurrency)
            let modality = IndicatorModality(tables: [table], groupTable: groupTable, problems: problems)
            opened = modality
            source.stepCount = Set(table.columns.map { "\($0.year)-\($0.month ?? 0)" }).count
            for d in try modality.variables() {
                guard let v = table.variables.firstIndex(of: d.name) else { continue }
                let cols = table.columns.filter { $0.variable == v || $0.variable == -1 }
                let first = cols.compactMap { try? UTCDateTime(year: $0.year, month: $0.month ?? 1) }.min()
                let last = cols.compactMap { try? UTCDateTime(year: $0.year, month: $0.month ?? 12) }.max()
                source.variables.append(.init(descriptor: d, first: first, last: last))
            }
            source.latitudeRange = [table.latitudes.min() ?? .nan, table.latitudes.max() ?? .nan]
            let lons = table.longitudes.map { grid.normalisedLongitude($0) }
            source.longitudeRange = [lons.min() ?? .nan, lons.max() ?? .nan]
            let coverage = table.coverage(on: grid)
            source.onTargetLattice = coverage.offGridRows < table.rowCount
            if coverage.offGridRows > 0 {
                local.report(Problem(file: relative, message: "\(coverage.offGridRows) of \(table.rowCount) rows lie off the grid and are ignored"))
            }
            if coverage.duplicateRows > 0 {
                let rule = table.layout == .variableColumn ? "the last row per cell and indicator is used" : "the first row per cell is used"
                local.report(Problem(file: relative, message: "\(coverage.duplicateRows) rows repeat a grid cell: \(rule)"))
            }
        case .species:
            let modality = try SpeciesModality(path: path, cadence: cadence, problems: problems, maxConcurrency: maxConcurrency)
            opened = modality
            source.stepCount = modality.stepCount
            for d in try modality.variables() {
                source.variables.append(.init(descriptor: d, first: modality.stepRange?.lowerBound, last: modality.stepRange?.upperBound))
            }
            source.spacing = 0.25
            modality.offGridRows(on: grid)
        }
        for p in local.problems {
            var q = p
            q.file = relative
            problems.report(q)
        }
        return (source, opened)
    }

    /// The start of the step an instant falls in.
    func stepStart(_ t: UTCDateTime) -> UTCDateTime { cadence.step(containing: t) }
}

extension Problem {
    /// The problem with its file path made relative to `root` (when it lies under it).
    func relative(to root: String) -> Problem {
        var p = self
        if p.file.hasPrefix(root + "/") { p.file.removeFirst(root.count + 1) }
        return p
    }
}
