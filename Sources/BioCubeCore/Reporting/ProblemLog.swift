import Synchronization

/// One problem met while reading sources: a file, variable or step that could not be used
/// fully. Problems are reported, never swallowed: the build prints them and records them.
public struct Problem: Hashable, Sendable, Codable, CustomStringConvertible {
    /// How serious it is.
    public enum Severity: String, Hashable, Sendable, Codable {
        /// Worth knowing, nothing lost (e.g. a variable two files provide identically).
        case info
        /// Something could not be used fully; the run goes on.
        case warning
        /// The run cannot produce what was asked.
        case error
    }

    /// What kind of problem it is: stable, for callers to branch on (never the message).
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Recorded before problems had codes (an older catalog), or not classified.
        public static let unspecified = Code(rawValue: "unspecified")
        /// Rows (or a file) off the target grid or its 0.25° lattice: ignored.
        public static let offGrid = Code(rawValue: "off-grid")
        /// Rows repeating a grid cell: one wins (the rule is in the message).
        public static let duplicateRows = Code(rawValue: "duplicate-rows")
        /// Rows skipped for missing or unusable values.
        public static let skippedRows = Code(rawValue: "skipped-rows")
        /// Names (countries, species) that match nothing known.
        public static let unmatchedNames = Code(rawValue: "unmatched-names")
        /// Table columns that are neither coordinates nor values: ignored.
        public static let ignoredColumns = Code(rawValue: "ignored-columns")
        /// A variable in no batch group: exported in `misc_variables`.
        public static let ungroupedVariable = Code(rawValue: "ungrouped-variable")
        /// A variable that cannot be read at all: skipped.
        public static let skippedVariable = Code(rawValue: "skipped-variable")
        /// Steps without data (no time slice, no year column, months missing): NaN there.
        public static let missingSteps = Code(rawValue: "missing-steps")
        /// Several time slices fall into one step: the first is used.
        public static let multipleSlices = Code(rawValue: "multiple-slices")
        /// A source covers only part of the grid: the rest is NaN.
        public static let partialCoverage = Code(rawValue: "partial-coverage")
        /// A species (or other key) with no rows: its planes are NaN.
        public static let noRows = Code(rawValue: "no-rows")
        /// A variable several sources provide, resolved by a rule (prefer, identical, per group).
        public static let providedTwice = Code(rawValue: "provided-twice")
        /// A variable several sources provide differently with no rule to choose: the build stops.
        public static let conflictingSources = Code(rawValue: "conflicting-sources")
        /// A file that cannot be read: left out.
        public static let unreadableSource = Code(rawValue: "unreadable-source")
        /// A folder with no sources.
        public static let noSources = Code(rawValue: "no-sources")
        /// A source that changed since the catalog was written.
        public static let changedSource = Code(rawValue: "changed-source")
        /// A variable read the slow way (through the library, under its lock).
        public static let slowRead = Code(rawValue: "slow-read")
        /// Values beyond float32's range (or infinities) in a source, stored as missing.
        public static let valueOutOfRange = Code(rawValue: "value-out-of-range")
        /// A store lacks the species taxonomy ranks a format needs (their planes are zero).
        public static let missingTaxonomy = Code(rawValue: "missing-taxonomy")
        /// A table's last row has no line end: the file may have been cut mid-row.
        public static let unterminatedLastRow = Code(rawValue: "unterminated-last-row")
    }

    public var severity: Severity
    /// What kind of problem it is.
    public var code: Code
    /// The source file concerned.
    public var file: String
    /// The variable concerned, if any.
    public var variable: String?
    /// The time step concerned, if any.
    public var step: String?
    /// What happened.
    public var message: String

    /// Creates a problem entry.
    public init(
        _ severity: Severity = .warning,
        _ code: Code,
        file: String,
        variable: String? = nil,
        step: String? = nil,
        message: String
    ) {
        self.severity = severity
        self.code = code
        self.file = file
        self.variable = variable
        self.step = step
        self.message = message
    }

    private enum CodingKeys: String, CodingKey { case severity, code, file, variable, step, message }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        severity = try c.decode(Severity.self, forKey: .severity)
        code = try c.decodeIfPresent(Code.self, forKey: .code) ?? .unspecified
        file = try c.decode(String.self, forKey: .file)
        variable = try c.decodeIfPresent(String.self, forKey: .variable)
        step = try c.decodeIfPresent(String.self, forKey: .step)
        message = try c.decode(String.self, forKey: .message)
    }

    public var description: String {
        var where_ = file
        if let variable { where_ += " [\(variable)]" }
        if let step { where_ += " @ \(step)" }
        return "\(severity): \(where_): \(message)"
    }
}

/// A thread-safe collector of ``Problem``s, shared by the readers of one run.
/// Identical entries are kept once.
public final class ProblemLog: Sendable {
    private let entries = Locked<(list: [Problem], seen: Set<Problem>)>(([], []))

    /// Creates an empty log.
    public init() {}

    /// Records a problem (once).
    public func report(_ problem: Problem) {
        entries.withLock { state in
            if state.seen.insert(problem).inserted { state.list.append(problem) }
        }
    }

    /// Every problem recorded so far, in the order reported.
    public var problems: [Problem] { entries.withLock { $0.list } }
}
