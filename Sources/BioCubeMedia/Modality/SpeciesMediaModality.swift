public import BioCubeCore
import BioCubeParquet

/// The species media dataset (``SpeciesMediaDataset``) as a modality in the extra
/// `species_media` group: per step and cell (the cell of the observation's nearest grid
/// point; observations off the grid are left out), how many photos, recordings and sequences were
/// observed there (`image_count`, `sound_count`, `edna_count`; 0 where none), and the
/// dataset row of the first of them (`image_first_row`, …; NaN where none), so a batch
/// can find its media: rows are `pyarrow.parquet.read_table(path).slice(row, 1)`.
///
/// Descriptions have no place or time and are not in any plane. Only kinds the dataset
/// holds become variables. Batches carry the group only when asked
/// (`biocube batches … --variables +species_media:*`); the default export is unchanged.
///
/// ```swift
/// let media = try SpeciesMediaModality(path: "Media/species_media.parquet", cadence: .monthly)
/// let counts = try media.read(media.variables()[0], at: UTCDateTime(year: 2015, month: 5), onto: .europe025)
/// ```
public struct SpeciesMediaModality: Modality {
    /// The kinds placed on the grid.
    static let kinds: [MediaKind] = [.image, .sound, .edna]

    /// One located, dated observation.
    struct Observation: Sendable {
        let row: Int
        let latitude: Double
        let longitude: Double
    }

    /// The dataset file.
    let path: String
    /// The cadence steps are counted in.
    let cadence: Cadence
    /// Per kind, per step, the observations.
    let byStep: [MediaKind: [UTCDateTime: [Observation]]]
    /// The first and last step with an observation.
    let stepRange: ClosedRange<UTCDateTime>?

    public var name: String { "species-media" }

    /// Reads the dataset's place and time columns.
    public init(path: String, cadence: Cadence) throws {
        self.path = path
        self.cadence = cadence
        let file = try ParquetFile(path: path)
        guard file.rowCount < 1 << 24 else {
            throw BioCubeError(
                .unsupported,
                "\(file.rowCount) rows: row indices above 16 777 216 do not fit the float32 planes; split the dataset",
                file: path
            )
        }
        let modality = try file.read(column: "modality").strings
        let latitude = try file.read(column: "latitude")
        let longitude = try file.read(column: "longitude")
        let time = try file.read(column: "timestamp")
        guard case .double(let lat) = latitude.values, case .double(let lon) = longitude.values,
            case .int64(let micros) = time.values
        else {
            throw BioCubeError(
                .corruptData,
                "latitude, longitude or timestamp has the wrong type (not a species media dataset?)",
                file: path
            )
        }
        var byStep: [MediaKind: [UTCDateTime: [Observation]]] = [:]
        var lo: UTCDateTime?
        var hi: UTCDateTime?
        for i in 0..<file.rowCount {
            guard let kindName = modality[i], let kind = MediaKind(rawValue: kindName), Self.kinds.contains(kind),
                latitude.isValid(i), longitude.isValid(i), time.isValid(i)
            else { continue }
            let seconds = micros[i] >= 0 ? micros[i] / 1_000_000 : (micros[i] - 999_999) / 1_000_000
            let step = cadence.step(containing: UTCDateTime(secondsSince1970: seconds))
            byStep[kind, default: [:]][step, default: []].append(
                Observation(row: i, latitude: lat[i], longitude: lon[i])
            )
            lo = min(lo ?? step, step)
            hi = max(hi ?? step, step)
        }
        self.byStep = byStep
        stepRange = lo.flatMap { l in hi.map { l...$0 } }
    }

    /// The steps with at least one observation.
    var stepCount: Int { Set(byStep.values.flatMap(\.keys)).count }

    public func variables() throws -> [VariableDescriptor] {
        Self.kinds.filter { byStep[$0] != nil }.flatMap { kind in
            [
                VariableDescriptor(
                    name: "\(kind.rawValue)_count",
                    groups: [.speciesMedia],
                    units: "observations",
                    longName: "\(kind.rawValue) observations in the cell"
                ),
                VariableDescriptor(
                    name: "\(kind.rawValue)_first_row",
                    groups: [.speciesMedia],
                    units: "row",
                    longName: "dataset row of the cell's first \(kind.rawValue) observation"
                ),
            ]
        }
    }

    public func read(_ variable: VariableDescriptor, at step: UTCDateTime, onto grid: Grid) throws -> Tensor {
        let parts = variable.name.split(separator: "_", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = MediaKind(rawValue: parts[0]), parts[1] == "count" || parts[1] == "first_row"
        else {
            throw BioCubeError(.notFound, "no variable '\(variable.name)' in the species media dataset", file: path)
        }
        let counting = parts[1] == "count"
        var plane = [Float](repeating: counting ? 0 : .nan, count: grid.cellCount)
        for o in byStep[kind]?[step] ?? [] {
            // Observations lie anywhere: each counts in the cell of its nearest grid point.
            guard let r = grid.latitude.index(of: o.latitude, tolerance: abs(grid.latitude.step) / 2),
                let c = grid.longitude.index(
                    of: grid.normalisedLongitude(o.longitude),
                    tolerance: abs(grid.longitude.step) / 2
                )
            else { continue }
            let k = r * grid.width + c
            if counting {
                plane[k] += 1
            } else if plane[k].isNaN || Float(o.row) < plane[k] {
                plane[k] = Float(o.row)
            }
        }
        return try Tensor(shape: [grid.height, grid.width], storage: plane)
    }
}
