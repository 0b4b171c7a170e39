import BioCubeCore

extension Batch {
    /// Breaches of the bfm-model batch contract (REFERENCE §6) that a well-formed ``Batch``
    /// can still have; empty when the batch is fine. (Shapes against the metadata are
    /// checked when a batch is made.)
    public var contractViolations: [String] {
        var out: [String] = []
        if metadata.timestamps.count != 2 { out.append("batch_metadata.timestamp has \(metadata.timestamps.count) entries, expected 2") }
        if metadata.timestamps.count == 2 && !(metadata.timestamps[0] < metadata.timestamps[1]) {
            out.append("timestamps \(metadata.timestampStrings) are not increasing")
        }
        let species = self[.species].map(\.name)
        switch (metadata.speciesList, species.isEmpty) {
        case (nil, false): out.append("species_list is None but species_variables holds \(species.count) tensors")
        case (let list?, _) where list != species:
            out.append("species_list (\(list.count) keys) does not match the species_variables tensors (\(species.count)): first difference at position \(Array(zip(list, species)).firstIndex { $0.0 != $0.1 } ?? min(list.count, species.count))")
        default: break
        }
        let hasLevels = allVariables.contains { $0.variable.tensor.shape.count == 4 }
        if hasLevels && metadata.pressureLevels == nil { out.append("level tensors present but pressure_levels is None") }
        if let l = metadata.pressureLevels, Set(l).count != l.count { out.append("pressure_levels repeat a level: \(l)") }
        for (name, values) in [("latitudes", metadata.latitudes), ("longitudes", metadata.longitudes)] {
            if zip(values, values.dropFirst()).contains(where: { $0 == $1 }) { out.append("\(name) repeat a coordinate") }
        }
        return out
    }
}
