/// A variable group of a BioCube batch: one of the built-in groups, or a group of your own.
///
/// The built-in groups are the twelve bfm-model expects, in its order (``isPublished``), then
/// the optional extra groups `species_media` and `lpi_variables`, which batches carry only
/// when they are asked for (they are not part of the published contract).
///
/// A modality of your own may put its variables in a group of its own: any name of lower-case
/// letters, digits and underscores that ends in `_variables` (see ``init(validating:)``).
/// Such a group is stored like the built-in ones, carried by every batch whose store has it
/// (after the built-in groups, by name), exported under its name, and selected with
/// `+name:variable` / `-name:variable` like any group.
///
/// ```swift
/// extension VariableGroup {
///     static let terrain: VariableGroup = "terrain_variables"
/// }
/// VariableDescriptor(name: "elevation", groups: [.terrain], units: "m")
/// ```
public struct VariableGroup: RawRepresentable, Hashable, Comparable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The group's name: its key in batch files and its folder in the store.
    public let rawValue: String

    /// A group by name, unchecked (a built-in's name gives that group); see
    /// ``init(validating:)`` for names from users or files.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A group from a literal name, unchecked.
    public init(stringLiteral value: String) { rawValue = value }

    /// A group from a name given by a user or read from a file: a built-in group's name, or
    /// a name of lower-case ASCII letters, digits and underscores, starting with a letter and
    /// ending in `_variables`.
    ///
    /// - Throws: `.invalidArgument` naming the group and the rule, listing the built-in names.
    public init(validating name: String) throws {
        let group = VariableGroup(rawValue: name)
        guard group.isBuiltIn || Self.isValidCustomName(name) else {
            throw BioCubeError(
                .invalidArgument,
                "unknown group '\(name)': a group of your own is named with lower-case letters, digits and underscores ending in _variables (built-in: \(Self.builtIn.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        self = group
    }

    /// The group's name.
    public var description: String { rawValue }

    /// Surface fields (ERA5 single levels: `t2m`, `msl`, winds, …).
    public static let surface: VariableGroup = "surface_variables"
    /// Single-level variables outside the other groups (empty in the published layout).
    public static let single: VariableGroup = "single_variables"
    /// Pressure-level fields (`z`, `t`, `u`, `v`, `q`), `(L, H, W)` per step.
    public static let atmospheric: VariableGroup = "atmospheric_variables"
    /// Soil moisture and temperature layers.
    public static let edaphic: VariableGroup = "edaphic_variables"
    /// Accumulated and mean-rate climate fields (precipitation, radiation, snow, …).
    public static let climate: VariableGroup = "climate_variables"
    /// Other ERA5 fields (latent heat flux, potential evaporation), and names no table knows.
    public static let misc: VariableGroup = "misc_variables"
    /// Forest cover (World Bank).
    public static let forest: VariableGroup = "forest_variables"
    /// Land area (World Bank).
    public static let land: VariableGroup = "land_variables"
    /// NDVI.
    public static let vegetation: VariableGroup = "vegetation_variables"
    /// Agricultural land indicators (World Bank).
    public static let agriculture: VariableGroup = "agriculture_variables"
    /// The Red List Index.
    public static let redlist: VariableGroup = "redlist_variables"
    /// Species occurrence counts, one variable per species key.
    public static let species: VariableGroup = "species_variables"
    /// Species media observations per cell and step (counts and dataset row indices),
    /// from the species media dataset; carried only when selected.
    public static let speciesMedia: VariableGroup = "species_media"
    /// The Living Planet Index per cell and year, from the Living Planet Database; carried
    /// only when selected.
    public static let lpi: VariableGroup = "lpi_variables"

    /// The built-in groups in batch order: the twelve published ones, then the two extras.
    public static let builtIn: [VariableGroup] = [
        .surface, .single, .atmospheric, .edaphic, .climate, .misc, .forest, .land, .vegetation, .agriculture,
        .redlist, .species, .speciesMedia, .lpi,
    ]

    /// The built-in groups (renamed: groups are open, see ``builtIn``).
    @available(*, deprecated, renamed: "builtIn")
    public static var allCases: [VariableGroup] { builtIn }

    /// The twelve groups of the published batch contract, in bfm-model's order.
    package static let published: [VariableGroup] = builtIn.filter(\.isPublished)

    /// Whether this is one of the fourteen built-in groups.
    public var isBuiltIn: Bool { Self.builtIn.contains(self) }

    /// Whether the group belongs to the published contract (every batch carries it, possibly
    /// empty); false for the extra groups and groups of your own.
    public var isPublished: Bool { isBuiltIn && self != .speciesMedia && self != .lpi }

    /// Whether batches carry the group only when a selection asks for it: the built-in extra
    /// groups (`species_media`, `lpi_variables`). Groups of your own are carried by default.
    public var isCarriedOnlyWhenSelected: Bool { self == .speciesMedia || self == .lpi }

    /// Batch order: the built-in groups in their order, then groups of your own by name.
    public static func < (a: VariableGroup, b: VariableGroup) -> Bool {
        let i = builtIn.firstIndex(of: a) ?? builtIn.count
        let j = builtIn.firstIndex(of: b) ?? builtIn.count
        return i != j ? i < j : a.rawValue < b.rawValue
    }

    /// The published variable order of each group (Documentation/Reference.md §5); the model stacks
    /// variables in this order. Species are ordered by key at run time; groups of your own
    /// have none (their variables are ordered by name).
    public var publishedVariables: [String] {
        switch self {
        case .surface: ["slt", "z", "msl", "u10", "v10", "t2m", "lsm"]
        case .atmospheric: ["z", "t", "u", "v", "q"]
        case .edaphic: ["swvl1", "swvl2", "stl1", "stl2"]
        case .climate:
            [
                "smlt", "tp", "csfr", "avg_sdswrf", "avg_snswrf", "avg_snlwrf", "avg_tprate", "avg_sdswrfcs", "sd",
                "t2m", "d2m",
            ]
        case .misc: ["avg_slhtf", "avg_pevr"]
        case .forest: ["Forest"]
        case .land: ["Land"]
        case .vegetation: ["NDVI"]
        case .agriculture: ["Agriculture", "Arable", "Cropland", "Agriculture_Irrigated"]
        case .redlist: ["RLI"]
        default: []
        }
    }

    private static func isValidCustomName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard name.hasSuffix("_variables"), bytes.count > "_variables".utf8.count, bytes.count <= 64,
            let first = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first)
        else { return false }
        return bytes.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_")
        }
    }

    /// Decodes a group by name (unchecked, like ``init(rawValue:)``).
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes the group's name.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
