public import BioCubeBatch
public import BioCubeCore
import Foundation

/// User choices that scanning and building cannot guess: group overrides and which source
/// wins when two files provide the same variable for the same steps.
///
/// A JSON file:
/// ```json
/// { "groups": { "t2m": ["surface_variables", "climate_variables"], "my_var": ["misc_variables"] },
///   "prefer": { "NDVI": "Land/Europe_ndvi_monthly_un_025.csv" } }
/// ```
/// `prefer` values match a source whose path relative to the root ends with the text.
/// An optional `select` section (a `VariableSelection`) is recorded in the built store and
/// becomes the default of `batches` and `stats` for it:
/// ```json
/// { "select": { "variables": ["+agriculture:Agriculture_Irrigated"], "species": "top:10", "levels": [1000, 850] } }
/// ```
public struct BuildConfig: Codable, Sendable, Hashable {
    /// Group assignment overrides by variable name (single-level variables).
    public var groups: [String: [VariableGroup]]
    /// Which source provides a variable when several do: a relative-path suffix.
    public var prefer: [String: String]
    /// What batches and statistics of the built store carry by default (nil: the published contract).
    public var select: VariableSelection?

    /// A configuration.
    public init(
        groups: [String: [VariableGroup]] = [:],
        prefer: [String: String] = [:],
        select: VariableSelection? = nil
    ) {
        self.groups = groups
        self.prefer = prefer
        self.select = select
    }

    /// The rules for the published BioCube tree: the combined land table repeats NDVI,
    /// which the monthly NDVI table provides; the combined agriculture table is preferred
    /// over per-indicator agriculture files.
    public static let published = BuildConfig(prefer: [
        "NDVI": "Europe_ndvi_monthly_un_025.csv",
        "Agriculture": "Europe_combined_agriculture_data.csv",
        "Agriculture_Irrigated": "Europe_combined_agriculture_data.csv",
        "Arable": "Europe_combined_agriculture_data.csv",
        "Cropland": "Europe_combined_agriculture_data.csv",
    ])

    /// This configuration with `other`'s entries taking precedence.
    public func merging(_ other: BuildConfig) -> BuildConfig {
        BuildConfig(
            groups: groups.merging(other.groups) { $1 },
            prefer: prefer.merging(other.prefer) { $1 },
            select: other.select ?? select
        )
    }

    /// Reads a configuration file (merged over ``published``).
    public static func load(path: String) throws -> BuildConfig {
        let bytes = try FileIO.read(path)
        do {
            return BuildConfig.published.merging(try JSONDecoder().decode(BuildConfig.self, from: Data(bytes)))
        } catch let e as DecodingError {
            throw BioCubeError(
                .invalidArgument,
                "\(path): not a BioCube config (\(Self.describe(e))); expected {\"groups\": {name: [group…]}, \"prefer\": {name: path suffix}, \"select\": {\"variables\": [\"+group:name\", …], \"species\": \"top:N\", \"levels\": [hPa, …]}}"
            )
        }
    }

    private static func describe(_ e: DecodingError) -> String {
        switch e {
        case .dataCorrupted(let c): return c.debugDescription
        case .keyNotFound(let k, _): return "missing key \(k.stringValue)"
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            return "\(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        @unknown default: return "\(e)"
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let rawGroups = try c.decodeIfPresent([String: [String]].self, forKey: .groups) ?? [:]
        groups = try rawGroups.mapValues { names in
            try names.map { n in
                do { return try VariableGroup(validating: n) } catch let e as BioCubeError {
                    throw DecodingError.dataCorrupted(
                        .init(codingPath: [CodingKeys.groups], debugDescription: e.message)
                    )
                }
            }
        }
        prefer = try c.decodeIfPresent([String: String].self, forKey: .prefer) ?? [:]
        do { select = try c.decodeIfPresent(VariableSelection.self, forKey: .select) } catch let e as BioCubeError {
            throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.select], debugDescription: e.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(groups.mapValues { $0.map(\.rawValue) }, forKey: .groups)
        try c.encode(prefer, forKey: .prefer)
        try c.encodeIfPresent(select, forKey: .select)
    }

    private enum CodingKeys: String, CodingKey { case groups, prefer, select }
}
