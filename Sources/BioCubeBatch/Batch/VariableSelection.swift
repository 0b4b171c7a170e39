public import BioCubeCore
import Foundation

/// Which variables, species and pressure levels batches and statistics carry.
///
/// The default (``published``) is the published monthly contract bfm-model's config is
/// sized for: every stored variable in its groups, except those the published batches leave
/// out (`agriculture_variables.Agriculture_Irrigated`). A selection adds or drops single
/// variables (`+agriculture:Agriculture_Irrigated`, `-surface:lsm`, `-misc:*`), picks species
/// (keys in a given order, or the `top:N` by occurrence count) and pressure levels (in the
/// order given).
///
/// As JSON (the `select` section of a build config, or a file for `verify --selection`):
/// ```json
/// { "variables": ["+agriculture_variables:Agriculture_Irrigated", "-surface_variables:lsm"],
///   "species": "top:10", "levels": [1000, 850, 500] }
/// ```
/// `species` may also be a list of keys.
public struct VariableSelection: Codable, Sendable, Hashable {
    /// A variable of a group, or every variable of it (`name == "*"`).
    public struct Member: Hashable, Sendable, CustomStringConvertible {
        /// The group.
        public var group: VariableGroup
        /// The variable's name, or `*`.
        public var name: String

        /// Creates a member.
        public init(_ group: VariableGroup, _ name: String) {
            self.group = group
            self.name = name
        }

        public var description: String { "\(group.rawValue):\(name)" }
    }

    /// The species a selection keeps.
    public enum Species: Hashable, Sendable {
        /// These keys, in this order.
        case keys([String])
        /// The `n` species with the most occurrences over the store's whole span, in the
        /// exported region (so exports of different time ranges carry the same species).
        case top(Int)
    }

    /// Variables exported beyond the default.
    public var added: [Member]
    /// Variables (or whole groups) left out.
    public var dropped: [Member]
    /// Species to keep; nil keeps every stored species.
    public var species: Species?
    /// Pressure levels (hPa) in the order wanted; nil keeps the store's.
    public var levels: [Double]?

    /// A selection; the defaults give ``published``.
    public init(added: [Member] = [], dropped: [Member] = [], species: Species? = nil, levels: [Double]? = nil) {
        self.added = added
        self.dropped = dropped
        self.species = species
        self.levels = levels
    }

    /// The published monthly contract.
    public static let published = VariableSelection()

    /// Every stored variable, species and level (what a viewer shows).
    public static let everything = VariableSelection(added: leftOutByDefault.sorted { $0.description < $1.description })

    /// Stored variables the published batches leave out unless added.
    package static let leftOutByDefault: Set<Member> = [Member(.agriculture, "Agriculture_Irrigated")]

    /// Whether the batches carry `name` in `group`. The extra `species_media` group is
    /// carried only when added (`+species_media:*` or by name).
    public func includes(_ group: VariableGroup, _ name: String) -> Bool {
        if dropped.contains(Member(group, name)) || dropped.contains(Member(group, "*")) { return false }
        if group.isCarriedOnlyWhenSelected {
            return added.contains(Member(group, name)) || added.contains(Member(group, "*"))
        }
        return !Self.leftOutByDefault.contains(Member(group, name)) || added.contains(Member(group, name))
    }

    /// This selection changed by `other`: its additions and drops applied after these (a
    /// later addition undoes an earlier drop and the other way round), its species and
    /// levels replacing these when given.
    public func applying(_ other: VariableSelection) -> VariableSelection {
        var out = self
        for m in other.added {
            out.dropped.removeAll { $0 == m }
            if !out.added.contains(m) { out.added.append(m) }
        }
        for m in other.dropped {
            out.added.removeAll { $0 == m || m.name == "*" && $0.group == m.group }
            if !out.dropped.contains(m) { out.dropped.append(m) }
        }
        if let s = other.species { out.species = s }
        if let l = other.levels { out.levels = l }
        return out
    }

    // MARK: Parsing

    /// Parses the `--variables` list: comma-separated `[+|-]GROUP:NAME` (or `GROUP:[+|-]NAME`);
    /// `+` (add) is the default; GROUP with or without the `_variables` suffix; NAME `*`
    /// (with `-`) drops the whole group.
    public static func parsingVariables(_ text: String) throws -> VariableSelection {
        try parsingMembers(
            text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        )
    }

    /// The additions and drops of `[+|-]GROUP:NAME` entries, applied in order.
    static func parsingMembers(_ entries: [String]) throws -> VariableSelection {
        var out = VariableSelection()
        for raw in entries {
            let (adding, member) = try parseMember(raw)
            out = out.applying(adding ? VariableSelection(added: [member]) : VariableSelection(dropped: [member]))
        }
        return out
    }

    static func parseMember(_ raw: String) throws -> (adding: Bool, Member) {
        var text = Substring(raw)
        var adding = true
        if let sign = text.first, sign == "+" || sign == "-" {
            adding = sign == "+"
            text = text.dropFirst()
        }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else {
            throw BioCubeError(
                .invalidArgument,
                "variable selection '\(raw)': expected [+|-]GROUP:NAME, e.g. +agriculture:Agriculture_Irrigated or -surface_variables:lsm"
            )
        }
        var name = parts[1]
        if let sign = name.first, sign == "+" || sign == "-" {
            adding = sign == "+"
            name.removeFirst()
        }
        let groupName =
            parts[0].hasSuffix("_variables") || VariableGroup(rawValue: parts[0]).isBuiltIn
            ? parts[0] : parts[0] + "_variables"
        let group: VariableGroup
        do { group = try VariableGroup(validating: groupName) } catch let e as BioCubeError {
            throw BioCubeError(.invalidArgument, "variable selection '\(raw)': \(e.message)", cause: e)
        }
        if name == "*" && adding && !group.isCarriedOnlyWhenSelected {
            throw BioCubeError(
                .invalidArgument,
                "variable selection '\(raw)': '*' only drops a group batches carry by default (-\(group.rawValue):*); it adds only an extra group (+species_media:*, +lpi:*)"
            )
        }
        return (adding, Member(group, name))
    }

    /// Parses `--species`: `top:N` or comma-separated keys.
    public static func parsingSpecies(_ text: String) throws -> Species {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.lowercased().hasPrefix("top:") {
            guard let n = Int(t.dropFirst(4)), n > 0 else {
                throw BioCubeError(.invalidArgument, "--species '\(text)': top:N needs a positive whole number")
            }
            return .top(n)
        }
        let keys = t.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !keys.isEmpty else {
            throw BioCubeError(.invalidArgument, "--species '\(text)': give keys (1340361,5219173) or top:N")
        }
        guard Set(keys).count == keys.count else {
            throw BioCubeError(.invalidArgument, "--species '\(text)': a key is listed twice")
        }
        return .keys(keys)
    }

    /// Parses `--levels`: comma-separated hPa values, in the order wanted.
    public static func parsingLevels(_ text: String) throws -> [Double] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let levels = try parts.map { p -> Double in
            guard let v = Double(p), v.isFinite, v > 0 else {
                throw BioCubeError(.invalidArgument, "--levels '\(text)': '\(p)' is not a pressure level in hPa")
            }
            return v
        }
        guard !levels.isEmpty else { throw BioCubeError(.invalidArgument, "--levels is empty") }
        guard Set(levels).count == levels.count else {
            throw BioCubeError(.invalidArgument, "--levels '\(text)': a level is listed twice")
        }
        return levels
    }

    /// Reads a selection file: either a selection object or a build config with a `select` section.
    public static func load(path: String) throws -> VariableSelection {
        let bytes = try FileIO.read(path)
        let root: JSONValue
        do { root = try JSONDecoder().decode(JSONValue.self, from: Data(bytes)) } catch {
            throw BioCubeError(.invalidArgument, "\(path): not JSON (\(error))", cause: error)
        }
        let object = root.objectValue?["select"] ?? root
        do { return try JSONDecoder().decode(VariableSelection.self, from: JSONEncoder().encode(object)) } catch let e
            as BioCubeError
        { throw e.adding(file: path) } catch {
            throw BioCubeError(
                .invalidArgument,
                "\(path): not a selection (\(error)); expected {\"variables\": [\"+group:name\", …], \"species\": \"top:N\" or [keys], \"levels\": [hPa, …]}",
                cause: error
            )
        }
    }

    // MARK: Codable

    private enum CodingKeys: String, CodingKey { case variables, species, levels }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var out = try Self.parsingMembers(try c.decodeIfPresent([String].self, forKey: .variables) ?? [])
        if let text = try? c.decodeIfPresent(String.self, forKey: .species) {
            out.species = try Self.parsingSpecies(text)
        } else if let keys = try c.decodeIfPresent([String].self, forKey: .species) {
            out.species = try Self.parsingSpecies(keys.joined(separator: ","))
        }
        if let levels = try c.decodeIfPresent([Double].self, forKey: .levels) {
            out.levels = try Self.parsingLevels(levels.map { "\($0)" }.joined(separator: ","))
        }
        self = out
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(added.map { "+\($0)" } + dropped.map { "-\($0)" }, forKey: .variables)
        switch species {
        case .keys(let k)?: try c.encode(k, forKey: .species)
        case .top(let n)?: try c.encode("top:\(n)", forKey: .species)
        case nil: break
        }
        if let levels { try c.encode(levels, forKey: .levels) }
    }
}
