public import BioCubeCore

extension LabelMappings {
    /// The label ranks media records fill: their species name and the ranks of
    /// ``MediaRecord/taxonomy`` (`Phylum` … `Genus`), in the capitalised names of
    /// `label_mappings.json`.
    static let mediaRanks: [(label: String, record: String?)] = [
        ("Species", nil), ("Phylum", "phylum"), ("Class", "class"), ("Order", "order"), ("Family", "family"),
        ("Genus", "genus"),
    ]

    /// The mappings with the species and taxonomy of `records` added (existing ids unchanged).
    public func extended(with records: [MediaRecord]) -> LabelMappings {
        var values: [String: [String]] = [:]
        for (label, rank) in Self.mediaRanks {
            values[label] = records.compactMap { r in rank.map { r.taxonomy[$0] ?? "" } ?? r.species }
        }
        return extended(with: values)
    }

    /// The label ids of `record` per rank (0 where the record has no value or the value has
    /// no id yet), in the order `Species, Phylum, Class, Order, Family, Genus`.
    func labels(of record: MediaRecord) -> [Int] {
        Self.mediaRanks.map { label, rank in
            let value = rank.map { record.taxonomy[$0] ?? "" } ?? record.species
            return id(label, value) ?? 0
        }
    }
}
