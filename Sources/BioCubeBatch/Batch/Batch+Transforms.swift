public import BioCubeCore

extension Batch {
    /// How ``normalised(with:mode:)`` scales values.
    public enum NormalisationMode: String, Sendable, CaseIterable {
        /// `(x − min) / (max − min)`.
        case minMax
        /// `(x − mean) / std`.
        case standardise
    }

    /// The batch restricted to the cells inside `region` (bounds inclusive), by the same rule
    /// that cuts a store's grid (`Region.indexRanges(on:)`): a region's longitudes are moved
    /// into the batch's convention first, so `BatchSampler(region:)` and this agree.
    public func sliced(to region: Region) throws -> Batch {
        func tolerance(_ values: [Double]) -> Double { values.count > 1 ? abs(values[1] - values[0]) / 1000 : 1e-9 }
        let (rows, cols) = try region.indexRanges(
            latitudes: metadata.latitudes,
            longitudes: metadata.longitudes,
            tolerance: (tolerance(metadata.latitudes), tolerance(metadata.longitudes))
        )
        return try cropping(rows: rows, columns: cols)
    }

    /// The batch cut to `H − H mod patch` rows and `W − W mod patch` columns (the first rows
    /// and columns are kept), so a vision transformer's patches tile it exactly.
    public func cropped(toMultipleOf patch: Int) throws -> Batch {
        guard patch > 0 else { throw BioCubeError(.invalidArgument, "patch size \(patch) must be positive") }
        let h = metadata.latitudes.count
        let w = metadata.longitudes.count
        guard h >= patch, w >= patch else {
            throw BioCubeError(.invalidArgument, "a \(h)×\(w) batch is smaller than one \(patch)×\(patch) patch")
        }
        return try cropping(rows: 0..<(h - h % patch), columns: 0..<(w - w % patch))
    }

    func cropping(rows: Range<Int>, columns: Range<Int>) throws -> Batch {
        var m = metadata
        m.latitudes = Array(metadata.latitudes[rows])
        m.longitudes = Array(metadata.longitudes[columns])
        let h = metadata.latitudes.count
        let w = metadata.longitudes.count
        return try mapping(metadata: m) { _, _, t in
            let planes = t.count / (h * w)
            var out = [Float]()
            out.reserveCapacity(planes * rows.count * columns.count)
            t.storage.withUnsafeBufferPointer { src in
                for p in 0..<planes {
                    for r in rows {
                        let base = (p * h + r) * w
                        out.append(contentsOf: src[(base + columns.lowerBound)..<(base + columns.upperBound)])
                    }
                }
            }
            return try Tensor(shape: Array(t.shape.dropLast(2)) + [rows.count, columns.count], storage: out)
        }
    }

    /// The batch with only the given pressure levels (hPa), in that order, on the
    /// `(2, L, H, W)` tensors.
    public func selectingLevels(_ levels: [Double]) throws -> Batch {
        guard let have = metadata.pressureLevels else {
            throw BioCubeError(.invalidArgument, "the batch has no pressure levels to select from")
        }
        let index = try levels.map { l in
            guard let i = have.firstIndex(where: { abs($0 - l) < 1e-6 }) else {
                throw BioCubeError(
                    .invalidArgument,
                    "pressure level \(l) hPa is not in the batch (levels: \(have.map { "\(Int($0))" }.joined(separator: ", ")))"
                )
            }
            return i
        }
        var m = metadata
        m.pressureLevels = levels
        let plane = metadata.latitudes.count * metadata.longitudes.count
        return try mapping(metadata: m) { _, _, t in
            guard t.shape.count == 4 else { return t }
            var out = [Float]()
            out.reserveCapacity(2 * index.count * plane)
            t.storage.withUnsafeBufferPointer { src in
                for s in 0..<2 {
                    for l in index {
                        out.append(contentsOf: src[((s * have.count + l) * plane)..<((s * have.count + l + 1) * plane)])
                    }
                }
            }
            return try Tensor(shape: [2, index.count, t.shape[2], t.shape[3]], storage: out)
        }
    }

    /// The batch with every value scaled by its variable's statistics (per level for
    /// `(2, L, H, W)` tensors, matched by pressure value: the batch may hold any subset of
    /// the statistics' levels in any order; a level the statistics lack is refused). A zero range or standard deviation scales by 1; NaN stays NaN.
    /// ``denormalised(with:mode:)`` is the exact inverse (up to float rounding).
    public func normalised(with statistics: NormalisationStatistics, mode: NormalisationMode) throws -> Batch {
        try scaled(statistics, mode, inverse: false)
    }

    /// Undoes ``normalised(with:mode:)``.
    public func denormalised(with statistics: NormalisationStatistics, mode: NormalisationMode) throws -> Batch {
        try scaled(statistics, mode, inverse: true)
    }

    private func scaled(_ statistics: NormalisationStatistics, _ mode: NormalisationMode, inverse: Bool) throws -> Batch
    {
        let plane = metadata.latitudes.count * metadata.longitudes.count
        return try mapping(metadata: metadata) { group, name, t in
            var out = t
            try out.withUnsafeMutableBufferPointer { p in
                try Self.scale(
                    p,
                    group: group,
                    name: name,
                    shape: t.shape,
                    plane: plane,
                    pressureLevels: metadata.pressureLevels,
                    statistics: statistics,
                    mode: mode,
                    inverse: inverse
                )
            }
            return out
        }
    }

    /// Normalises (or with `inverse`, denormalises) the values of one `(2, H, W)` or
    /// `(2, L, H, W)` tensor in place (`plane` = H × W; `pressureLevels` say which levels
    /// the L planes are): the rule of ``normalised(with:mode:)``, for callers that hold the
    /// values in a buffer of their own.
    package static func scale(
        _ p: UnsafeMutableBufferPointer<Float>,
        group: VariableGroup,
        name: String,
        shape: [Int],
        plane: Int,
        pressureLevels: [Double]?,
        statistics: NormalisationStatistics,
        mode: NormalisationMode,
        inverse: Bool
    ) throws {
        let e = try statistics.entry(group, name)
        let levels = shape.count == 4 ? shape[1] : 1
        // Statistics list entry of each tensor level, matched by pressure value.
        let entryIndex: [Int]
        if shape.count == 4 {
            guard let batchLevels = pressureLevels, batchLevels.count == levels else {
                throw BioCubeError(
                    .invalidArgument,
                    "\(group.rawValue)/\(name): the batch does not say which pressure levels its \(levels) planes are"
                )
            }
            entryIndex = try e.indices(of: batchLevels, context: "\(group.rawValue)/\(name)")
        } else {
            guard e.mean.count == 1 else {
                throw BioCubeError(
                    .invalidArgument,
                    "statistics of \(group.rawValue)/\(name) have \(e.mean.count) levels, the tensor none"
                )
            }
            entryIndex = [0]
        }
        for s in 0..<2 {
            for (l, k) in entryIndex.enumerated() {
                let (offset, scale): (Double, Double)
                switch mode {
                case .minMax:
                    let lo = e.min[k] ?? 0
                    let hi = e.max[k] ?? lo
                    (offset, scale) = (lo, hi > lo ? hi - lo : 1)
                case .standardise:
                    (offset, scale) = (e.mean[k], e.std[k] > 0 ? e.std[k] : 1)
                }
                let base = (s * levels + l) * plane
                for i in base..<(base + plane) {
                    let x = Double(p[i])
                    p[i] = Float(inverse ? x * scale + offset : (x - offset) / scale)
                }
            }
        }
    }

    /// The batch with NaN replaced by `value` in the given groups.
    public func fillingMissing(with value: Float, in groups: Set<VariableGroup>) throws -> Batch {
        try mapping(metadata: metadata) { group, _, t in
            guard groups.contains(group) else { return t }
            var out = t
            out.withUnsafeMutableBufferPointer { p in for i in p.indices where p[i].isNaN { p[i] = value } }
            return out
        }
    }
}
