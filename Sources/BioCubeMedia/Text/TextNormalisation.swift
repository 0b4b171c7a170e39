import Foundation

/// Text normalisation before embedding: Unicode compatibility composition (NFKC), lower
/// case, every character that is neither a letter nor a digit made a space (an apostrophe
/// or hyphen between two letters is kept), runs of spaces collapsed.
public enum TextNormalisation {
    /// The normalised text.
    public static func normalised(_ text: String) -> String {
        let folded = text.precomposedStringWithCompatibilityMapping.lowercased()
        let scalars = Array(folded.unicodeScalars)
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for (i, s) in scalars.enumerated() {
            let isWord = s.properties.isAlphabetic || s.properties.numericType != nil
            let joins =
                (s == "'" || s == "-") && i > 0 && i + 1 < scalars.count && scalars[i - 1].properties.isAlphabetic
                && scalars[i + 1].properties.isAlphabetic
            if isWord || joins {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(s)
            } else {
                pendingSpace = true
            }
        }
        return String(out)
    }

    /// The words of the normalised text.
    static func words(_ text: String) -> [Substring] {
        normalised(text).split(separator: " ")
    }
}
