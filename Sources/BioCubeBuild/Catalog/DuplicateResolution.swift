import BioCubeBatch
import BioCubeCore
import Foundation

/// How a variable that several sources provide for overlapping steps is stored
/// (`Documentation/Pipeline.md`, "Variables provided by two files").
///
/// The rules, in order:
/// 1. a `prefer` rule of the ``BuildConfig`` names the source to use (``Decision/preferred``);
/// 2. the sources hold identical values on every overlapping step: the variable is stored
///    once, from the first source, and exported in all its groups (``Decision/identical``);
/// 3. wherever two sources both have a value they agree, and each has cells the other lacks
///    (a source split into tiles, a static field in two files): one array whose cells come
///    from the first source that has a value (``Decision/merged``);
/// 4. each source *owns* one batch group — the group most of its variables belong to, as
///    the original bfm-data assigns whole NetCDF files to groups — and every group of the
///    variable is owned by exactly one of the sources: one array per group, each from its
///    owner's file (``Decision/perGroup``; e.g. `surface_variables/t2m` from
///    `era5_single.nc` and `climate_variables/t2m` from `era5-climate-energy-moisture-1.nc`);
/// 5. otherwise the build stops with an error naming the files and the fix
///    (``Decision/conflict``).
///
/// A static source (no time span: a field that does not change with time) covers every
/// step, so two static files of one variable always overlap and go through these rules
/// (they used to be taken as never overlapping: the second file's cells were left NaN).
public struct DuplicateResolution: Codable, Sendable, Hashable {
    /// What was decided.
    public enum Decision: String, Codable, Sendable, Hashable {
        /// A `prefer` rule picked ``DuplicateResolution/sources``'s first entry.
        case preferred
        /// Identical values on the overlapping steps: stored once.
        case identical
        /// Values that agree wherever both sources have one: one array, each cell from the
        /// first source with a value.
        case merged
        /// One array per group, from the file owning that group.
        case perGroup = "per_group"
        /// No rule resolves it: the build refuses.
        case conflict
    }

    /// The variable's name.
    public var variable: String
    /// Whether it is the pressure-level variable of that name.
    public var hasLevels: Bool
    /// The providing sources (relative paths); for ``Decision/preferred`` the winner first.
    public var sources: [String]
    /// The decision.
    public var decision: Decision
    /// For ``Decision/perGroup``: the source of each group (group raw value → path).
    public var groupSources: [String: String]?

    /// The key providers are grouped by (name, and whether it has levels).
    var key: String { Self.key(variable, hasLevels: hasLevels) }
    static func key(_ name: String, hasLevels: Bool) -> String { name + (hasLevels ? "@levels" : "") }

    /// A problem line describing the decision (info, or an error for a conflict).
    var problem: Problem {
        let label = hasLevels ? variable + " (levels)" : variable
        switch decision {
        case .preferred:
            return Problem(
                .info,
                .providedTwice,
                file: sources[0],
                variable: label,
                message:
                    "also provided by \(sources.dropFirst().joined(separator: ", ")); this file is used (prefer rule)"
            )
        case .identical:
            return Problem(
                .info,
                .providedTwice,
                file: sources[0],
                variable: label,
                message:
                    "also provided by \(sources.dropFirst().joined(separator: ", ")) with identical values on the overlapping steps: stored once"
            )
        case .merged:
            return Problem(
                .info,
                .providedTwice,
                file: sources[0],
                variable: label,
                message:
                    "also provided by \(sources.dropFirst().joined(separator: ", ")), for other cells (the values agree where both have one): the cells are merged"
            )
        case .perGroup:
            let parts = (groupSources ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) from \($0.value)" }
            return Problem(
                .info,
                .providedTwice,
                file: sources[0],
                variable: label,
                message:
                    "provided by \(sources.joined(separator: " and ")) with different values: stored per group (\(parts.joined(separator: ", ")))"
            )
        case .conflict:
            return Problem(
                .error,
                .conflictingSources,
                file: sources[0],
                variable: label,
                message:
                    "provided by \(sources.joined(separator: " and ")) for overlapping steps with different values, and no file owns each of its groups: name the one to use with \"prefer\": {\"\(variable)\": \"<path suffix>\"} in a --config file"
            )
        }
    }
}

extension DuplicateResolution {
    /// The batch group a source owns: the group most of its variables belong to (ties: the
    /// earlier group in batch order); a source with no variables owns `misc_variables`.
    static func ownedGroup(_ source: Catalog.Source) -> VariableGroup {
        var best: (count: Int, group: VariableGroup) = (0, .misc)
        for g in Set(source.variables.flatMap(\.descriptor.groups)).sorted() {
            let n = source.variables.filter { $0.descriptor.groups.contains(g) }.count
            if n > best.count { best = (n, g) }
        }
        return best.group
    }

    /// Resolves every variable provided by more than one source over overlapping steps.
    /// `modalities` (by relative path) are read to compare values; `cadence` gives the steps.
    static func resolve(
        _ sources: [Catalog.Source],
        modalities: [String: any Modality],
        config: BuildConfig,
        grid: Grid,
        cadence: Cadence
    ) -> [DuplicateResolution] {
        var providers: [String: [(Catalog.Source, Catalog.SourceVariable)]] = [:]
        var keys: [String] = []
        for s in sources {
            for v in s.variables {
                let k = key(v.descriptor.name, hasLevels: v.descriptor.levels != nil)
                if providers[k] == nil { keys.append(k) }
                providers[k, default: []].append((s, v))
            }
        }
        var out: [DuplicateResolution] = []
        for k in keys {
            let list = providers[k]!
            guard list.count > 1, overlaps(list.map(\.1)) else { continue }
            let name = list[0].1.descriptor.name
            let hasLevels = list[0].1.descriptor.levels != nil
            let paths = list.map(\.0.path)
            if let rule = config.prefer[name], let winner = paths.first(where: { $0.hasSuffix(rule) }) {
                out.append(
                    .init(
                        variable: name,
                        hasLevels: hasLevels,
                        sources: [winner] + paths.filter { $0 != winner },
                        decision: .preferred
                    )
                )
                continue
            }
            switch agreement(list, modalities: modalities, grid: grid, cadence: cadence) {
            case .identical:
                out.append(.init(variable: name, hasLevels: hasLevels, sources: paths, decision: .identical))
                continue
            case .complementary:
                out.append(.init(variable: name, hasLevels: hasLevels, sources: paths, decision: .merged))
                continue
            case .different: break
            }
            var mapping: [String: String] = [:]
            var complete = true
            for g in list[0].1.descriptor.groups {
                let owners = list.filter { ownedGroup($0.0) == g }
                if owners.count == 1 { mapping[g.rawValue] = owners[0].0.path } else { complete = false }
            }
            if complete && Set(mapping.values) == Set(paths) && list[0].1.descriptor.groups.count > 1 {
                out.append(
                    .init(
                        variable: name,
                        hasLevels: hasLevels,
                        sources: paths,
                        decision: .perGroup,
                        groupSources: mapping
                    )
                )
            } else {
                out.append(.init(variable: name, hasLevels: hasLevels, sources: paths, decision: .conflict))
            }
        }
        return out
    }

    /// Whether any two of the spans overlap; a static variable (no span) covers every step.
    static func overlaps(_ variables: [Catalog.SourceVariable]) -> Bool {
        for i in variables.indices {
            for j in variables.indices where j > i {
                if span(variables[i], variables[j]) != nil { return true }
            }
        }
        return false
    }

    /// The steps two providers both cover: nil when none; `.static` when both are static.
    enum SharedSpan: Equatable {
        case steps(UTCDateTime, UTCDateTime)
        case `static`
    }

    static func span(_ a: Catalog.SourceVariable, _ b: Catalog.SourceVariable) -> SharedSpan? {
        let aStatic = a.isInvariant
        let bStatic = b.isInvariant
        if aStatic && bStatic { return .static }
        if aStatic, let b0 = b.first, let b1 = b.last { return .steps(b0, b1) }
        if bStatic, let a0 = a.first, let a1 = a.last { return .steps(a0, a1) }
        guard let a0 = a.first, let a1 = a.last, let b0 = b.first, let b1 = b.last else { return nil }
        let from = max(a0, b0)
        let through = min(a1, b1)
        return from <= through ? .steps(from, through) : nil
    }

    /// How providers' values relate on the steps each pair shares.
    enum Agreement { case identical, complementary, different }

    /// Identical when every pair holds bitwise-identical planes (NaN equal to NaN) on each step
    /// both cover; complementary when, wherever both have a value, the values are identical and
    /// each of the two has cells the other lacks (tiles of one field); else different. A read
    /// error counts as different.
    static func agreement(
        _ list: [(Catalog.Source, Catalog.SourceVariable)],
        modalities: [String: any Modality],
        grid: Grid,
        cadence: Cadence
    ) -> Agreement {
        var result = Agreement.identical
        for i in list.indices {
            for j in list.indices where j > i {
                guard let a = modalities[list[i].0.path], let b = modalities[list[j].0.path],
                    let shared = span(list[i].1, list[j].1)
                else {
                    if modalities[list[i].0.path] == nil || modalities[list[j].0.path] == nil { return .different }
                    continue
                }
                let instants: [UTCDateTime]
                switch shared {
                // 2000-01: a static read ignores the time.
                case .static: instants = [UTCDateTime(secondsSince1970: 946_684_800)]
                case .steps(let from, let through):
                    instants = steps(
                        from: from,
                        through: through,
                        cadence: cadence,
                        (a, list[i].1.descriptor),
                        (b, list[j].1.descriptor)
                    )
                }
                // Cells only one of the two has a value in, over all compared steps.
                var onlyA = false
                var onlyB = false
                for step in instants {
                    do {
                        let x = try a.read(list[i].1.descriptor, at: step, onto: grid)
                        let y = try b.read(list[j].1.descriptor, at: step, onto: grid)
                        guard x.shape == y.shape else { return .different }
                        if x.isBitwiseEqual(to: y) { continue }
                        var agree = true
                        x.storage.withUnsafeBufferPointer { p in
                            y.storage.withUnsafeBufferPointer { q in
                                for k in p.indices {
                                    switch (p[k].isNaN, q[k].isNaN) {
                                    case (false, true): onlyA = true
                                    case (true, false): onlyB = true
                                    case (false, false) where p[k].bitPattern != q[k].bitPattern: agree = false
                                    default: break
                                    }
                                }
                            }
                        }
                        guard agree else { return .different }
                    } catch { return .different }
                }
                // Complementary only when each has cells the other lacks (tiles); a copy that
                // merely adds or removes values is a different version: a conflict.
                if onlyA && onlyB {
                    result = .complementary
                } else if onlyA || onlyB {
                    return .different
                }
            }
        }
        return result
    }

    /// The steps to compare: the instants both sources hold (``Modality/timeStamps(of:)``),
    /// else every step of the cadence in the overlap.
    static func steps(
        from: UTCDateTime,
        through: UTCDateTime,
        cadence: Cadence,
        _ a: (any Modality, VariableDescriptor),
        _ b: (any Modality, VariableDescriptor)
    ) -> [UTCDateTime] {
        if let x = a.0.timeStamps(of: a.1), let y = b.0.timeStamps(of: b.1) {
            let start = cadence.step(containing: from)
            let end = cadence.step(containing: through)
            let tx = Set(x.map { cadence.step(containing: $0) })
            let ty = Set(y.map { cadence.step(containing: $0) })
            return tx.intersection(ty).filter { $0 >= start && $0 <= end }.sorted()
        }
        guard let axis = try? TimeAxis(cadence: cadence, from: from, through: through) else { return [] }
        return (0..<axis.count).map { axis[$0] }
    }
}
