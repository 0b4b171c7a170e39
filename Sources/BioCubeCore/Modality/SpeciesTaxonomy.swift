/// The taxonomy of each species key: rank → value (`Phylum, Class, Order, Family, Genus`,
/// and a Red List category when known). A build records it in the store
/// (`species_taxonomy`) and the daily batches turn it into label planes.
public struct SpeciesTaxonomy: Sendable, Hashable, Codable {
    /// The ranks looked for, in order; `Redlist` also matches `RedList` and `Red_List`.
    public static let knownRanks = ["Phylum", "Class", "Order", "Family", "Genus", "Redlist"]

    /// The ranks known, in ``knownRanks`` order.
    public var ranks: [String]
    /// Per species key (decimal string), rank → value.
    public var bySpecies: [String: [String: String]]

    /// Creates a taxonomy.
    public init(ranks: [String], bySpecies: [String: [String: String]]) {
        self.ranks = ranks
        self.bySpecies = bySpecies
    }

    /// This taxonomy with `other`'s ranks and species added (this one wins per entry), the
    /// ranks in ``knownRanks`` order.
    public func merging(_ other: SpeciesTaxonomy) -> SpeciesTaxonomy {
        var merged = self
        for (k, v) in other.bySpecies { merged.bySpecies[k, default: [:]].merge(v) { old, _ in old } }
        let all = Set(ranks + other.ranks)
        merged.ranks = Self.knownRanks.filter(all.contains)
        return merged
    }
}
