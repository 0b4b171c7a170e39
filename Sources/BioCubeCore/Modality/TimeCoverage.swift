/// The steps a source file has values for: what a ``ModalitySource`` states when it
/// describes a file (``SourceContext/describe(_:kind:_:coverage:)``).
///
/// The build relies on it: an ``invariant`` field (elevation, soil type, a land mask) covers
/// every step of any time axis, so two files of one invariant variable always overlap and are
/// merged cell by cell or reported as a conflict naming both, never silently half used; files
/// covering ``steps(first:last:count:)`` or ``instants(_:)`` overlap where their spans meet.
public enum TimeCoverage: Sendable, Hashable {
    /// Time-invariant: one field valid at every step.
    case invariant
    /// Values at `count` steps from `first` through `last` (both inclusive, in the build's
    /// cadence).
    case steps(first: UTCDateTime, last: UTCDateTime, count: Int)
    /// Values at these instants (any order; duplicates count once).
    case instants([UTCDateTime])

    /// The first and last instant covered; nil for an invariant field or no instants.
    public var span: (first: UTCDateTime, last: UTCDateTime)? {
        switch self {
        case .invariant: nil
        case .steps(let first, let last, _): (first, last)
        case .instants(let list): list.min().flatMap { first in list.max().map { (first, $0) } }
        }
    }

    /// The number of steps or instants covered (0 for an invariant field).
    public var count: Int {
        switch self {
        case .invariant: 0
        case .steps(_, _, let count): count
        case .instants(let list): Set(list).count
        }
    }
}
