import BioCubeBatch
public import BioCubeCore
import Foundation

/// Discovers sources under a root folder and describes each one, through the
/// `ModalitySource`s it is given: each file goes to the first source that claims its
/// path (hidden files, `.tmp` files and `.zarr` folders are skipped). Files can also be
/// named explicitly with their kind. With the built-in sources (the `BioCube` library's
/// `BuiltinSources.all`) the published layout is found with or without a leading `data/`:
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
    /// The grid's preset name, or a description of its axes (recorded in the catalog).
    public var gridName: String { grid.label }
    /// The cadence the steps are counted in.
    public var cadence: Cadence
    /// Group overrides and source preferences.
    public var config: BuildConfig
    /// The kinds of source files, in claiming order.
    public let sources: [any ModalitySource]

    /// A scanner for a preset grid (by name, see `Grid(named:)`) and `cadence` that
    /// knows `sources`; throws when the name is unknown or two sources share a kind.
    public init(
        gridName: String = "europe025",
        cadence: Cadence = .monthly,
        config: BuildConfig = .published,
        sources: [any ModalitySource]
    ) throws {
        try self.init(grid: Grid(named: gridName), cadence: cadence, config: config, sources: sources)
    }

    /// A scanner for any `grid` and `cadence` that knows `sources`; throws when two of them
    /// share a kind.
    public init(
        grid: Grid,
        cadence: Cadence = .monthly,
        config: BuildConfig = .published,
        sources: [any ModalitySource]
    ) throws {
        self.grid = grid
        self.cadence = cadence
        self.config = config
        var kinds = Set<SourceKind>()
        for s in sources where !kinds.insert(s.kind).inserted {
            throw BioCubeError(.invalidArgument, "two modality sources share the kind '\(s.kind)'")
        }
        self.sources = sources
    }

    /// The kind of a file from its path relative to the root, or nil if no source claims it.
    package func kind(ofRelativePath path: String) -> SourceKind? {
        let parts = path.split(separator: "/")
        guard let name = parts.last, !name.hasPrefix("."), !name.hasSuffix(".tmp") else { return nil }
        return sources.first { $0.claims(relativePath: path) }?.kind
    }

    /// The source of `kind`; throws naming the kind (and the known ones) when none is.
    package func source(of kind: SourceKind, for path: String) throws -> any ModalitySource {
        guard let s = sources.first(where: { $0.kind == kind }) else {
            throw BioCubeError(
                .unsupported,
                "\(path): no modality source of kind '\(kind)' (known: \(sources.map(\.kind.rawValue).joined(separator: ", ")))"
            )
        }
        return s
    }

    /// Relative paths of every source file under `root`, sorted.
    package func discover(root: String) throws -> [String] {
        guard FileIO.isDirectory(root) else { throw BioCubeError(.notFound, "\(root): not a folder") }
        var found: [String] = []
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw BioCubeError(.io, "\(root): cannot list the folder")
        }
        while let next = walker.nextObject() as? String {
            if next.split(separator: "/").contains(where: { $0.hasPrefix(".") || $0.hasSuffix(".zarr") }) {
                if (next as NSString).lastPathComponent.hasPrefix(".") || next.hasSuffix(".zarr") {
                    walker.skipDescendants()
                }
                continue
            }
            if kind(ofRelativePath: next) != nil && !FileIO.isDirectory(root + "/" + next) { found.append(next) }
        }
        return found.sorted()
    }

    /// Scans `root`: discovers and describes every source. Sources are read on up to
    /// `maxConcurrency` tasks.
    /// `explicit` names further files (absolute, or relative to `root`) with their kind,
    /// whatever their path.
    public func scan(
        root: String,
        maxConcurrency: Int = 2,
        explicit: [String: SourceKind] = [:]
    ) async throws -> Catalog {
        try await scanOpening(root: root, maxConcurrency: maxConcurrency, explicit: explicit).catalog
    }

    /// Scans `root` and keeps every source open as a ``Modality`` (keyed by relative path),
    /// so a build can use them without reading the files again.
    /// Problems the opened modalities meet later (while reading steps) go to `problems`.
    package func scanOpening(
        root: String,
        maxConcurrency: Int = 2,
        problems: ProblemLog = ProblemLog(),
        explicit: [String: SourceKind] = [:]
    ) async throws -> (catalog: Catalog, modalities: [String: any Modality]) {
        let absolute = URL(fileURLWithPath: root).standardizedFileURL.path
        var kinds: [String: SourceKind] = [:]
        for path in try discover(root: absolute) { kinds[path] = kind(ofRelativePath: path) }
        for (path, kind) in explicit {
            let full = path.hasPrefix("/") ? URL(fileURLWithPath: path).standardizedFileURL.path : absolute + "/" + path
            guard FileIO.exists(full), !FileIO.isDirectory(full) else {
                throw BioCubeError(.notFound, "\(full): no such file (named as a '\(kind)' source)")
            }
            _ = try source(of: kind, for: full)
            kinds[full.hasPrefix(absolute + "/") ? String(full.dropFirst(absolute.count + 1)) : full] = kind
        }
        let paths = kinds.keys.sorted()
        let kindOf = kinds
        var results = [(Catalog.Source, any Modality)?](repeating: nil, count: paths.count)
        try await withThrowingTaskGroup(of: (Int, (Catalog.Source, any Modality)?).self) { group in
            var next = 0
            func add() {
                let i = next
                next += 1
                group.addTask { [self] in
                    do {
                        return (
                            i,
                            try await open(
                                absolute,
                                paths[i],
                                kind: kindOf[paths[i]],
                                problems,
                                maxConcurrency: maxConcurrency
                            )
                        )
                    } catch let e as BioCubeError {
                        problems.report(
                            Problem(
                                .error,
                                .unreadableSource,
                                file: paths[i],
                                message: "unreadable, left out: \(e.message)"
                            )
                        )
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
            let patterns = self.sources.flatMap(\.patterns)
            problems.report(
                Problem(
                    .error,
                    .noSources,
                    file: absolute,
                    message:
                        "no BioCube sources found\(patterns.isEmpty ? "" : " (expected \(patterns.joined(separator: ", ")))")"
                )
            )
        }
        let duplicates = DuplicateResolution.resolve(
            sources,
            modalities: modalities,
            config: config,
            grid: grid,
            cadence: cadence
        )
        for d in duplicates { problems.report(d.problem) }
        let sorted = Self.sorted(problems.problems.map { $0.relative(to: absolute) })
        var catalog = Catalog(
            root: absolute,
            gridName: gridName,
            cadence: cadence,
            sources: sources,
            problems: sorted,
            config: config
        )
        catalog.duplicates = duplicates
        return (catalog, modalities)
    }

    /// Problems in report order: errors, then warnings, then information; by file, variable, step.
    static func sorted(_ problems: [Problem]) -> [Problem] {
        func rank(_ s: Problem.Severity) -> Int { s == .error ? 0 : s == .warning ? 1 : 2 }
        return problems.sorted {
            (rank($0.severity), $0.file, $0.variable ?? "", $0.step ?? "", $0.message) < (
                rank($1.severity), $1.file, $1.variable ?? "", $1.step ?? "", $1.message
            )
        }
    }

    /// Opens one source as its modality (tables are read whole) and describes it, through
    /// the source of `kind` (default: the one claiming the path). Problems found are
    /// reported to `problems` with the relative path.
    package func open(
        _ root: String,
        _ relative: String,
        kind: SourceKind? = nil,
        _ problems: ProblemLog,
        maxConcurrency: Int = 2
    ) async throws -> (Catalog.Source, any Modality) {
        let path = relative.hasPrefix("/") ? relative : root + "/" + relative
        guard let kind = kind ?? self.kind(ofRelativePath: relative) else {
            throw BioCubeError(.invalidArgument, "\(path): not a source")
        }
        let source = try self.source(of: kind, for: path)
        let context = SourceContext(
            grid: grid,
            cadence: cadence,
            groupTable: GroupTable.published.overriding(config.groups),
            problems: problems,
            maxConcurrency: maxConcurrency
        )
        let opened = try await source.open(SourceFile(path: path, relativePath: relative), context: context)
        var description = opened.description
        description.path = relative
        description.kind = kind
        if description.size == 0 && description.modified == 0, let attributes = FileIO.attributes(path) {
            description.size = attributes.size
            description.modified = attributes.modified
        }
        for p in opened.problems {
            var q = p
            q.file = relative
            problems.report(q)
        }
        return (description, opened.modality)
    }
}

extension Problem {
    /// The problem with its file path made relative to `root` (when it lies under it).
    func relative(to root: String) -> Problem {
        var p = self
        if p.file.hasPrefix(root + "/") { p.file.removeFirst(root.count + 1) }
        return p
    }
}
