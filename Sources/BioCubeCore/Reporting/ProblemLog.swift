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

    /// What kind of problem it is: stable, for callers to branch on (never the message). The
    /// one code type of BioCube, shared with ``BioCubeError``: a problem and an error about
    /// the same situation carry the same code.
    public typealias Code = BioCubeError.Code

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
