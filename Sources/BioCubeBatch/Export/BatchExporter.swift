public import BioCubeCore

/// Writes ``Batch``es in some file format. Conform to add a format: `biocube batches` and
/// ``BatchExport`` drive any exporter (see `Examples/npy-exporter` for one written outside
/// the library).
///
/// An exporter must write atomically (readers see the complete output or none), so an
/// interrupted export never leaves a file that looks finished.
public protocol BatchExporter: Sendable {
    /// A short format name (`pt`, `safetensors`, `zarr`), recorded in the export manifest.
    var format: String { get }
    /// The file (or folder) name of a batch, relative to the output folder.
    func name(for batch: Batch) -> String
    /// Writes `batch` to `path` (which is `name(for:)` inside the output folder).
    func write(_ batch: Batch, to path: String) throws
}

extension Batch {
    /// The bfm-model file stem: `batch_YYYY-MM-DD_to_YYYY-MM-DD`, or with times
    /// (`batch_YYYY-MM-DD_HH-MM-SS_to_…`) when the steps are less than a day apart.
    public var fileStem: String {
        let t = metadata.timestamps
        let subDaily = t.count == 2 && t[1].secondsSince1970 - t[0].secondsSince1970 < 86_400
        let text = t.map { subDaily ? $0.fileNameString : $0.dateString }
        return "batch_\(text.first ?? "")_to_\(text.last ?? "")"
    }
}

/// What to do with cells that have no value when exporting.
public enum MissingValuePolicy: String, Sendable, CaseIterable, Codable {
    /// Zero in the indicator and species groups (as the published batches and bfm-model's
    /// statistics assume); ERA5 groups keep NaN.
    case zero
    /// NaN everywhere a source has no value.
    case nan

    /// The groups zero-filled under ``zero``: the CSV- and species-derived ones.
    public static let zeroFilledGroups: Set<VariableGroup> = [
        .forest, .land, .vegetation, .agriculture, .redlist, .species,
    ]

    /// Applies the policy.
    public func apply(to batch: Batch) throws -> Batch {
        switch self {
        case .nan: batch
        case .zero: try batch.fillingMissing(with: 0, in: Self.zeroFilledGroups)
        }
    }
}
