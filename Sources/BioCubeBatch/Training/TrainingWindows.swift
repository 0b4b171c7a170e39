package import BioCubeCore

/// A store's windows as a training dataset reads them: the engine behind the C library
/// `BioCubeC` and the Python `biocube.torch.CubeDataset`.
///
/// Item `k` is the archive `biocube batches` writes for window ``windows``[k] with the same
/// options (`pt` for the monthly contract, `pt-daily` for the daily one): the same pickle
/// and the same storages, so `torch.load`'s result is rebuilt exactly. It is read without
/// Swift concurrency or libdispatch (``BatchSampler/readBatch(at:rows:columns:threads:)``),
/// so a process may fork between two reads; every read is independent, so one value may be
/// read from several threads at once.
package struct TrainingWindows: Sendable {
    /// The batch contract of the items.
    package enum Contract: String, Sendable, CaseIterable {
        /// bfm-model's monthly batches (`biocube batches --format pt`).
        case monthly
        /// The original 6-hourly contract (`biocube batches --format pt-daily`).
        case daily

        var format: BatchFormat { self == .monthly ? .pt : .ptDaily }
    }

    /// One storage of an item: its element type and size.
    package struct Storage: Sendable, Equatable {
        package var dtype: TorchArchive.DType
        package var byteCount: Int
        package init(dtype: TorchArchive.DType, byteCount: Int) {
            self.dtype = dtype
            self.byteCount = byteCount
        }
    }

    /// The windows' source.
    package let sampler: BatchSampler
    /// Builds an item's archive.
    let exporter: any TorchArchiveExporter
    /// NaN handling.
    package let missing: MissingValuePolicy
    /// Normalisation after the missing-value policy.
    package let normalisation: BatchNormalisation?
    /// The sampler's windows that are items, in order.
    package let windows: [Int]
    /// What setting up found worth knowing (for example taxonomy ranks the store lacks).
    package let problems: [Problem]

    /// The windows of the store at `storePath` under `contract`, set up as `biocube batches`
    /// does with the same options; `labels` is the daily contract's `label_mappings.json`
    /// to extend (nil: none, as a fresh export folder); `skipIncomplete` leaves out windows
    /// with an empty step in a selected variable.
    ///
    /// - Throws: `BioCubeError` naming the store (or the statistics or labels file) when it
    ///   cannot be opened, is not complete, does not fit the contract, or lacks a selected
    ///   variable, species or level.
    package init(
        storePath: String, contract: Contract, start: UTCDateTime? = nil, end: UTCDateTime? = nil,
        region: Region? = nil, changes: VariableSelection = VariableSelection(), missing: MissingValuePolicy? = nil,
        normalise: String? = nil, normaliseMode: Batch.NormalisationMode = .standardise, skipIncomplete: Bool = false,
        labels: String? = nil
    ) throws {
        guard FileIO.exists(storePath) else {
            throw BioCubeError(.notFound, "no store here", file: storePath)
        }
        if let labels, !FileIO.exists(labels) {
            throw BioCubeError(.notFound, "no label mappings file here", file: labels)
        }
        let setUp = try BatchExport.setUp(
            storePath: storePath, format: contract.format, labels: .file(labels), start: start, end: end,
            region: region, changes: changes, missing: missing, maxConcurrency: 1)
        guard let exporter = setUp.exporter as? any TorchArchiveExporter else {
            throw BioCubeError(.unsupported, "the \(contract.rawValue) contract does not write torch archives")
        }
        sampler = setUp.sampler
        self.exporter = exporter
        self.missing = setUp.missing
        problems = setUp.problems
        normalisation = try normalise.map {
            try BatchNormalisation(path: $0, mode: normaliseMode, pressureLevels: setUp.sampler.storeLevels)
        }
        let sampler = setUp.sampler
        windows = (0..<sampler.count).filter { !skipIncomplete || sampler.windowIsComplete($0) }
    }

    /// The storages every item of `height` × `width` cells has (all items of one dataset
    /// have the same), found by building the archive of a window of zeros: this also checks
    /// that the selection fits the contract and the statistics before any data is read.
    package func storages(height: Int, width: Int) throws -> [Storage] {
        let zeros = try sampler.placeholderBatch(height: height, width: width)
        return try archive(of: zeros).storages.map { Storage(dtype: $0.dtype, byteCount: $0.byteCount) }
    }

    /// Item `k`'s archive, cut to `rows` × `columns` of the grid (all by default).
    ///
    /// - Throws: `BioCubeError` when `k` or the part is out of range, or the store cannot be read.
    package func item(
        _ k: Int, rows: Range<Int>? = nil, columns: Range<Int>? = nil, threads: Int = 1
    ) throws
        -> TorchArchive
    {
        guard windows.indices.contains(k) else {
            throw BioCubeError(
                .invalidArgument, "item \(k) is outside the dataset's \(windows.count) windows", file: sampler.storePath
            )
        }
        return try archive(of: sampler.readBatch(at: windows[k], rows: rows, columns: columns, threads: threads))
    }

    private func archive(of batch: Batch) throws -> TorchArchive {
        var ready = try missing.apply(to: batch)
        if let normalisation { ready = try normalisation.apply(to: ready) }
        return try exporter.archive(for: ready)
    }
}
