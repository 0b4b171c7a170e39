/// How a variable is laid out in a built store: its array path, the batch groups it is
/// exported in (a variable listed in two groups, like `t2m`, is stored once), its levels
/// and units. Recorded in the store's root attributes (`variables`).
public struct StoreVariable: Codable, Sendable, Hashable {
    /// The short name (`t2m`, `Forest`, a species key).
    public var name: String
    /// The array path in the store (`surface_variables/t2m`).
    public var path: String
    /// Batch groups that export it, in order.
    public var groups: [VariableGroup]
    /// Pressure levels (hPa), for `(T, L, H, W)` arrays.
    public var levels: [Double]?
    /// Units, when known.
    public var units: String?
    /// The source file (relative to the scanned root) providing it, or several.
    public var sources: [String]

    /// Creates an entry.
    public init(
        name: String,
        path: String,
        groups: [VariableGroup],
        levels: [Double]? = nil,
        units: String? = nil,
        sources: [String] = []
    ) {
        self.name = name
        self.path = path
        self.groups = groups
        self.levels = levels
        self.units = units
        self.sources = sources
    }

    /// Whether the array has a level axis.
    public var hasLevels: Bool { levels != nil }
}
