/// Which indices of one array dimension a read or write covers.
public enum DimensionSelection: Hashable, Sendable {
    /// The whole dimension.
    case all
    /// A contiguous index range.
    case range(Range<Int>)
    /// Arbitrary indices, in output order (e.g. a subset of pressure levels).
    case indices([Int])

    /// A single index (the dimension is kept with extent 1).
    public static func index(_ i: Int) -> DimensionSelection { .range(i..<(i + 1)) }

    /// The selected indices for a dimension of extent `size`; throws when any is out of range.
    func resolve(size: Int, dimension: Int, context: String) throws -> [Int] {
        switch self {
        case .all:
            return Array(0..<size)
        case .range(let r):
            guard r.lowerBound >= 0, r.upperBound <= size else {
                throw BioCubeError(
                    .invalidArgument,
                    "\(context): range \(r.lowerBound)..<\(r.upperBound) is outside dimension \(dimension) of extent \(size)"
                )
            }
            return Array(r)
        case .indices(let list):
            if let bad = list.first(where: { $0 < 0 || $0 >= size }) {
                throw BioCubeError(
                    .invalidArgument,
                    "\(context): index \(bad) is outside dimension \(dimension) of extent \(size)"
                )
            }
            return list
        }
    }
}
