import Foundation

/// A table of scientific names and their GBIF species keys, as the LPI ingestion and the
/// species media dataset take it: `scientific name,key` per line (or tab-separated), an
/// optional header line, `Genus_species` read as `Genus species`.
///
/// ```swift
/// let keys = try SpeciesKeyFile.read("keys.csv")   // ["Turdus merula": 2490719, …]
/// ```
public enum SpeciesKeyFile {
    /// The names and keys of the file at `path`.
    ///
    /// - Throws: the file errors of reading it, and `.corruptData` naming the file and line
    ///   for a line (after the first) that is not `name,key` with an integer key.
    public static func read(_ path: String) throws -> [String: Int64] {
        var keys: [String: Int64] = [:]
        let text = String(decoding: try FileIO.read(path), as: UTF8.self)
        for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let f = line.split(separator: line.contains("\t") ? "\t" : ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard f.count == 2, let key = Int64(f[1]) else {
                if n == 0 { continue }  // a header
                throw BioCubeError(.corruptData, "line \(n + 1) is not 'scientific name,key'", file: path)
            }
            keys[f[0].replacingOccurrences(of: "_", with: " ")] = key
        }
        return keys
    }
}
