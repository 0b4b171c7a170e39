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

    public var severity: Severity
    /// The source file concerned.
    public var file: String
    /// The variable concerned, if any.
    public var variable: String?
    /// The time step concerned, if any.
    public var step: String?
    /// What happened.
    public var message: String

    /// Creates a problem entry.
    public init(_ severity: Severity = .warning, file: String, variable: String? = nil, step: String? = nil, message: String) {
        self.severity = severity; self.file = file; self.variable = variable; self.step = step; self.message = message
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
    private let entries = Mutex<(list: [Problem], seen: Set<Problem>)>(([], []))

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
