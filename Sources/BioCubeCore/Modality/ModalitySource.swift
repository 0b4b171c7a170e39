/// A kind of source file a scan can find and a build can read: it claims files by their
/// path under the scanned root (or is named explicitly for a file), and opens each into a
/// ``Modality`` plus a ``SourceDescription``. ERA5, indicators and species are sources of
/// this kind in their own libraries; a package adds its own by conforming and passing it
/// to the scanner and builder next to the built-in ones.
///
/// ```swift
/// struct ElevationSource: ModalitySource {
///     var kind: SourceKind { "elevation" }
///     func claims(relativePath: String) -> Bool { relativePath.hasPrefix("Elevation/") && relativePath.hasSuffix(".csv") }
///     func open(_ file: SourceFile, context: SourceContext) async throws -> OpenedSource {
///         let modality = try ElevationModality(path: file.path)
///         let coverage = TimeCoverage.invariant  // a static field; else .steps(first:last:count:)
///         return OpenedSource(
///             modality: modality,
///             description: try context.describe(file, kind: kind, modality, coverage: coverage))
///     }
/// }
/// ```
public protocol ModalitySource: Sendable {
    /// The kind recorded in catalogs; unique among the sources of one scan.
    var kind: SourceKind { get }
    /// Whether the file at `relativePath` (relative to the scanned root, `/`-separated)
    /// is one of this source's files.
    func claims(relativePath: String) -> Bool
    /// Opens one file (tables may be read whole here) and describes it; problems met now
    /// go into the result, problems met later while reading steps to `context.problems`.
    func open(_ file: SourceFile, context: SourceContext) async throws -> OpenedSource
    /// Whether the steps this source covers set a build's default time axis (ERA5 does: the
    /// published batches follow the climate span). Default: false.
    var definesTimeAxis: Bool { get }
    /// The file patterns it claims, for messages (`Copernicus/**/*.nc`).
    var patterns: [String] { get }
}

extension ModalitySource {
    /// False: only sources that say so set the default time axis.
    public var definesTimeAxis: Bool { false }
    /// No patterns to show.
    public var patterns: [String] { [] }
}

/// A file handed to a ``ModalitySource``.
public struct SourceFile: Sendable, Hashable {
    /// The absolute path.
    public var path: String
    /// The path relative to the scanned root (what catalogs and reports show).
    public var relativePath: String

    /// A file at `path`, shown as `relativePath`.
    public init(path: String, relativePath: String) {
        self.path = path
        self.relativePath = relativePath
    }
}

/// What a scan asks of every source it opens: the target grid and cadence, the group
/// table in effect, where later problems go, and how many threads a source may use.
public struct SourceContext: Sendable {
    /// The grid sources are checked against.
    public var grid: Grid
    /// The cadence steps are counted in.
    public var cadence: Cadence
    /// Which batch groups each variable belongs to (the published table with overrides).
    public var groupTable: GroupTable
    /// Where problems met while reading steps are reported.
    public var problems: ProblemLog
    /// Threads a source may use to open a file.
    public var maxConcurrency: Int

    /// Creates a context.
    public init(
        grid: Grid,
        cadence: Cadence,
        groupTable: GroupTable = .published,
        problems: ProblemLog = ProblemLog(),
        maxConcurrency: Int = 2
    ) {
        self.grid = grid
        self.cadence = cadence
        self.groupTable = groupTable
        self.problems = problems
        self.maxConcurrency = maxConcurrency
    }

    /// A description of `file` listing every variable of `modality` with the time coverage
    /// all of them share (the usual case); ``TimeCoverage/invariant`` for a static field.
    public func describe(
        _ file: SourceFile,
        kind: SourceKind,
        _ modality: any Modality,
        coverage: TimeCoverage
    ) throws -> SourceDescription {
        let span = coverage.span
        return try describe(file, kind: kind, modality, first: span?.first, last: span?.last, stepCount: coverage.count)
    }

    /// A description of `file` listing every variable of `modality` over the steps from
    /// `first` through `last`; nil for both means a time-invariant field (see
    /// ``describe(_:kind:_:coverage:)``, which says so by name).
    public func describe(
        _ file: SourceFile,
        kind: SourceKind,
        _ modality: any Modality,
        first: UTCDateTime?,
        last: UTCDateTime?,
        stepCount: Int
    ) throws -> SourceDescription {
        let attributes = FileIO.attributes(file.path) ?? (0, 0)
        return SourceDescription(
            path: file.relativePath,
            kind: kind,
            size: attributes.size,
            modified: attributes.modified,
            variables: try modality.variables().map { .init(descriptor: $0, first: first, last: last) },
            stepCount: stepCount
        )
    }
}

/// An opened source file: the modality that reads it, its description, and the problems
/// opening it found (reported by the scan with the file's relative path).
public struct OpenedSource: Sendable {
    /// Reads the file's variables onto a grid.
    public var modality: any Modality
    /// What the catalog records.
    public var description: SourceDescription
    /// Problems found while opening.
    public var problems: [Problem]

    /// Creates the result of opening a file.
    public init(modality: any Modality, description: SourceDescription, problems: [Problem] = []) {
        self.modality = modality
        self.description = description
        self.problems = problems
    }
}
