import BioCubeCore
import BioCubeParquet

/// `ATTRIBUTION.csv`: one row per record kept in a species media dataset — its source, id,
/// species, licence, rights holder, credit line and link — so whoever publishes a model or a
/// figure trained on the dataset can meet each licence's attribution terms.
struct AttributionTable {
    /// The file's name, beside the dataset.
    static let fileName = "ATTRIBUTION.csv"
    /// The columns.
    static let header = [
        "source", "record_id", "species", "modality", "licence", "rights_holder", "attribution", "url",
    ]

    private var rows: [[String]] = []
    private var seen: Set<String> = []

    /// Adds the records of one block of dataset columns (laid out as `fields`); a record that
    /// gives several rows (features) is listed once.
    mutating func add(_ columns: [ParquetWriter.Column], fields: [ParquetWriter.Field]) {
        var index: [String: Int] = [:]
        for (i, f) in fields.enumerated() { index[f.name] = i }
        func strings(_ name: String) -> [String] {
            guard let i = index[name], case .string(let v, let validity) = columns[i] else { return [] }
            guard let validity else { return v }
            return zip(v, validity).map { $1 ? $0 : "" }
        }
        let cols = ["source", "record_id", "species", "modality", "licence", "rights_holder", "attribution", "url"].map(
            strings
        )
        let count = cols[1].count
        for r in 0..<count {
            let row = cols.map { r < $0.count ? $0[r] : "" }
            if seen.insert(row[0] + "\u{1}" + row[1] + "\u{1}" + row[2]).inserted { rows.append(row) }
        }
    }

    /// Writes the table atomically to `path`.
    func write(to path: String) throws {
        let text = CSVText.encode([Self.header] + rows)
        try FileIO.writeAtomically(path, Array(text.utf8))
    }
}
