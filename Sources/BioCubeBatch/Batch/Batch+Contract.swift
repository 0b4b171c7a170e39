import BioCubeCore

extension Batch {
    /// Breaches of the bfm-model batch contract (Documentation/Reference.md §6) that a well-formed ``Batch``
    /// can still have; empty when the batch is fine. (Shapes against the metadata are
    /// checked when a batch is made.)
    public var contractViolations: [String] {
        var out: [String] = []
        if metadata.timestamps.count != 2 {
            out.append("batch_metadata.timestamp has \(metadata.timestamps.count) entries, expected 2")
        }
        if metadata.timestamps.count == 2 && !(metadata.timestamps[0] < metadata.timestamps[1]) {
            out.append("timestamps \(metadata.timestampStrings) are not increasing")
        }
        let species = self[.species].map(\.name)
        switch (metadata.speciesList, species.isEmpty) {
        case (nil, false): out.append("species_list is None but species_variables holds \(species.count) tensors")
        case (let list?, _) where list != species:
            out.append(
                "species_list (\(list.count) keys) does not match the species_variables tensors (\(species.count)): first difference at position \(Array(zip(list, species)).firstIndex { $0.0 != $0.1 } ?? min(list.count, species.count))"
            )
        default: break
        }
        let hasLevels = allVariables.contains { $0.variable.tensor.shape.count == 4 }
        if hasLevels && metadata.pressureLevels == nil {
            out.append("level tensors present but pressure_levels is None")
        }
        if let l = metadata.pressureLevels, Set(l).count != l.count {
            out.append("pressure_levels repeat a level: \(l)")
        }
        for (name, values) in [("latitudes", metadata.latitudes), ("longitudes", metadata.longitudes)] {
            if zip(values, values.dropFirst()).contains(where: { $0 == $1 }) {
                out.append("\(name) repeat a coordinate")
            }
        }
        return out
    }
}

extension Batch {
    /// Where the batch differs from what `selection` asks for (empty when it matches): added
    /// variables present, dropped and by-default-left-out ones absent, published variables in
    /// the published order, the chosen species (or count) and levels in the chosen order.
    public func selectionViolations(_ selection: VariableSelection) -> [String] {
        var out: [String] = []
        for m in selection.added where tensor(m.group, m.name) == nil { out.append("\(m) is selected but missing") }
        for m in selection.dropped {
            if m.name == "*" {
                if !self[m.group].isEmpty {
                    out.append("\(m.group.rawValue) is dropped but holds \(self[m.group].count) variables")
                }
            } else if tensor(m.group, m.name) != nil {
                out.append("\(m) is dropped but present")
            }
        }
        for m in VariableSelection.leftOutByDefault where !selection.added.contains(m) && tensor(m.group, m.name) != nil
        {
            out.append("\(m) is not in the selection (add it with +\(m)) but present")
        }
        for (group, variables) in groups {
            let published = variables.map(\.name).compactMap { group.publishedVariables.firstIndex(of: $0) }
            if published != published.sorted() {
                out.append(
                    "\(group.rawValue) is not in the published order (\(group.publishedVariables.joined(separator: ", ")))"
                )
            }
        }
        let species = self[.species].map(\.name)
        switch selection.species {
        case .keys(let keys)? where keys != species:
            out.append("species are \(species.prefix(5))…, the selection lists \(keys.prefix(5))…")
        case .top(let n)? where species.count > n:
            out.append("\(species.count) species, the selection keeps the top \(n)")
        default: break
        }
        if let levels = selection.levels, metadata.pressureLevels != levels {
            out.append(
                "pressure levels are \(metadata.pressureLevels.map { "\($0)" } ?? "none"), the selection asks for \(levels)"
            )
        }
        return out
    }
}
