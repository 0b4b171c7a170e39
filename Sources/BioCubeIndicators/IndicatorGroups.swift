package import BioCubeCore

/// The batch group of an indicator variable (Documentation/Reference.md §5): `Forest` → forest, `Land` →
/// land, `NDVI` → vegetation, `RLI` → red list, the agriculture family → agriculture.
/// Unknown indicators are `nil`: the caller decides (and reports) where they go.
package func indicatorGroup(for variable: String) -> VariableGroup? {
    switch variable {
    case "Forest": .forest
    case "Land": .land
    case "NDVI": .vegetation
    case "RLI": .redlist
    case "Agriculture", "Agriculture_Irrigated", "Arable", "Cropland": .agriculture
    default: nil
    }
}
