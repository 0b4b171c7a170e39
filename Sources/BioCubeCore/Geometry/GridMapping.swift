/// How a source's latitude/longitude lattice maps onto a target ``Grid``, by coordinate
/// value: which source rows and columns feed which target cells. Wider sources are
/// cropped, flipped or shifted ones reordered; target cells the source does not cover
/// stay NaN. A source that is not on the target's lattice is refused.
///
/// The built-in ERA5 reader maps its files with it; a modality of your own whose files carry
/// latitude and longitude vectors can do the same:
///
/// ```swift
/// let mapping = try GridMapping(latitudes: lats, longitudes: lons, grid: grid, path: path)
/// // read rows mapping.sourceRows, columns mapping.sourceColumns of the file, then
/// let plane = try mapping.plane(from: block)  // grid.height × grid.width, NaN where uncovered
/// ```
public struct GridMapping: Hashable, Sendable {
    /// The source row range to read (the bounding box of the rows used).
    public let sourceRows: Range<Int>
    /// The source column range to read.
    public let sourceColumns: Range<Int>
    /// For each target row, the offset into `sourceRows`, or -1 when not covered.
    let rowMap: [Int32]
    /// For each target column, the offset into `sourceColumns`, or -1 when not covered.
    let columnMap: [Int32]
    /// The number of target cells the source does not cover.
    public let uncoveredCells: Int
    /// Runs of consecutive target columns fed by consecutive source columns.
    let columnRuns: [(target: Int, source: Int, length: Int)]

    /// Builds the mapping of a source lattice (`latitudes` and `longitudes` as stored, in any
    /// order and longitude convention) onto `grid`; `path` names the file in errors.
    ///
    /// - Throws: `.offGrid` when a coordinate inside the grid's bounds is not on its lattice
    ///   (no nearest-neighbour resampling is done), naming the file.
    public init(latitudes: [Double], longitudes: [Double], grid: Grid, path: String) throws {
        func build(
            _ values: [Double],
            _ axis: GridAxis,
            normalise: (Double) -> Double,
            _ what: String
        ) throws -> (Range<Int>, [Int32]) {
            var map = [Int32](repeating: -1, count: axis.count)
            var used: [Int] = []
            let bounds = axis.bounds
            let tol = axis.defaultTolerance
            for (i, raw) in values.enumerated() {
                let v = normalise(raw)
                guard v >= bounds.lowerBound - tol, v <= bounds.upperBound + tol else { continue }
                guard let t = axis.index(of: v) else {
                    throw BioCubeError(
                        .offGrid,
                        "\(what) \(raw) (index \(i)) is not on the target grid's \(abs(axis.step))° lattice (no nearest-neighbour resampling is done)",
                        file: path
                    )
                }
                if map[t] < 0 {
                    map[t] = Int32(i)
                    used.append(i)
                }
            }
            guard let lo = used.min(), let hi = used.max() else { return (0..<0, map) }
            return (lo..<(hi + 1), map.map { $0 < 0 ? -1 : $0 - Int32(lo) })
        }
        let (rows, rowMap) = try build(latitudes, grid.latitude, normalise: { $0 }, "latitude")
        let (cols, colMap) = try build(longitudes, grid.longitude, normalise: grid.normalisedLongitude, "longitude")
        guard !rows.isEmpty, !cols.isEmpty else {
            throw BioCubeError(
                .invalidArgument,
                "\(path): covers no cell of the target grid (latitudes \(latitudes.min() ?? .nan)…\(latitudes.max() ?? .nan), longitudes \(longitudes.min() ?? .nan)…\(longitudes.max() ?? .nan))"
            )
        }
        sourceRows = rows
        sourceColumns = cols
        self.rowMap = rowMap
        columnMap = colMap
        let coveredRows = rowMap.filter { $0 >= 0 }.count
        let coveredCols = colMap.filter { $0 >= 0 }.count
        uncoveredCells = grid.cellCount - coveredRows * coveredCols
        var runs: [(target: Int, source: Int, length: Int)] = []
        for (c, sc) in colMap.enumerated() where sc >= 0 {
            if let last = runs.last, last.target + last.length == c, last.source + last.length == Int(sc) {
                runs[runs.count - 1].length += 1
            } else {
                runs.append((c, Int(sc), 1))
            }
        }
        columnRuns = runs
    }

    public static func == (a: GridMapping, b: GridMapping) -> Bool {
        a.sourceRows == b.sourceRows && a.sourceColumns == b.sourceColumns && a.rowMap == b.rowMap
            && a.columnMap == b.columnMap
    }

    public func hash(into h: inout Hasher) {
        h.combine(sourceRows)
        h.combine(sourceColumns)
        h.combine(rowMap)
        h.combine(columnMap)
    }

    /// Copies a `sourceRows × sourceColumns` block into a target plane. With `onlyMissing`,
    /// only target cells that are still NaN are filled (expver merging).
    ///
    /// By default `source` is exactly the `sourceRows × sourceColumns` block; with `fullWidth`
    /// it holds whole source rows (`fullWidth` columns each) from source row `firstSourceRow`.
    /// `plane` must hold `grid.height × grid.width` values and `source` the block described.
    public func scatter(
        _ source: [Float],
        into plane: UnsafeMutableBufferPointer<Float>,
        onlyMissing: Bool,
        fullWidth: Int? = nil,
        firstSourceRow: Int = 0
    ) {
        let width = columnMap.count
        let srcWidth = fullWidth ?? sourceColumns.count
        let rowOrigin = fullWidth == nil ? 0 : sourceRows.lowerBound - firstSourceRow
        let columnOrigin = fullWidth == nil ? 0 : sourceColumns.lowerBound
        source.withUnsafeBufferPointer { src in
            for (r, sr) in rowMap.enumerated() where sr >= 0 {
                let srcRow = (Int(sr) + rowOrigin) * srcWidth + columnOrigin
                let dstRow = r * width
                for run in columnRuns {
                    if onlyMissing {
                        for k in 0..<run.length where plane[dstRow + run.target + k].isNaN {
                            plane[dstRow + run.target + k] = src[srcRow + run.source + k]
                        }
                    } else {
                        (plane.baseAddress! + dstRow + run.target)
                            .update(from: src.baseAddress! + srcRow + run.source, count: run.length)
                    }
                }
            }
        }
    }

    /// The target plane (`grid.height × grid.width`, row-major) of a `sourceRows ×
    /// sourceColumns` block, NaN where the source does not cover the grid.
    ///
    /// - Throws: `.invalidArgument` when the block does not hold `sourceRows.count ×
    ///   sourceColumns.count` values.
    public func plane(from block: [Float]) throws -> [Float] {
        guard block.count == sourceRows.count * sourceColumns.count else {
            throw BioCubeError(
                .invalidArgument,
                "GridMapping: the block holds \(block.count) values; the mapping reads \(sourceRows.count) rows × \(sourceColumns.count) columns"
            )
        }
        var out = [Float](repeating: .nan, count: rowMap.count * columnMap.count)
        out.withUnsafeMutableBufferPointer { scatter(block, into: $0, onlyMissing: false) }
        return out
    }
}
