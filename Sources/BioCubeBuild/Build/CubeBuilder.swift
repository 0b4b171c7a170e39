import BioCubeBatch
public import BioCubeCore
import Foundation

/// Harmonises every source of a ``Catalog`` onto one grid and time axis in a Zarr v3
/// `CubeStore`: one float32 array per variable (`group/name`, `[T, (L), H, W]`, one
/// chunk per step), the coordinates, provenance, and a per-variable, per-step coverage
/// report.
///
/// - Each source is read once (tables at open, NetCDF step by step).
/// - Resumable: a step is recorded complete (a marker under `.biocube-build/` in the
///   store) only after all its chunks landed, so a killed build restarted with the same
///   options continues and ends with the same store. A source whose size or modification
///   time changed invalidates its variables' steps, which are rebuilt.
/// - Shardable: with ``BuildOptions/shard`` several processes build disjoint steps of one
///   store at once; whichever finishes the last step writes the coverage report.
/// - A variable two sources provide over the same steps is resolved by
///   ``DuplicateResolution`` (a `prefer` rule, identical values, or one array per group
///   from the file owning that group); what no rule resolves is an error.
public final class CubeBuilder: Sendable {
    /// The catalog built from.
    public let catalog: Catalog
    /// The options.
    package let options: BuildOptions
    /// The target grid (the named grid, cut to the region).
    public let grid: Grid
    /// The time axis of the store.
    public let time: TimeAxis
    /// The variables, in store order.
    public let variables: [StoreVariable]
    /// Pressure levels of the level variables.
    public let pressureLevels: [Double]?
    /// Problems found while opening and building.
    package let problems: ProblemLog
    /// Sources that could not be read and were left out (only with
    /// `BuildOptions.allowUnreadableSources`); recorded in the store.
    package let leftOutSources: [String]

    let planList: [VariablePlan]
    let sourceProblems: [Problem]

    /// Progress of ``run(progress:)``.
    public enum Event: Sendable {
        /// The store is set up: `toDo` of `owned` steps (of `total`) need work.
        case planned(total: Int, owned: Int, toDo: Int)
        /// One step landed.
        case stepDone(UTCDateTime, done: Int, toDo: Int)
        /// Every step of the store is complete and the coverage report was written.
        case finalized
    }

    struct Provider: Sendable {
        let source: String
        let fingerprint: String
        let modality: any Modality
        let descriptor: VariableDescriptor
        let first: UTCDateTime?, last: UTCDateTime?
        /// Whether the provider holds step `t`; a static one (no span) holds every step.
        func covers(_ t: UTCDateTime) -> Bool {
            if first == nil && last == nil { return true }
            guard let first, let last else { return false }
            return first <= t && t <= last
        }
    }

    struct VariablePlan: Sendable {
        let variable: StoreVariable
        let providers: [Provider]
        /// Identifies the inputs of the variable's chunks: sources (size, mtime), units, levels.
        let fingerprint: String
        /// Whether the providers' cells are merged (``DuplicateResolution/Decision/merged``):
        /// each cell from the first provider covering the step that has a value there.
        var merges = false
        func provider(for t: UTCDateTime) -> Provider { providers.first { $0.covers(t) } ?? providers[0] }
    }

    /// Scans `root` with `sources` (and the `explicit` files, absolute or relative to
    /// `root`, with their kinds) and prepares a build, reusing the scan's open sources.
    public static func prepare(
        root: String,
        options: BuildOptions,
        sources: [any ModalitySource],
        explicit: [String: SourceKind] = [:]
    ) async throws -> CubeBuilder {
        let scanner = try SourceScanner(
            grid: options.grid,
            cadence: options.cadence,
            config: options.config,
            sources: sources
        )
        let log = ProblemLog()
        let (catalog, modalities) = try await scanner.scanOpening(
            root: root,
            maxConcurrency: max(1, options.jobs),
            problems: log,
            explicit: explicit
        )
        return try CubeBuilder(
            catalog: catalog,
            modalities: modalities,
            options: options,
            sources: sources,
            problems: log
        )
    }

    /// Prepares a build from a catalog written by `biocube scan` (its sources are opened again
    /// by the source of their kind; a source that changed since the scan is used as it is
    /// now, and reported).
    public static func prepare(
        catalog: Catalog,
        options: BuildOptions,
        sources: [any ModalitySource]
    ) async throws -> CubeBuilder {
        let scanner = try SourceScanner(
            grid: options.grid,
            cadence: options.cadence,
            config: catalog.config.merging(options.config),
            sources: sources
        )
        let log = ProblemLog()
        var modalities: [String: any Modality] = [:]
        var opened: [Catalog.Source] = []
        for s in catalog.sources {
            let (fresh, modality) = try await scanner.open(
                catalog.root,
                s.path,
                kind: s.kind,
                log,
                maxConcurrency: max(1, options.jobs)
            )
            if fresh.size != s.size || fresh.modified != s.modified {
                log.report(
                    Problem(
                        .warning,
                        .changedSource,
                        file: s.path,
                        message:
                            "changed since the catalog was written (size or modification time): using the file as it is now"
                    )
                )
            }
            opened.append(fresh)
            modalities[s.path] = modality
        }
        var c = catalog
        c.sources = opened
        let duplicates = DuplicateResolution.resolve(
            opened,
            modalities: modalities,
            config: scanner.config,
            grid: scanner.grid,
            cadence: scanner.cadence
        )
        c.duplicates = duplicates
        c.problems = SourceScanner.sorted(
            log.problems.map { $0.relative(to: catalog.root) } + duplicates.map(\.problem)
        )
        return try CubeBuilder(catalog: c, modalities: modalities, options: options, sources: sources, problems: log)
    }

    /// Prepares a build of `catalog` whose sources are already open (`modalities`, keyed by
    /// the catalog's source paths); `sources` tell which kinds set the default time axis.
    public init(
        catalog: Catalog,
        modalities: [String: any Modality],
        options: BuildOptions,
        sources: [any ModalitySource],
        problems: ProblemLog = ProblemLog()
    ) throws {
        guard (1...22).contains(options.compressionLevel) else {
            throw BioCubeError(
                .invalidArgument,
                "compression level \(options.compressionLevel): zstd levels are 1…22",
                file: options.storePath
            )
        }
        let unreadable = catalog.problems.filter { $0.code == .unreadableSource }
        let unreadablePaths = Set(unreadable.map(\.file)).sorted()
        if !unreadable.isEmpty && !options.allowUnreadableSources {
            let listed = unreadablePaths.prefix(10).map { p in "\(p): \(unreadable.first { $0.file == p }!.message)" }
            throw BioCubeError(
                .unreadableSources,
                "\(unreadablePaths.count) source file(s) cannot be read: \(listed.joined(separator: "; "))\(unreadablePaths.count > 10 ? "; …" : ""). Repair or remove them, or build without them (biocube build --allow-unreadable; BuildOptions.allowUnreadableSources), which the store records",
                file: unreadablePaths[0]
            )
        }
        leftOutSources = unreadablePaths
        for s in catalog.sources {
            for v in s.variables {
                for g in v.descriptor.groups where !g.isBuiltIn {
                    do { _ = try VariableGroup(validating: g.rawValue) } catch let e as BioCubeError {
                        throw BioCubeError(
                            .invalidArgument,
                            "variable \(v.descriptor.name): \(e.message)",
                            file: s.path,
                            variable: v.descriptor.name,
                            cause: e
                        )
                    }
                }
            }
        }
        self.catalog = catalog
        self.options = options
        self.problems = problems
        var g = options.grid
        if let region = options.region {
            let r = try region.indexRanges(on: g)
            g = g.subgrid(latitudes: r.latitude, longitudes: r.longitude)
        }
        grid = g
        let duplicates = catalog.duplicates ?? []
        if let conflict = duplicates.first(where: { $0.decision == .conflict }) {
            throw BioCubeError(.conflictingSources, conflict.problem.message, variable: conflict.variable)
        }

        // Providers per variable (name + whether it has levels).
        var byKey: [String: [Provider]] = [:]
        var keys: [String] = []
        for s in catalog.sources {
            guard let modality = modalities[s.path] else { continue }
            for v in s.variables {
                let key = DuplicateResolution.key(v.descriptor.name, hasLevels: v.descriptor.levels != nil)
                if byKey[key] == nil { keys.append(key) }
                byKey[key, default: []].append(
                    Provider(
                        source: s.path,
                        fingerprint: "\(s.path)|\(s.size)|\(s.modified)",
                        modality: modality,
                        descriptor: v.descriptor,
                        first: v.first,
                        last: v.last
                    )
                )
            }
        }
        var levels: [Double]? = nil
        var plans: [VariablePlan] = []
        func addPlan(_ providers: [Provider], groups: [VariableGroup], merges: Bool = false) throws {
            let name = providers[0].descriptor.name
            var d = providers[0].descriptor
            d.groups = groups
            if let l = d.levels {
                if let known = levels {
                    guard Set(known) == Set(l) else {
                        throw BioCubeError(
                            .invalidMetadata,
                            "\(providers[0].source): variable '\(name)' has pressure levels \(l), other variables \(known): one level axis per store"
                        )
                    }
                    d.levels = known
                } else {
                    levels = l
                }
            }
            let sv = StoreVariable(
                name: name,
                path: "\(groups[0].rawValue)/\(name)",
                groups: groups,
                levels: d.levels,
                units: d.units,
                sources: providers.map(\.source)
            )
            let finger =
                providers.map(\.fingerprint).joined(separator: ";")
                + "|units=\(d.units ?? "")|levels=\(d.levels.map { "\($0)" } ?? "none")"
            plans.append(
                VariablePlan(
                    variable: sv,
                    providers: providers.map {
                        Provider(
                            source: $0.source,
                            fingerprint: $0.fingerprint,
                            modality: $0.modality,
                            descriptor: d,
                            first: $0.first,
                            last: $0.last
                        )
                    },
                    fingerprint: finger,
                    merges: merges
                )
            )
        }
        for key in keys {
            var providers = byKey[key]!
            let groups = providers[0].descriptor.groups
            let resolution = duplicates.first { $0.key == key }
            switch resolution?.decision {
            case .preferred?:
                if let w = providers.firstIndex(where: { $0.source == resolution!.sources[0] }) {
                    providers.insert(providers.remove(at: w), at: 0)
                }
                try addPlan(providers, groups: groups)
            case .perGroup?:
                for g in groups {
                    guard let path = resolution!.groupSources?[g.rawValue],
                        let owner = providers.first(where: { $0.source == path })
                    else {
                        throw BioCubeError(
                            .invalidMetadata,
                            "variable '\(providers[0].descriptor.name)': no source recorded for \(g.rawValue)"
                        )
                    }
                    try addPlan([owner], groups: [g])
                }
            case .merged?:
                try addPlan(providers, groups: groups, merges: true)
            case .identical?, .conflict?, nil:
                try addPlan(providers, groups: groups)
            }
        }
        guard !plans.isEmpty else {
            throw BioCubeError(.notFound, "\(catalog.root): no variables to build (no readable sources)")
        }
        plans.sort { Self.order($0.variable) < Self.order($1.variable) }
        self.planList = plans
        variables = plans.map(\.variable)
        pressureLevels = levels

        // Time axis: as asked, else the span of the sources the rule names, else of every source.
        let axisKinds: Set<SourceKind>
        switch options.timeAxis {
        case .sourcesThatDefineIt: axisKinds = Set(sources.filter(\.definesTimeAxis).map(\.kind))
        case .kinds(let kinds): axisKinds = kinds
        case .everySource: axisKinds = []
        }
        let kindOf = Dictionary(catalog.sources.map { ($0.path, $0.kind) }, uniquingKeysWith: { a, _ in a })
        let defining = plans.flatMap(\.providers).filter { kindOf[$0.source].map(axisKinds.contains) ?? false }
        let pool = defining.isEmpty ? plans.flatMap(\.providers) : defining
        guard let first = options.start ?? pool.compactMap(\.first).min(),
            let last = options.end ?? pool.compactMap(\.last).max()
        else {
            throw BioCubeError(
                .invalidArgument,
                "\(catalog.root): the sources have no time steps; give --start and --end"
            )
        }
        time = try TimeAxis(cadence: options.cadence, from: first, through: last)
        sourceProblems = catalog.problems
    }

    /// Store order: group order, then the published order within the group, then species
    /// keys numerically, then names.
    static func order(_ v: StoreVariable) -> (Int, String, Int, Int, String) {
        let g = VariableGroup.builtIn.firstIndex(of: v.groups[0]) ?? VariableGroup.builtIn.count
        let published = v.groups[0].publishedVariables.firstIndex(of: v.name) ?? Int.max
        let own = v.groups[0].isBuiltIn ? "" : v.groups[0].rawValue
        return (g, own, published, v.groups[0] == .species ? v.name.count : 0, v.name)
    }
}
