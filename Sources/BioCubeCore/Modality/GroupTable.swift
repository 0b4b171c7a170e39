/// Which batch group(s) each variable belongs to, by name (Documentation/Reference.md §5), overridable.
///
/// Variables with pressure levels go to `atmospheric_variables`; single-level variables are
/// looked up by name (`t2m` belongs to both `surface_variables` and `climate_variables`);
/// names the table does not know go to `misc_variables`, and the caller reports them.
public struct GroupTable: Hashable, Sendable, Codable {
    /// Name → groups for single-level variables.
    package var singleLevel: [String: [VariableGroup]]

    /// The published BioCube assignment.
    public static let published: GroupTable = {
        var table: [String: [VariableGroup]] = [:]
        for group in VariableGroup.builtIn where group != .atmospheric {
            for name in group.publishedVariables { table[name, default: []].append(group) }
        }
        return GroupTable(singleLevel: table)
    }()

    /// Creates a table.
    public init(singleLevel: [String: [VariableGroup]]) { self.singleLevel = singleLevel }

    /// The table with `overrides` replacing the groups of the names they mention.
    public func overriding(_ overrides: [String: [VariableGroup]]) -> GroupTable {
        GroupTable(singleLevel: singleLevel.merging(overrides) { _, new in new })
    }

    /// The groups of `name`; `hasLevels` selects `atmospheric_variables`. `known` is false
    /// when the name fell through to `misc_variables`.
    public func groups(for name: String, hasLevels: Bool) -> (groups: [VariableGroup], known: Bool) {
        if hasLevels { return ([.atmospheric], true) }
        if let g = singleLevel[name], !g.isEmpty { return (g, true) }
        return ([.misc], false)
    }
}
