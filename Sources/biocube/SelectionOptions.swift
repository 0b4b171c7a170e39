import ArgumentParser
import BioCube

/// `--variables`, `--species` and `--levels`: changes to the selection a store records
/// (the published contract unless its build config said otherwise).
struct SelectionOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Add or drop variables: [+|-]GROUP:NAME,… (e.g. +agriculture:Agriculture_Irrigated,-surface:lsm; -GROUP:* drops a group).",
            valueName: "list"
        )
    )
    var variables: String?
    @Option(
        help: ArgumentHelp(
            "Species to keep: keys in order (1340361,5219173) or top:N by occurrences.",
            valueName: "keys|top:N"
        )
    )
    var species: String?
    @Option(help: ArgumentHelp("Pressure levels (hPa) to keep, in this order (e.g. 1000,850,500).", valueName: "list"))
    var levels: String?

    /// Whether any flag was given.
    var isEmpty: Bool { variables == nil && species == nil && levels == nil }

    /// The flags as a change to apply.
    func changes() throws -> VariableSelection {
        var s = try variables.map(VariableSelection.parsingVariables) ?? VariableSelection()
        if let species { s.species = try VariableSelection.parsingSpecies(species) }
        if let levels { s.levels = try VariableSelection.parsingLevels(levels) }
        return s
    }

    /// The store's recorded selection changed by the flags.
    func selection(for storePath: String) throws -> VariableSelection {
        try BatchSampler.recordedSelection(storePath: storePath).applying(changes())
    }
}
