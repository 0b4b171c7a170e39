@_exported import BioCubeBatch
@_exported import BioCubeBuild
@_exported import BioCubeCore
@_exported import BioCubeERA5
@_exported import BioCubeIndicators
@_exported import BioCubeMedia
@_exported import BioCubeSpecies
@_exported import BioCubeTransfer

/// The modality sources of the published BioCube layout: ERA5 NetCDF, indicator CSVs and
/// the species occurrence table, plus the species media dataset (`Media/*.parquet`) and the
/// Living Planet table (`LPI/*.parquet`). Pass them — with your own — to `SourceScanner` and
/// `CubeBuilder`:
///
/// ```swift
/// let builder = try await CubeBuilder.prepare(root: "BioCube", options: options,
///                                            sources: BuiltinSources.all + [ElevationSource()])
/// ```
public enum BuiltinSources {
    /// ERA5, indicators, species, species media and the Living Planet table, in claiming order.
    public static var all: [any ModalitySource] {
        [ERA5Source(), IndicatorSource(), SpeciesSource(), SpeciesMediaSource(), LivingPlanetSource()]
    }
}

extension SourceScanner {
    /// A scanner that knows the built-in sources.
    public init(gridName: String = "europe025", cadence: Cadence = .monthly, config: BuildConfig = .published) throws {
        try self.init(gridName: gridName, cadence: cadence, config: config, sources: BuiltinSources.all)
    }
}

extension CubeBuilder {
    /// Scans `root` with the built-in sources and prepares a build.
    public static func prepare(root: String, options: BuildOptions) async throws -> CubeBuilder {
        try await prepare(root: root, options: options, sources: BuiltinSources.all)
    }

    /// Prepares a build from a catalog whose sources are of the built-in kinds.
    public static func prepare(catalog: Catalog, options: BuildOptions) async throws -> CubeBuilder {
        try await prepare(catalog: catalog, options: options, sources: BuiltinSources.all)
    }
}
