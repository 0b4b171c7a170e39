/// A GBIF species key as BioCube compares it: the decimal string of the integer key,
/// whether the source column held a string (`"1340361"`) or an int64 (`1340361`).
package struct SpeciesKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The canonical decimal spelling (no sign, no leading zeros).
    package let value: String

    /// Normalises a key read as text; `nil` when it is not a non-negative integer.
    package init?(_ text: String) {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let digits = trimmed.drop(while: { $0 == "0" })
        value = digits.isEmpty ? "0" : String(digits)
    }

    /// A key read from an integer column; `nil` when negative.
    package init?(_ number: Int64) {
        guard number >= 0 else { return nil }
        value = String(number)
    }

    /// Orders keys numerically (shorter decimal strings are smaller numbers).
    package static func < (a: SpeciesKey, b: SpeciesKey) -> Bool {
        a.value.count != b.value.count ? a.value.count < b.value.count : a.value < b.value
    }

    package var description: String { value }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        let s = drop(while: { $0 == " " })
        return s.dropLast(s.reversed().prefix(while: { $0 == " " }).count)
    }
}
