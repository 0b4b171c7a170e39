import BioCube

/// Reads a `scientific name,GBIF key` CSV (or tab-separated; a header line is skipped;
/// `Genus_species` is read as `Genus species`).
func readSpeciesKeys(_ path: String) throws -> [String: Int64] {
    var keys: [String: Int64] = [:]
    let text = String(decoding: try FileIO.read(path), as: UTF8.self)
    for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() {
        let f = line.split(separator: line.contains("\t") ? "\t" : ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard f.count == 2, let key = Int64(f[1]) else {
            if n == 0 { continue }  // a header
            throw BioCubeError(.corruptData, "line \(n + 1) is not 'scientific name,key'", file: path)
        }
        keys[f[0].replacingOccurrences(of: "_", with: " ")] = key
    }
    return keys
}
