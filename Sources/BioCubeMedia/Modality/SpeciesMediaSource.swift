public import BioCubeCore

/// The species media dataset as a `ModalitySource`: claims `*.parquet` files directly in
/// a `Media` folder (`Media/species_media.parquet`, written by `biocube species-dataset`).
public struct SpeciesMediaSource: ModalitySource {
    /// A source of kind `species-media`.
    public init() {}

    public var kind: SourceKind { "species-media" }
    public var patterns: [String] { ["Media/*.parquet"] }

    public func claims(relativePath path: String) -> Bool {
        let parts = path.lowercased().split(separator: "/")
        return parts.count >= 2 && parts[parts.count - 2] == "media" && parts[parts.count - 1].hasSuffix(".parquet")
    }

    public func open(_ file: SourceFile, context: SourceContext) async throws -> OpenedSource {
        let modality = try SpeciesMediaModality(path: file.path, cadence: context.cadence)
        let description = try context.describe(
            file,
            kind: kind,
            modality,
            first: modality.stepRange?.lowerBound,
            last: modality.stepRange?.upperBound,
            stepCount: modality.stepCount
        )
        return OpenedSource(modality: modality, description: description)
    }
}
