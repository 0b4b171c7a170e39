import BioCubeCore

/// Normalisation applied to every window of an export or a training dataset: statistics
/// read from a JSON file (as `biocube stats` writes it, or bfm-model's published file) and
/// a mode. It is applied after the missing-value policy, as bfm-model's loader normalises
/// the batches it reads from the files.
public struct BatchNormalisation: Sendable {
    /// The statistics file.
    public let path: String
    /// The statistics.
    public let statistics: NormalisationStatistics
    /// How values are scaled.
    public let mode: Batch.NormalisationMode
    /// The file's SHA-256 (hex): an export records it, so a changed file rewrites the batches.
    public let digest: String

    /// Reads the statistics at `path`; per-level entries without a `levels` list follow
    /// `pressureLevels` (the store's levels).
    ///
    /// - Throws: `BioCubeError` naming the file when it cannot be read or is not statistics.
    public init(path: String, mode: Batch.NormalisationMode = .standardise, pressureLevels: [Double]? = nil) throws {
        self.path = path
        self.mode = mode
        statistics = try NormalisationStatistics.load(path: path, pressureLevels: pressureLevels)
        digest = try SHA256.hex(ofFile: path)
    }

    /// Normalises one tensor's values in place (see ``Batch/normalised(with:mode:)``).
    func apply(
        to p: UnsafeMutableBufferPointer<Float>,
        group: VariableGroup,
        name: String,
        shape: [Int],
        plane: Int,
        pressureLevels: [Double]?
    ) throws {
        do {
            try Batch.scale(
                p,
                group: group,
                name: name,
                shape: shape,
                plane: plane,
                pressureLevels: pressureLevels,
                statistics: statistics,
                mode: mode,
                inverse: false
            )
        } catch let e as BioCubeError {
            throw e.adding(file: path)
        }
    }

    /// `batch` normalised; a variable without statistics is an error naming the file.
    func apply(to batch: Batch) throws -> Batch {
        do { return try batch.normalised(with: statistics, mode: mode) } catch let e as BioCubeError {
            throw e.adding(file: path)
        }
    }
}
