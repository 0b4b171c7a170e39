import Foundation

/// Text normalisation before embedding: Unicode compatibility composition (NFKC), lower
/// case, every character that is neither a letter nor a digit made a space (an apostrophe
/// or hyphen between two letters is kept), runs of spaces collapsed.
public enum TextNormalisation {
    /// The normalised text.
    public static func normalised(_ text: String) -> String {
        String(decoding: normalisedUTF8(text), as: UTF8.self)
    }

    /// The normalised text's UTF-8 bytes; ASCII text takes a byte-level path with the same
    /// result (NFKC and lower-casing leave ASCII as ASCII).
    static func normalisedUTF8(_ text: String) -> [UInt8] {
        var text = text
        let ascii = text.withUTF8 { $0.allSatisfy { $0 < 0x80 } }
        guard ascii else { return Array(unicodeNormalised(text).utf8) }
        return text.withUTF8 { src in
            var out: [UInt8] = []
            out.reserveCapacity(src.count)
            var pendingSpace = false
            func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
            func isLetter(_ b: UInt8) -> Bool {
                let l = lower(b)
                return l >= 0x61 && l <= 0x7A
            }
            for i in 0..<src.count {
                let b = lower(src[i])
                let isWord = isLetter(b) || (b >= 0x30 && b <= 0x39)
                let joins =
                    (b == 0x27 || b == 0x2D) && i > 0 && i + 1 < src.count && isLetter(src[i - 1])
                    && isLetter(src[i + 1])
                if isWord || joins {
                    if pendingSpace && !out.isEmpty { out.append(0x20) }
                    pendingSpace = false
                    out.append(b)
                } else {
                    pendingSpace = true
                }
            }
            return out
        }
    }

    /// NFKC of `text`: the text itself when every scalar is one NFKC leaves alone in any
    /// context (``isNFKCStable(_:)``), Foundation's
    /// `precomposedStringWithCompatibilityMapping` otherwise.
    static func compatibilityComposed(_ text: String) -> String {
        for s in text.unicodeScalars where !isNFKCStable(s) { return text.precomposedStringWithCompatibilityMapping }
        return text
    }

    /// Scalars below U+0500 (Latin, Greek, Cyrillic) that are starters (combining class 0)
    /// and their own NFKC: a run of them is unchanged by NFKC, since nothing in that range
    /// composes with a preceding starter (the "maybe" scalars of NFC's quick check there are all
    /// combining marks, class > 0). Computed once with Foundation itself.
    private static let stableBelow0500: [Bool] = (0..<0x500).map { v in
        guard let s = Unicode.Scalar(v) else { return false }
        return s.properties.canonicalCombiningClass == .notReordered
            && String(s).precomposedStringWithCompatibilityMapping.unicodeScalars.elementsEqual(CollectionOfOne(s))
    }

    /// Whether `s` is left alone by NFKC whatever surrounds it (conservatively: false is
    /// always safe).
    static func isNFKCStable(_ s: Unicode.Scalar) -> Bool {
        s.isASCII || (s.value < 0x500 && stableBelow0500[Int(s.value)])
    }

    /// The general path: NFKC, lower case, then the same rule over Unicode scalars.
    static func unicodeNormalised(_ text: String) -> String {
        let folded = lowercased(compatibilityComposed(text))
        let scalars = Array(folded.unicodeScalars)
        // Built as UTF-8 bytes: appending scalars to a String is several times slower.
        var out: [UInt8] = []
        out.reserveCapacity(folded.utf8.count)
        var pendingSpace = false
        // ASCII answers without Unicode property lookups: letters are alphabetic, digits the
        // only numeric scalars.
        func alphabetic(_ s: Unicode.Scalar) -> Bool {
            s.isASCII ? (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") : s.properties.isAlphabetic
        }
        func numeric(_ s: Unicode.Scalar) -> Bool {
            s.isASCII ? s >= "0" && s <= "9" : s.properties.numericType != nil
        }
        for (i, s) in scalars.enumerated() {
            let isWord = alphabetic(s) || numeric(s)
            let joins =
                (s == "'" || s == "-") && i > 0 && i + 1 < scalars.count && alphabetic(scalars[i - 1])
                && alphabetic(scalars[i + 1])
            if isWord || joins {
                if pendingSpace && !out.isEmpty { out.append(0x20) }
                pendingSpace = false
                UTF8.encode(s) { out.append($0) }
            } else {
                pendingSpace = true
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` in lower case as Python's `str.lower()` and Unicode's full case mapping do it:
    /// a capital sigma becomes the final form `ς` at the end of a word (after a cased letter,
    /// not before one, case-ignorable characters skipped) and `σ` elsewhere, so `ΟΔΟΣ` and
    /// `οδος` give one token.
    static func lowercased(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for (i, s) in scalars.enumerated() {
            guard s == "\u{03A3}" else {
                if s.isASCII {
                    out.append(UInt8(s.value) | (s >= "A" && s <= "Z" ? 0x20 : 0))
                } else if s.properties.changesWhenLowercased {
                    out.append(contentsOf: s.properties.lowercaseMapping.utf8)
                } else {
                    UTF8.encode(s) { out.append($0) }
                }
                continue
            }
            func cased(_ range: some Sequence<Int>) -> Bool {
                for j in range {
                    let p = scalars[j].properties
                    if p.isCaseIgnorable { continue }
                    return p.isCased
                }
                return false
            }
            let final = cased(stride(from: i - 1, through: 0, by: -1)) && !cased(i + 1..<scalars.count)
            UTF8.encode(final ? "\u{03C2}" : "\u{03C3}") { out.append($0) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The words of the normalised text.
    static func words(_ text: String) -> [Substring] {
        normalised(text).split(separator: " ")
    }
}
