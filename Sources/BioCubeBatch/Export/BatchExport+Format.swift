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
        storePath: String,
        format: BatchFormat,
        directory: String,
        start: UTCDateTime? = nil,
        end: UTCDateTime? = nil,
        region: Region? = nil,
        changes: VariableSelection = VariableSelection(),
        missing: MissingValuePolicy? = nil,
        maxConcurrency: Int = 2
    ) throws {
        let setUp = try Self.setUp(
            storePath: storePath,
            format: format,
            labels: .folder(directory),
            start: start,
            end: end,
            region: region,
            changes: changes,
            missing: missing,
            maxConcurrency: maxConcurrency
        )
        self.init(sampler: setUp.sampler, exporter: setUp.exporter, directory: directory, missing: setUp.missing)
        self.problems = setUp.problems
    }

    /// Where a daily export's label ids come from.
    package enum LabelSource {
        /// `label_mappings.json` in this export folder, extended and written back first.
        case folder(String)
        /// This file (nil: none), extended in memory only.
        case file(String?)
    }

    /// The sampler, exporter and missing-value policy of `format` for a store, with what
    /// setting them up found worth knowing (see the initialiser).
    package static func setUp(
        storePath: String,
        format: BatchFormat,
        labels: LabelSource,
        start: UTCDateTime?,
        end: UTCDateTime?,
        region: Region?,
        changes: VariableSelection,
        missing: MissingValuePolicy?,
        maxConcurrency: Int
    ) throws -> (sampler: BatchSampler, exporter: any BatchExporter, missing: MissingValuePolicy, problems: [Problem]) {
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
                    file: storePath
                )
            }
            selection = selection.applying(
                VariableSelection(
                    added: [.init(.agriculture, "Agriculture_Irrigated")],
                    levels: DailyTorchExporter.levels
                )
            )
            if selection.species == nil { selection.species = .top(100) }
            let daily: DailyTorchExporter
            switch labels {
            case .folder(let directory): daily = try DailyBatches.prepare(store: storePath, out: directory).exporter
            case .file(let path): daily = try DailyBatches.exporter(store: storePath, labels: path)
            }
            if !daily.missingRanks.isEmpty {
                problems.append(
                    Problem(
                        .warning,
                        .missingTaxonomy,
                        file: storePath,
                        message:
                            "no taxonomy for \(daily.missingRanks.joined(separator: ", ")): those label planes are zero"
                    )
                )
            }
            exporter = daily
        }
        let sampler = try BatchSampler(
            storePath: storePath,
            start: start,
            end: end,
            region: region,
            selection: selection,
            maxConcurrency: maxConcurrency
        )
        return (sampler, exporter, policy, problems)
    }
}
