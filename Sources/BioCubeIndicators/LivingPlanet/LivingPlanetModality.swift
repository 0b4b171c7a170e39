public import BioCubeCore
import BioCubeParquet

/// The Living Planet Database table written by ``LivingPlanetIngest`` as a yearly modality in
/// the extra `lpi_variables` group: `LPI`, per cell and year, the mean over the cell's
/// populations of their relative abundance that year — each population's value divided by
/// the mean of its own values over all its years (populations whose mean is 0 are left out),
/// so 1 is a population's usual level, 0.5 half of it. Every month of a year carries the
/// year's plane; cells and years without a population are NaN.
///
/// Batches carry the group only when asked (`--variables +lpi_variables:*`); the default
/// export is unchanged.
public struct LivingPlanetModality: Modality {
    /// Per year, per cell (row-major on `grid`), the sum and number of relative abundances.
    let years: [Int: [Int: (sum: Double, count: Int)]]
    let grid: Grid
    let path: String

    public var name: String { "living-planet" }

    /// Reads the table at `path` onto `grid`.
    public init(path: String, grid: Grid) throws {
        self.path = path
        self.grid = grid
        let file = try ParquetFile(path: path)
        func column(_ name: String) throws -> ParquetColumnData { try file.read(column: name) }
        guard case .int64(let ids) = try column("population_id").values,
            case .double(let lat) = try column("cell_latitude").values,
            case .double(let lon) = try column("cell_longitude").values,
            case .int64(let year) = try column("year").values, case .double(let value) = try column("value").values
        else {
            throw BioCubeError(.corruptData, "not a Living Planet table (biocube ingest lpi writes one)", file: path)
        }
        var perPopulation: [Int64: (sum: Double, count: Int)] = [:]
        for i in ids.indices {
            perPopulation[ids[i], default: (0, 0)].sum += value[i]
            perPopulation[ids[i]]!.count += 1
        }
        var years: [Int: [Int: (sum: Double, count: Int)]] = [:]
        for i in ids.indices {
            let p = perPopulation[ids[i]]!
            let mean = p.sum / Double(p.count)
            guard mean > 0, let r = grid.latitude.index(of: lat[i]),
                let c = grid.longitude.index(of: grid.normalisedLongitude(lon[i]))
            else { continue }
            let k = r * grid.width + c
            years[Int(year[i]), default: [:]][k, default: (0, 0)].sum += value[i] / mean
            years[Int(year[i])]![k]!.count += 1
        }
        self.years = years
    }

    /// The first and last month of the years with values.
    var span: (UTCDateTime, UTCDateTime)? {
        guard let lo = years.keys.min(), let hi = years.keys.max(), let a = try? UTCDateTime(year: lo, month: 1),
            let b = try? UTCDateTime(year: hi, month: 12)
        else { return nil }
        return (a, b)
    }

    public func variables() throws -> [VariableDescriptor] {
        [VariableDescriptor(name: "LPI", groups: [.lpi], units: "1", longName: "Living Planet relative abundance")]
    }

    public func read(_ variable: VariableDescriptor, at step: UTCDateTime, onto grid: Grid) throws -> Tensor {
        guard variable.name == "LPI" else {
            throw BioCubeError(.notFound, "no variable '\(variable.name)' in the Living Planet table", file: path)
        }
        guard grid == self.grid else {
            throw BioCubeError(.invalidArgument, "the Living Planet table was read for another grid", file: path)
        }
        var plane = [Float](repeating: .nan, count: grid.cellCount)
        for (k, v) in years[step.year] ?? [:] { plane[k] = Float(v.sum / Double(v.count)) }
        return try Tensor(shape: [grid.height, grid.width], storage: plane)
    }
}
