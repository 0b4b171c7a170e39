public import BioCubeCore

extension BatchExport {
    /// An export of a store's windows in a named format, set up as `biocube batches` does.
    ///
    /// - `.pt`, `.safetensors`, `.zarr`: the store's recorded selection changed by `changes`;
    ///   missing values as `missing` says (``MissingValuePolicy/zero`` by default).
    /// - `.ptDaily` (the original 6-hourly contract): a 6-hourly store only; NaN kept (asking
    ///   for `.zero` is an error), the fourth agriculture channel added, levels 50/500/1000,
    ///   the top 100 species unless `changes` names species, and `label_mappings.json`
    ///   written into `directory` first. Taxonomy ranks the store lacks are reported in
    ///   ``problems`` (their label planes are zero).
    ///
    /// - Throws: `BioCubeError` naming the store when the format does not fit it, or when
    ///   the selection asks for what it does not hold.
    public init(
        storePath: String, format: BatchFormat, directory: String, start: UTCDateTime? = nil,
        end: UTCDateTime? = nil, region: Region? = nil, changes: VariableSelection = VariableSelection(),
        missing: MissingValuePolicy? = nil, maxConcurrency: Int = 2
    ) throws {
        var selection = try BatchSampler.recordedSelection(storePath: storePath).applying(changes)
        var policy = missing ?? .zero
        let exporter: any BatchExporter
        var problems: [Problem] = []
        switch format {
        case .pt: exporter = TorchExporter()
        case .safetensors: exporter = SafetensorsExporter(extraMetadata: ["missing": policy.rawValue])
        case .zarr: exporter = StoreSliceExporter()
        case .ptDaily:
            if let missing, missing != .nan {
                throw BioCubeError(
                    .invalidArgument,
                    "the pt-daily format keeps NaN (the daily contract); missing-value policy \(missing.rawValue) does not apply"
                )
            }
            policy = .nan
            if case .monthly = try CubeStore.open(at: storePath).timeAxis().cadence {
                throw BioCubeError(
                    .invalidArgument,
                    "a monthly store; the pt-daily format writes the 6-hourly contract (build with --cadence 6h --grid europe6h)",
                    file: storePath)
            }
            selection = selection.applying(
                VariableSelection(
                    added: [.init(.agriculture, "Agriculture_Irrigated")], levels: DailyTorchExporter.levels))
            if selection.species == nil { selection.species = .top(100) }
            let daily = try DailyBatches.prepare(store: storePath, out: directory)
            if !daily.exporter.missingRanks.isEmpty {
                problems.append(
                    Problem(
                        .warning, .missingTaxonomy, file: storePath,
                        message:
                            "no taxonomy for \(daily.exporter.missingRanks.joined(separator: ", ")): those label planes are zero"
                    ))
            }
            exporter = daily.exporter
        }
        let sampler = try BatchSampler(
            storePath: storePath, start: start, end: end, region: region, selection: selection,
            maxConcurrency: maxConcurrency)
        self.init(sampler: sampler, exporter: exporter, directory: directory, missing: policy)
        self.problems = problems
    }
}
