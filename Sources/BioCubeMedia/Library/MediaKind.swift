/// The kinds of species media, each with its table in a species folder.
public enum MediaKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Photos (iNaturalist): `images.csv`, files under `images/`.
    case image
    /// Sound recordings (xeno-canto): `sounds.csv`, files under `sounds/`.
    case sound
    /// DNA barcode sequences (BOLD): `edna.csv`, the sequence in the `value` column.
    case edna
    /// Species descriptions: `descriptions.csv`, the text in the `value` column.
    case text

    /// The table's file name in a species folder.
    var tableName: String {
        switch self {
        case .image: "images.csv"
        case .sound: "sounds.csv"
        case .edna: "edna.csv"
        case .text: "descriptions.csv"
        }
    }
}
