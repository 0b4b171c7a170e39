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
        storePath: String,
        contract: Contract,
        start: UTCDateTime? = nil,
        end: UTCDateTime? = nil,
        region: Region? = nil,
        changes: VariableSelection = VariableSelection(),
        missing: MissingValuePolicy? = nil,
        normalise: String? = nil,
        normaliseMode: Batch.NormalisationMode = .standardise,
        skipIncomplete: Bool = false,
        labels: String? = nil
    ) throws {
        guard FileIO.exists(storePath) else {
            throw BioCubeError(.notFound, "no store here", file: storePath)
        }
        if let labels, !FileIO.exists(labels) {
            throw BioCubeError(.notFound, "no label mappings file here", file: labels)
        }
        let setUp = try BatchExport.setUp(
            storePath: storePath,
            format: contract.format,
            labels: .file(labels),
            start: start,
            end: end,
            region: region,
            changes: changes,
            missing: missing,
            maxConcurrency: 1
        )
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

    /// What every item of `height` × `width` cells looks like: its storages, and what
    /// reading one needs. Found by building the archive of a window of zeros, which also
    /// checks that the selection fits the contract and the statistics before data is read.
    package struct Layout: Sendable {
        /// The storages of every item, in persistent-id order.
        package let storages: [Storage]
        let height: Int, width: Int
        /// Zeros of each variable's size (one shared array per size): the values of the
        /// batch whose archive gives an item's pickle on the direct path.
        let zeros: [[Float]]
        /// Whether the storages are the members' float32 values in order (the monthly
        /// contract): then they are decoded straight into the caller's buffers.
        let direct: Bool
        /// The decoders, kept between reads.
        let readers = ChunkReaderPool()
    }

    /// The layout of items of `height` × `width` cells (the grid, or a chip of it).
    package func layout(height: Int, width: Int) throws -> Layout {
        let zeros = try sampler.placeholderZeros(height: height, width: width)
        let placeholder = try sampler.assemble(
            0,
            zeros,
            on: sampler.grid.subgrid(latitudes: 0..<height, longitudes: 0..<width)
        )
        let storages = try archive(of: placeholder).storages.map {
            Storage(dtype: $0.dtype, byteCount: $0.byteCount)
        }
        let direct =
            exporter is TorchExporter && storages.count == sampler.members.count
            && storages.allSatisfy { $0.dtype == .float32 }
        return Layout(storages: storages, height: height, width: width, zeros: zeros, direct: direct)
    }

    /// Reads item `k` (cut to the `layout`-sized part whose top-left cell is `origin`, when
    /// the layout is smaller than the grid) into the caller's buffers, one per storage of
    /// `layout`, and returns the item's pickle (what `archive/data.pkl` holds).
    ///
    /// - Throws: `BioCubeError` when `k`, the part or a buffer is out of range, or the store
    ///   cannot be read.
    package func read(
        _ k: Int,
        origin: (row: Int, column: Int) = (0, 0),
        layout: Layout,
        threads: Int = 1,
        into buffers: [UnsafeMutableRawBufferPointer]
    ) throws -> [UInt8] {
        guard windows.indices.contains(k) else {
            throw BioCubeError(
                .invalidArgument,
                "item \(k) is outside the dataset's \(windows.count) windows",
                file: sampler.storePath
            )
        }
        guard buffers.count == layout.storages.count else {
            throw BioCubeError(
                .invalidArgument,
                "\(buffers.count) buffers given, an item has \(layout.storages.count) storages",
                file: sampler.storePath
            )
        }
        for (i, (buffer, storage)) in zip(buffers, layout.storages).enumerated() where buffer.count != storage.byteCount
        {
            throw BioCubeError(
                .invalidArgument,
                "buffer \(i) holds \(buffer.count) bytes, its storage \(storage.byteCount)",
                file: sampler.storePath
            )
        }
        let window = windows[k]
        let rows = origin.row..<(origin.row + layout.height)
        let columns = origin.column..<(origin.column + layout.width)
        if !layout.direct {
            var archive = try self.archive(
                of: sampler.readBatch(at: window, rows: rows, columns: columns, threads: threads)
            )
            guard archive.storages.map({ Storage(dtype: $0.dtype, byteCount: $0.byteCount) }) == layout.storages else {
                throw BioCubeError(
                    .invalidMetadata,
                    "item \(k) does not have the dataset's storages (the store changed while open?)",
                    file: sampler.storePath
                )
            }
            for (payload, buffer) in zip(archive.storages, buffers) {
                payload.withUnsafeBytes { bytes in
                    if let base = bytes.baseAddress, let target = buffer.baseAddress, bytes.count > 0 {
                        target.copyMemory(from: base, byteCount: bytes.count)
                    }
                }
            }
            return archive.finishedPickle()
        }
        // The direct path: the pickle from a batch of zeros with this window's metadata, the
        // values decoded into the caller's buffers and finished there.
        let part = try sampler.part(window: window, rows: rows, columns: columns)
        var archive = try exporter.archive(for: sampler.assemble(window, layout.zeros, on: part.grid))
        let pickle = archive.finishedPickle()
        let sampler = self.sampler
        let missing = self.missing
        let normalisation = self.normalisation
        let plane = layout.height * layout.width
        let levels = sampler.pressureLevels
        try sampler.readMembers(
            at: window,
            rows: rows,
            columns: columns,
            threads: threads,
            into: buffers.map {
                UnsafeMutableBufferPointer(
                    start: $0.baseAddress!.assumingMemoryBound(to: Float.self),
                    count: $0.count / 4
                )
            },
            readers: layout.readers
        ) { m, p in
            let member = sampler.members[m]
            if missing == .zero && MissingValuePolicy.zeroFilledGroups.contains(member.group) {
                for i in p.indices where p[i].isNaN { p[i] = 0 }
            }
            if let normalisation {
                let variable = sampler.variables[member.variable]
                let shape =
                    variable.levels != nil
                    ? [2, p.count / (2 * plane), layout.height, layout.width] : [2, layout.height, layout.width]
                try normalisation.apply(
                    to: p,
                    group: member.group,
                    name: variable.name,
                    shape: shape,
                    plane: plane,
                    pressureLevels: levels
                )
            }
        }
        return pickle
    }

    private func archive(of batch: Batch) throws -> TorchArchive {
        var ready = try missing.apply(to: batch)
        if let normalisation { ready = try normalisation.apply(to: ready) }
        return try exporter.archive(for: ready)
    }
}
