import BioCubeCore
import Foundation

/// A batch file or a store checked against the batch contract (Documentation/Reference.md §6):
/// what it covers, every tensor's value statistics, and each breach found.
///
/// ```swift
/// let report = try await ContractReport.check(path: "batches/batch_2000-01-01_to_2000-02-01.pt")
/// if !report.followsContract { print(report.violations.joined(separator: "\n")) }
/// ```
public struct ContractReport: Sendable {
    /// What was checked.
    public enum Kind: String, Sendable {
        /// A `.pt` or `.safetensors` batch file.
        case batchFile
        /// A store written by a build.
        case store
    }

    /// One tensor (batch file) or array (store) with its value statistics.
    public struct Entry: Sendable, Hashable {
        /// `group.variable` for a batch tensor, the array path for a store.
        public var name: String
        /// The shape.
        public var shape: [Int]
        /// Finite values.
        public var validCount: Int
        /// NaN values.
        public var nanCount: Int
        /// ±∞ values.
        public var infinityCount: Int
        /// Mean and standard deviation of the finite values (0 when there are none).
        public var mean: Double, standardDeviation: Double
        /// Smallest and largest finite value; nil when there are none.
        public var min: Double?, max: Double?

        init(name: String, shape: [Int], _ m: RunningMoments) {
            self.name = name
            self.shape = shape
            validCount = m.count
            nanCount = m.nanCount
            infinityCount = m.infinityCount
            mean = m.mean
            standardDeviation = m.standardDeviation
            min = m.min
            max = m.max
        }
    }

    /// The path checked.
    public var path: String
    /// A batch file or a store.
    public var kind: Kind
    /// One line on what the path covers (time span, grid, levels, species).
    public var summary: String
    /// Every tensor or array read, in batch (or store) order.
    public var entries: [Entry]
    /// Each breach of the contract or of the selection; empty when the path follows both.
    public var violations: [String]

    /// Whether the path follows the contract (and the selection it was checked against).
    public var followsContract: Bool { violations.isEmpty }

    /// Checks a batch file, or a store when `path` is one (`CubeStore.isStore(at:)`).
    ///
    /// For a batch file: the contract rules of ``Batch/contractViolations`` and, with a
    /// `selection`, ``Batch/selectionViolations(_:)``. For a store: the build is complete,
    /// every variable's shape matches the coordinates, the stored pressure levels match the
    /// variables', and every selected variable, species and level is stored (each step of
    /// each array is read once for the statistics).
    ///
    /// - Throws: `BioCubeError` naming the file when it cannot be read at all (a breach
    ///   that still lets it be read is a violation instead).
    public static func check(path: String, selection: VariableSelection? = nil) async throws -> ContractReport {
        if CubeStore.isStore(at: path) { return try await store(path, selection) }
        return try batchFile(path, selection)
    }

    static func batchFile(_ path: String, _ selection: VariableSelection?) throws -> ContractReport {
        let batch = try BatchFileReader.read(path: path)
        let m = batch.metadata
        let summary =
            "\(m.timestampStrings.joined(separator: " → ")), grid \(m.latitudes.count)×\(m.longitudes.count), "
            + "\(m.pressureLevels?.count ?? 0) levels, \(m.speciesList?.count ?? 0) species"
        let entries = batch.allVariables.map { g, v in
            var s = RunningMoments()
            s.add(v.tensor.storage)
            return Entry(name: "\(g.rawValue).\(v.name)", shape: v.tensor.shape, s)
        }
        let violations = batch.contractViolations + (selection.map(batch.selectionViolations) ?? [])
        return ContractReport(path: path, kind: .batchFile, summary: summary, entries: entries, violations: violations)
    }
}
