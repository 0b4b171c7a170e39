/// Every index tuple of a box of per-dimension ranges, the last dimension varying fastest
/// (row-major order); empty when any range is empty.
///
/// ```swift
/// for index in CartesianIndices([0..<2, 3..<5]) { … }  // [0,3] [0,4] [1,3] [1,4]
/// ```
package struct CartesianIndices: Sequence {
    package let ranges: [Range<Int>]

    package init(_ ranges: [Range<Int>]) { self.ranges = ranges }

    package struct Iterator: IteratorProtocol {
        let ranges: [Range<Int>]
        var next_: [Int]?

        package mutating func next() -> [Int]? {
            guard let current = next_ else { return nil }
            var index = current
            var d = ranges.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < ranges[d].upperBound { break }
                index[d] = ranges[d].lowerBound
                d -= 1
            }
            next_ = d < 0 ? nil : index
            return current
        }
    }

    package func makeIterator() -> Iterator {
        Iterator(ranges: ranges, next_: ranges.contains(where: \.isEmpty) ? nil : ranges.map(\.lowerBound))
    }
}
