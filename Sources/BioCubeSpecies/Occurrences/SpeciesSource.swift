public import BioCubeCore

/// The GBIF species occurrence table as a `ModalitySource`: claims `*.parquet` files
/// directly inside a `Species` folder.
public struct SpeciesSource: ModalitySource {
    /// A source of kind `species`.
    public init() {}

    public var kind: SourceKind { .species }
    public var patterns: [String] { ["Species/*.parquet"] }

    public func claims(relativePath path: String) -> Bool {
        let parts = path.lowercased().split(separator: "/")
        return parts.count >= 2 && parts[parts.count - 2] == "species" && parts[parts.count - 1].hasSuffix(".parquet")
    }

    /// Reads the table once and reports rows that fall off the grid.
    public func open(_ file: SourceFile, context: SourceContext) async throws -> OpenedSource {
        let modality = try SpeciesModality(
            path: file.path,
            cadence: context.cadence,
            problems: context.problems,
            maxConcurrency: context.maxConcurrency
        )
        var description = try context.describe(
            file,
            kind: kind,
            modality,
            first: modality.stepRange?.lowerBound,
            last: modality.stepRange?.upperBound,
            stepCount: modality.stepCount
        )
        description.spacing = 0.25
        modality.offGridRows(on: context.grid)
        return OpenedSource(modality: modality, description: description)
    }
}
