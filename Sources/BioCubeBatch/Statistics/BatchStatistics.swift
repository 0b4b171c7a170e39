public import BioCubeCore
import Foundation

/// Normalisation statistics accumulated over batches or a store, per variable and — for
/// `(T, L, H, W)` variables — per level, in the JSON layout bfm-model's scaler reads
/// (Documentation/Reference.md §7): `{group: {variable: {"mean", "std", "min", "max", "count_valid",
/// "count_nan", "nan_pct"}}}`, each field a list over levels for level variables.
///
/// Accumulators are `RunningMoments` (numerically stable, mergeable); the result does not
/// depend on the number of threads used.
public struct BatchStatistics: Sendable {
    /// One variable's accumulators.
    public struct Entry: Sendable {
        /// The batch group.
        public var group: VariableGroup
        /// The variable name.
        public var name: String
        /// One accumulator per level (one for single-level variables).
        package var levels: [RunningMoments]
        /// Whether the variable has a level axis.
        public var hasLevels: Bool
    }

    /// Entries in batch order (group order, then the variables' order).
    public internal(set) var entries: [Entry] = []
    /// The pressure levels (hPa) of the per-level entries, in their order (the batches'
    /// level order); nil when no variable has levels or they are unknown.
    public var pressureLevels: [Double]?
    var position: [String: Int] = [:]

    /// Empty statistics.
    public init() {}

    private static func key(_ g: VariableGroup, _ n: String) -> String { g.rawValue + "/" + n }

    /// The accumulators of one variable.
    public func entry(_ group: VariableGroup, _ name: String) -> Entry? {
        position[Self.key(group, name)].map { entries[$0] }
    }

    /// Adds one tensor `(T, H, W)` or `(T, L, H, W)` of a variable.
    public mutating func add(_ tensor: Tensor, group: VariableGroup, name: String, weight: Int = 1) {
        let levels = tensor.shape.count == 4 ? tensor.shape[1] : 1
        let plane = tensor.shape.suffix(2).reduce(1, *)
        let k = Self.key(group, name)
        if position[k] == nil {
            position[k] = entries.count
            entries.append(
                Entry(
                    group: group,
                    name: name,
                    levels: Array(repeating: RunningMoments(), count: levels),
                    hasLevels: tensor.shape.count == 4
                )
            )
        }
        let e = position[k]!
        tensor.storage.withUnsafeBufferPointer { p in
            let steps = tensor.count / (levels * plane)
            for t in 0..<steps {
                for l in 0..<levels {
                    let base = (t * levels + l) * plane
                    entries[e].levels[l].add(UnsafeBufferPointer(rebasing: p[base..<(base + plane)]), weight: weight)
                }
            }
        }
    }

    /// Adds every variable of a batch.
    public mutating func add(_ batch: Batch) {
        if pressureLevels == nil { pressureLevels = batch.metadata.pressureLevels }
        for (g, v) in batch.allVariables { add(v.tensor, group: g, name: v.name) }
    }

    /// Combines statistics of other batches (in a fixed order for reproducible results).
    public mutating func merge(_ other: BatchStatistics) {
        if pressureLevels == nil { pressureLevels = other.pressureLevels }
        for e in other.entries {
            let k = Self.key(e.group, e.name)
            if let i = position[k] {
                for l in e.levels.indices where l < entries[i].levels.count { entries[i].levels[l].merge(e.levels[l]) }
            } else {
                position[k] = entries.count
                entries.append(e)
            }
        }
    }

    /// The fields of one variable's entry, in the published key order.
    func fields(_ e: Entry) -> [(String, JSONValue)] {
        func field(_ f: (RunningMoments) -> JSONValue) -> JSONValue {
            e.hasLevels ? .array(e.levels.map(f)) : f(e.levels[0])
        }
        var out: [(String, JSONValue)] = [
            ("mean", field { .double($0.count > 0 ? $0.mean : 0) }),
            ("std", field { .double($0.count > 0 ? $0.standardDeviation : 0) }),
            ("min", field { $0.min.map(JSONValue.double) ?? .null }),
            ("max", field { $0.max.map(JSONValue.double) ?? .null }),
            ("count_valid", field { .int(Int64($0.count)) }),
            ("count_nan", field { .int(Int64($0.nanCount)) }),
            ("nan_pct", field { .double($0.nanFraction) }),
        ]
        if e.hasLevels, let levels = pressureLevels, levels.count == e.levels.count {
            out.append(("levels", .array(levels.map { .double($0) })))
        }
        return out
    }

    /// The order of groups in the published statistics file (Documentation/Reference.md §7); groups not
    /// listed there (`single_variables`) follow the group before them in batch order.
    static let publishedGroupOrder: [VariableGroup] = [
        .surface, .single, .edaphic, .climate, .misc, .forest, .land, .vegetation, .agriculture, .redlist, .species,
        .atmospheric,
    ]

    /// The Documentation/Reference.md §7 JSON document (an unordered value; `jsonText` keeps the order).
    package var json: JSONValue {
        var groups: [String: JSONValue] = [:]
        for e in entries {
            var vars = groups[e.group.rawValue]?.objectValue ?? [:]
            vars[e.name] = .object(Dictionary(uniqueKeysWithValues: fields(e)))
            groups[e.group.rawValue] = .object(vars)
        }
        return .object(groups)
    }

    /// The Documentation/Reference.md §7 JSON document as text, in the published order: groups as bfm-model's
    /// file lists them (empty groups left out), variables in batch order, the fields `mean,
    /// std, min, max, count_valid, count_nan, nan_pct` (plus `levels`, the level values of
    /// per-level lists). Groups outside that file (the extra groups, groups of your own)
    /// follow in batch order. The same statistics give the same bytes.
    package var jsonText: String {
        var out = "{"
        var firstGroup = true
        let others = Set(entries.map(\.group)).subtracting(Self.publishedGroupOrder).sorted()
        for g in Self.publishedGroupOrder + others {
            let members = entries.filter { $0.group == g }
            guard !members.isEmpty else { continue }
            out += (firstGroup ? "\n" : ",\n") + "  " + OrderedJSON.string(g.rawValue) + ": {"
            firstGroup = false
            for (k, e) in members.enumerated() {
                out += (k == 0 ? "\n" : ",\n") + "    " + OrderedJSON.string(e.name) + ": {"
                for (j, (key, value)) in fields(e).enumerated() {
                    out +=
                        (j == 0 ? "\n" : ",\n") + "      " + OrderedJSON.string(key) + ": " + OrderedJSON.compact(value)
                }
                out += "\n    }"
            }
            out += "\n  }"
        }
        return out + (firstGroup ? "}\n" : "\n}\n")
    }

    /// Writes `jsonText` (atomically).
    public func write(to path: String) throws {
        try FileIO.writeAtomically(path, Array(jsonText.utf8))
    }

    /// The statistics as ``NormalisationStatistics`` (for ``Batch/normalised(with:mode:)``).
    public var normalisation: NormalisationStatistics {
        var out: [String: [String: NormalisationStatistics.Entry]] = [:]
        for e in entries {
            out[e.group.rawValue, default: [:]][e.name] = .init(
                mean: e.levels.map { $0.count > 0 ? $0.mean : 0 },
                std: e.levels.map { $0.count > 0 ? $0.standardDeviation : 0 },
                min: e.levels.map(\.min),
                max: e.levels.map(\.max),
                countValid: e.levels.map(\.count),
                countNaN: e.levels.map(\.nanCount),
                nanPercent: e.levels.map(\.nanFraction),
                perLevel: e.hasLevels,
                levels: e.hasLevels && pressureLevels?.count == e.levels.count ? pressureLevels : nil
            )
        }
        return NormalisationStatistics(groups: out)
    }
}
