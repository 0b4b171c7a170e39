import BioCubeCore
import Foundation

extension GBIFDownloadRequest {
    /// The GBIF species keys in a species list: one key per line or comma-separated, `#`
    /// starting a comment, blank lines ignored; repeated keys are kept once, in first-seen
    /// order.
    ///
    /// - Parameters:
    ///   - text: the list.
    ///   - origin: how errors name the text (a file name, or a flag such as `--species`).
    /// - Throws: `BioCubeError` (`invalidArgument`) naming `origin` and the line of the first
    ///   token that is not a positive integer.
    public static func speciesKeys(parsing text: String, origin: String) throws -> [Int64] {
        var keys: [Int64] = []
        var seen = Set<Int64>()
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for token in content.split(separator: ",") {
                let t = token.trimmingCharacters(in: .whitespaces)
                guard !t.isEmpty else { continue }
                guard let k = Int64(t), k > 0 else {
                    throw BioCubeError(
                        .invalidArgument,
                        "line \(n + 1): '\(t)' is not a GBIF species key",
                        file: origin
                    )
                }
                if seen.insert(k).inserted { keys.append(k) }
            }
        }
        return keys
    }

    /// The species keys in the list file at `path` (see ``speciesKeys(parsing:origin:)``).
    ///
    /// - Throws: `BioCubeError` naming the file when it cannot be read or a line is not a key.
    public static func speciesKeys(fromFile path: String) throws -> [Int64] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw BioCubeError(.io, "cannot read the species list (\(error.localizedDescription))", file: path)
        }
        return try speciesKeys(parsing: text, origin: path)
    }
}
