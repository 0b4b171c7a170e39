public import BioCubeCore
import Foundation

/// Normalisation statistics in the layout bfm-model's scaler reads (Documentation/Reference.md §7):
/// `{group: {variable: {"mean", "std", "min", "max", "count_valid", "count_nan", "nan_pct"}}}`,
/// where every field of a `(T, L, H, W)` variable is a list with one entry per level.
public struct NormalisationStatistics: Sendable, Hashable {
    /// The statistics of one variable: one entry per level (a single entry for
    /// single-level variables). `min`/`max` are nil when the variable has no valid value.
    public struct Entry: Sendable, Hashable {
        public var mean: [Double], std: [Double], min: [Double?], max: [Double?]
        public var countValid: [Int], countNaN: [Int], nanPercent: [Double]
        /// Whether the fields are per-level lists.
        public var perLevel: Bool
        /// The pressure level (hPa) of each list entry, for per-level entries; nil when unknown
        /// (normalising a level variable then refuses the entry).
        public var levels: [Double]?

        /// Creates an entry.
        public init(
            mean: [Double],
            std: [Double],
            min: [Double?],
            max: [Double?],
            countValid: [Int],
            countNaN: [Int],
            nanPercent: [Double],
            perLevel: Bool,
            levels: [Double]? = nil
        ) {
            self.mean = mean
            self.std = std
            self.min = min
            self.max = max
            self.countValid = countValid
            self.countNaN = countNaN
            self.nanPercent = nanPercent
            self.perLevel = perLevel
            self.levels = levels
        }

        /// The list index of each of `wanted` (hPa), matched by value.
        func indices(of wanted: [Double], context: String) throws -> [Int] {
            guard let levels else {
                throw BioCubeError(
                    .invalidArgument,
                    "statistics of \(context) carry no pressure-level values: load them with NormalisationStatistics.load(path:pressureLevels:) naming the levels their lists follow"
                )
            }
            return try wanted.map { l in
                guard let i = levels.firstIndex(where: { abs($0 - l) < 1e-6 }) else {
                    throw BioCubeError(
                        .invalidArgument,
                        "statistics of \(context) lack pressure level \(l) hPa (they have \(levels.map { "\($0)" }.joined(separator: ", ")))"
                    )
                }
                return i
            }
        }
    }

    /// Entries by group and variable name.
    public var groups: [String: [String: Entry]]

    /// Creates statistics.
    public init(groups: [String: [String: Entry]]) { self.groups = groups }

    /// The entry of a variable; throws naming it when absent.
    public func entry(_ group: VariableGroup, _ name: String) throws -> Entry {
        guard let e = groups[group.rawValue]?[name] else {
            throw BioCubeError(
                .missingStatistics,
                "no statistics for \(group.rawValue)/\(name)",
                variable: "\(group.rawValue)/\(name)"
            )
        }
        return e
    }

    /// Reads a statistics JSON file. Per-level entries take their level values from the
    /// entry's `levels` list (written by BioCube); for files without one (the published
    /// bfm-model file), `pressureLevels` names the levels the lists follow, in order.
    public static func load(path: String, pressureLevels: [Double]? = nil) throws -> NormalisationStatistics {
        let bytes = try FileIO.read(path)
        guard let root = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)), let groups = root.objectValue
        else {
            throw BioCubeError(.invalidMetadata, "\(path): not a JSON object of groups")
        }
        var out: [String: [String: Entry]] = [:]
        for (g, vars) in groups {
            guard let vars = vars.objectValue else {
                throw BioCubeError(.invalidMetadata, "\(path): \(g) is not an object of variables")
            }
            for (name, fields) in vars {
                guard let f = fields.objectValue else {
                    throw BioCubeError(.invalidMetadata, "\(path): \(g)/\(name) is not an object")
                }
                let perLevel = f["mean"]?.arrayValue != nil
                func list(_ key: String) throws -> [JSONValue] {
                    guard let v = f[key] else {
                        throw BioCubeError(.invalidMetadata, "\(path): \(g)/\(name) lacks \"\(key)\"")
                    }
                    return v.arrayValue ?? [v]
                }
                func numbers(_ key: String) throws -> [Double] {
                    try list(key).map { v in
                        guard let d = v.doubleValue else {
                            throw BioCubeError(.invalidMetadata, "\(path): \(g)/\(name).\(key) holds a non-number")
                        }
                        return d
                    }
                }
                var levels: [Double]? = nil
                if perLevel {
                    if let given = f["levels"]?.arrayValue {
                        levels = try given.map { v in
                            guard let d = v.doubleValue else {
                                throw BioCubeError(.invalidMetadata, "\(path): \(g)/\(name).levels holds a non-number")
                            }
                            return d
                        }
                    } else {
                        levels = pressureLevels
                    }
                    let n = try numbers("mean").count
                    if let l = levels, l.count != n {
                        throw BioCubeError(
                            .invalidMetadata,
                            "\(path): \(g)/\(name) has \(n) per-level entries but \(l.count) level values"
                        )
                    }
                }
                out[g, default: [:]][name] = Entry(
                    mean: try numbers("mean"),
                    std: try numbers("std"),
                    min: try list("min").map(\.doubleValue),
                    max: try list("max").map(\.doubleValue),
                    countValid: try numbers("count_valid").map { Int($0) },
                    countNaN: try numbers("count_nan").map { Int($0) },
                    nanPercent: try numbers("nan_pct"),
                    perLevel: perLevel,
                    levels: levels
                )
            }
        }
        return NormalisationStatistics(groups: out)
    }
}
