/// The variable groups of a BioCube batch: the twelve bfm-model expects, in its order
/// (`isPublished`), then the optional extra groups `species_media` and `lpi_variables`,
/// which batches carry only when they are asked for (they are not part of the published
/// contract).
public enum VariableGroup: String, CaseIterable, Hashable, Sendable, Codable {
    case surface = "surface_variables"
    case single = "single_variables"
    case atmospheric = "atmospheric_variables"
    case edaphic = "edaphic_variables"
    case climate = "climate_variables"
    case misc = "misc_variables"
    case forest = "forest_variables"
    case land = "land_variables"
    case vegetation = "vegetation_variables"
    case agriculture = "agriculture_variables"
    case redlist = "redlist_variables"
    case species = "species_variables"
    /// Species media observations per cell and step (counts and dataset row indices),
    /// from the species media dataset; carried only when selected.
    case speciesMedia = "species_media"
    /// The Living Planet Index per cell and year, from the Living Planet Database; carried
    /// only when selected.
    case lpi = "lpi_variables"

    /// The twelve groups of the published batch contract, in bfm-model's order.
    package static let published: [VariableGroup] = allCases.filter(\.isPublished)

    /// Whether the group belongs to the published contract (every batch carries it, possibly
    /// empty); false for the optional extra group.
    public var isPublished: Bool { self != .speciesMedia && self != .lpi }

    /// The published variable order of each group (Documentation/Reference.md §5); the model stacks
    /// variables in this order. Species are ordered by key at run time.
    public var publishedVariables: [String] {
        switch self {
        case .surface: ["slt", "z", "msl", "u10", "v10", "t2m", "lsm"]
        case .single: []
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
        case .species, .speciesMedia, .lpi: []
        }
    }
}
