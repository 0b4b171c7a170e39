public import BioCubeCore
import BioCubeParquet

extension SpeciesTaxonomy {
    /// Reads the species and rank columns of `path` (row group by row group).
    public static func read(path: String) throws -> SpeciesTaxonomy {
        let file = try ParquetFile(path: path)
        func column(_ name: String) -> Int? {
            let wanted = name.lowercased().replacingOccurrences(of: "_", with: "")
            return file.columns.firstIndex { $0.name.lowercased().replacingOccurrences(of: "_", with: "") == wanted }
        }
        guard let speciesColumn = column("Species") else {
            throw BioCubeError(.invalidMetadata, "\(path): the species table has no 'Species' column")
        }
        let present = knownRanks.compactMap { r in column(r).map { (r, $0) } }
        var out: [String: [String: String]] = [:]
        guard !present.isEmpty else { return SpeciesTaxonomy(ranks: [], bySpecies: [:]) }
        for group in 0..<file.rowGroupSizes.count {
            let columns = try file.read(columns: [speciesColumn] + present.map(\.1), rowGroup: group)
            let keys = columns[0]
            var complete = Set(out.filter { $0.value.count == present.count }.map(\.key))
            for r in 0..<keys.count where keys.isValid(r) {
                let key: String?
                switch keys.values {
                case .bytes(let v): key = SpeciesKey(String(decoding: v[r], as: UTF8.self))?.value
                case .int64(let v): key = SpeciesKey(v[r])?.value
                case .int32(let v): key = SpeciesKey(Int64(v[r]))?.value
                default: key = nil
                }
                guard let key, !complete.contains(key) else { continue }
                var entry = out[key] ?? [:]
                for (k, (rank, _)) in present.enumerated() where entry[rank] == nil {
                    let c = columns[k + 1]
                    guard c.isValid(r), case .bytes(let v) = c.values else { continue }
                    let text = String(decoding: v[r], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                    if !text.isEmpty { entry[rank] = text }
                }
                out[key] = entry
                if entry.count == present.count { complete.insert(key) }
            }
        }
        return SpeciesTaxonomy(ranks: present.map(\.0), bySpecies: out)
    }
}
