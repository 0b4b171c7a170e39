import BioCubeCore
import Foundation

/// Normalisation statistics accumulated over batches or a store, per variable and — for
/// `(T, L, H, W)` variables — per level, in the JSON layout bfm-model's scaler reads
/// (REFERENCE §7): `{group: {variable: {"mean", "std", "min", "max", "count_valid",
/// "count_nan", "nan_pct"}}}`, each field a list over levels for level variables.
///
/// Accumulators are ``RunningMoments`` (numerically stable, mergeable); the result does not
/// depend on the number of threads used.
public struct BatchStatistics: Sendable {
    /// One variable's accumulators.
    public struct Entry: Sendable {
        /// The batch group.
        public var group: VariableGroup
        /// The variable name.
        public var name: String
        /// One accumulator per level (one for single-level variables).
        public var levels: [RunningMoments]
        /// Whether the variable has a level axis.
        public var hasLevels: Bool
    }

    /// Entries in batch order (group order, then the variables' order).
    public internal(set) var entries: [Entry] = []
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
            entries.append(Entry(group: group, name: name, levels: Array(repeating: RunningMoments(), count: levels), hasLevels: tensor.shape.count == 4))
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
        for (g, v) in batch.allVariables { add(v.tensor, group: g, name: v.name) }
    }

    /// Combines statistics of other batches (in a fixed order for reproducible results).
    public mutating func merge(_ other: BatchStatistics) {
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

    /// The REFERENCE §7 JSON document.
    public var json: JSONValue {
        var groups: [String: JSONValue] = [:]
        for e in entries {
            func field(_ f: (RunningMoments) -> JSONValue) -> JSONValue { e.hasLevels ? .array(e.levels.map(f)) : f(e.levels[0]) }
            var vars = groups[e.group.rawValue]?.objectValue ?? [:]
            vars[e.name] = .object([
                "mean": field { .double($0.count > 0 ? $0.mean : 0) },
                "std": field { .double($0.count > 0 ? $0.standardDeviation : 0) },
                "min": field { $0.min.map(JSONValue.double) ?? .null },
                "max": field { $0.max.map(JSONValue.double) ?? .null },
                "count_valid": field { .int(Int64($0.count)) },
                "count_nan": field { .int(Int64($0.nanCount)) },
                "nan_pct": field { .double($0.count + $0.nanCount + $0.infinityCount == 0 ? 1 : $0.nanFraction) },
            ])
            groups[e.group.rawValue] = .object(vars)
        }
        return .object(groups)
    }

    /// Writes the JSON document (atomically).
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileIO.writeAtomically(path, Array(try encoder.encode(json)))
    }

    /// The statistics as ``NormalisationStatistics`` (for ``Batch/normalised(with:mode:)``).
    public var normalisation: NormalisationStatistics {
        var out: [String: [String: NormalisationStatistics.Entry]] = [:]
        for e in entries {
            out[e.group.rawValue, default: [:]][e.name] = .init(
                mean: e.levels.map { $0.count > 0 ? $0.mean : 0 }, std: e.levels.map { $0.count > 0 ? $0.standardDeviation : 0 },
                min: e.levels.map(\.min), max: e.levels.map(\.max), countValid: e.levels.map(\.count),
                countNaN: e.levels.map(\.nanCount), nanPercent: e.levels.map(\.nanFraction), perLevel: e.hasLevels)
        }
        return NormalisationStatistics(groups: out)
    }
}
