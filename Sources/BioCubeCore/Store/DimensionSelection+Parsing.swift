import Foundation

extension DimensionSelection {
    /// Parses a hyperslab written as text, one entry per dimension separated by commas:
    /// `all` (or `:`), an index `5`, a range `2:7` (end excluded) or indices `1;4;9` — the
    /// selection language of `biocube store dump --select`.
    ///
    /// ```swift
    /// let slab = try DimensionSelection.parse("0:2,all,10:20", rank: 3)
    /// let values: [Float] = try array.read(slab)
    /// ```
    ///
    /// - Throws: `.invalidArgument` naming the entry that is not one of the forms, or the
    ///   count when it differs from `rank`. Indices are checked against the array when read.
    public static func parse(_ text: String, rank: Int) throws -> [DimensionSelection] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard parts.count == rank else {
            throw BioCubeError(
                .invalidArgument,
                "selection '\(text)' has \(parts.count) entries, the array has \(rank) dimensions"
            )
        }
        return try parts.map { p in
            if p == "all" || p == ":" { return .all }
            if p.contains(":") {
                let ends = p.split(separator: ":", omittingEmptySubsequences: false)
                guard ends.count == 2, let lo = Int(ends[0]), let hi = Int(ends[1]), lo <= hi else {
                    throw BioCubeError(.invalidArgument, "selection entry '\(p)' is not a range START:END")
                }
                return .range(lo..<hi)
            }
            if p.contains(";") {
                let list = p.split(separator: ";").map { Int($0) }
                guard !list.isEmpty, list.allSatisfy({ $0 != nil }) else {
                    throw BioCubeError(.invalidArgument, "selection entry '\(p)' is not a list of indices")
                }
                return .indices(list.compactMap { $0 })
            }
            guard let i = Int(p) else {
                throw BioCubeError(.invalidArgument, "selection entry '\(p)' is not all, an index, a range or a list")
            }
            return .index(i)
        }
    }
}
