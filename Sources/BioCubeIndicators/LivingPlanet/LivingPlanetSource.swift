public import BioCubeCore

/// Claims `*.parquet` files directly in an `LPI` folder (`biocube ingest lpi … --out BioCube/LPI/lpi_populations.parquet`).
public struct LivingPlanetSource: ModalitySource {
    /// A source of kind `living-planet`.
    public init() {}

    public var kind: SourceKind { "living-planet" }
    public var patterns: [String] { ["LPI/*.parquet"] }

    public func claims(relativePath path: String) -> Bool {
        let parts = path.lowercased().split(separator: "/")
        return parts.count >= 2 && parts[parts.count - 2] == "lpi" && parts[parts.count - 1].hasSuffix(".parquet")
    }

    public func open(_ file: SourceFile, context: SourceContext) async throws -> OpenedSource {
        let modality = try LivingPlanetModality(path: file.path, grid: context.grid)
        let steps = modality.years.count * 12
        let description = try context.describe(
            file,
            kind: kind,
            modality,
            first: modality.span?.0,
            last: modality.span?.1,
            stepCount: steps
        )
        return OpenedSource(modality: modality, description: description)
    }
}
