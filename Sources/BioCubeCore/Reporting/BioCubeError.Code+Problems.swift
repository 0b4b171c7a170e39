extension BioCubeError.Code {
    // The codes of problems (``Problem``) that scans and builds work around; the codes both
    // errors and problems use (`offGrid`, `conflictingSources`) are with the error codes.

    /// Recorded before problems had codes (an older catalog), or not classified.
    public static let unspecified = BioCubeError.Code(rawValue: "unspecified")
    /// Rows repeating a grid cell: one wins (the rule is in the message).
    public static let duplicateRows = BioCubeError.Code(rawValue: "duplicate-rows")
    /// Rows skipped for missing or unusable values.
    public static let skippedRows = BioCubeError.Code(rawValue: "skipped-rows")
    /// Names (countries, species) that match nothing known.
    public static let unmatchedNames = BioCubeError.Code(rawValue: "unmatched-names")
    /// Table columns that are neither coordinates nor values: ignored.
    public static let ignoredColumns = BioCubeError.Code(rawValue: "ignored-columns")
    /// A variable in no batch group: exported in `misc_variables`.
    public static let ungroupedVariable = BioCubeError.Code(rawValue: "ungrouped-variable")
    /// A variable that cannot be read at all: skipped.
    public static let skippedVariable = BioCubeError.Code(rawValue: "skipped-variable")
    /// Steps without data (no time slice, no year column, months missing): NaN there.
    public static let missingSteps = BioCubeError.Code(rawValue: "missing-steps")
    /// Several time slices fall into one step: the first is used.
    public static let multipleSlices = BioCubeError.Code(rawValue: "multiple-slices")
    /// A source covers only part of the grid: the rest is NaN.
    public static let partialCoverage = BioCubeError.Code(rawValue: "partial-coverage")
    /// A species (or other key) with no rows: its planes are NaN.
    public static let noRows = BioCubeError.Code(rawValue: "no-rows")
    /// A variable several sources provide, resolved by a rule (prefer, identical, per group).
    public static let providedTwice = BioCubeError.Code(rawValue: "provided-twice")
    /// A file that cannot be read: left out.
    public static let unreadableSource = BioCubeError.Code(rawValue: "unreadable-source")
    /// A folder with no sources.
    public static let noSources = BioCubeError.Code(rawValue: "no-sources")
    /// A source that changed since the catalog was written.
    public static let changedSource = BioCubeError.Code(rawValue: "changed-source")
    /// A variable read the slow way (through the library, under its lock).
    public static let slowRead = BioCubeError.Code(rawValue: "slow-read")
    /// Values beyond float32's range (or infinities) in a source, stored as missing.
    public static let valueOutOfRange = BioCubeError.Code(rawValue: "value-out-of-range")
    /// A store lacks the species taxonomy ranks a format needs (their planes are zero).
    public static let missingTaxonomy = BioCubeError.Code(rawValue: "missing-taxonomy")
    /// A table's last row has no line end: the file may have been cut mid-row.
    public static let unterminatedLastRow = BioCubeError.Code(rawValue: "unterminated-last-row")
}
