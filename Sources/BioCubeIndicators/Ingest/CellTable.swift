import BioCubeCore

/// A `Country, Latitude, Longitude, …` table extended column by column, its existing fields
/// kept as the bytes they were (quotes included), its line ends as they were: what a new
/// month adds never rewrites what was there.
struct CellTable {
    let path: String
    let separator: UInt8
    let grid: Grid
    var header: [String] = ["Country", "Latitude", "Longitude"]
    /// The header fields as written (quotes included).
    var rawHeader: [String] = ["Country", "Latitude", "Longitude"]
    /// Per row, the raw field texts.
    var rows: [[String]] = []
    /// Grid cell → row, for rows whose coordinates lie on the grid.
    var rowOfCell: [Int: Int] = [:]
    var lineEnd = "\n"
    /// The file is not UTF-8: its bytes are read and written back as Latin-1, so every
    /// existing byte is kept (a UTF-8 reading would turn each into U+FFFD).
    var latin1 = false

    /// The table at `path` (empty when there is none), comma- or tab-separated.
    init(path: String, separator: Character, grid: Grid) throws {
        self.path = path
        self.separator = separator.asciiValue!
        self.grid = grid
        guard FileIO.exists(path) else { return }
        let bytes = try FileIO.read(path)
        if let lf = bytes.firstIndex(of: 10), lf > 0, bytes[lf - 1] == 13 { lineEnd = "\r\n" }
        latin1 = String(validating: bytes, as: UTF8.self) == nil
        let latin1 = self.latin1
        func text(_ b: some Collection<UInt8>) -> String {
            latin1 ? String(String.UnicodeScalarView(b.map { Unicode.Scalar($0) })) : String(decoding: b, as: UTF8.self)
        }
        var records: [[String]] = []
        if self.separator == 44 {
            let scanner = CSVScanner(path: path, bytes: bytes)
            try scanner.forEachRecord { _, fields in
                records.append(
                    fields.map { f in
                        let range = f.quoted ? (f.start - 1)..<(f.end + 1) : f.start..<f.end
                        return text(scanner.bytes[range])
                    }
                )
                return true
            }
        } else {
            for line in text(bytes).split(
                omittingEmptySubsequences: true,
                whereSeparator: \.isNewline
            ) {
                records.append(line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init))
            }
        }
        guard let head = records.first else { return }
        let names = head.map { Self.unquoted($0) }
        guard let la = names.firstIndex(of: "Latitude"), let lo = names.firstIndex(of: "Longitude"),
            names.firstIndex(of: "Country") != nil
        else {
            throw BioCubeError(
                .corruptData,
                "not a Country, Latitude, Longitude table (header: \(names.prefix(4)))",
                file: path
            )
        }
        header = names
        rawHeader = head
        rows = Array(records.dropFirst())
        for (i, row) in rows.enumerated() {
            guard row.count == header.count else {
                throw BioCubeError(
                    .corruptData,
                    "row \(i + 2) has \(row.count) fields, the header \(header.count) (cut short?)",
                    file: path
                )
            }
            if let lat = Double(Self.unquoted(row[la])), let lon = Double(Self.unquoted(row[lo])),
                let r = grid.latitude.index(of: lat), let c = grid.longitude.index(of: grid.normalisedLongitude(lon))
            {
                rowOfCell[r * grid.width + c] = rowOfCell[r * grid.width + c] ?? i
            }
        }
    }

    static func unquoted(_ raw: String) -> String {
        guard raw.count >= 2, raw.hasPrefix("\""), raw.hasSuffix("\"") else { return raw }
        return String(raw.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
    }

    private func quoted(_ text: String) -> String {
        let sep = Character(Unicode.Scalar(separator))
        return text.contains(where: { $0 == sep || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// Appends the column `name`: `values` by grid cell (country, text); cells without a row
    /// get one (empty in the earlier columns).
    mutating func addColumn(_ name: String, values: [Int: (country: String, text: String)]) {
        header.append(name)
        rawHeader.append(quoted(name))
        for i in rows.indices { rows[i].append("") }
        let la = header.firstIndex(of: "Latitude")!
        let lo = header.firstIndex(of: "Longitude")!
        let co = header.firstIndex(of: "Country")!
        for k in values.keys.sorted() {
            let v = values[k]!
            if let i = rowOfCell[k] {
                rows[i][rows[i].count - 1] = v.text
            } else {
                var row = [String](repeating: "", count: header.count)
                row[co] = quoted(v.country)
                row[la] = "\(grid.latitude[k / grid.width])"
                row[lo] = "\(grid.longitude[k % grid.width])"
                row[row.count - 1] = v.text
                rowOfCell[k] = rows.count
                rows.append(row)
            }
        }
    }

    /// Writes the table atomically.
    func write() throws {
        let sep = String(Character(Unicode.Scalar(separator)))
        var out = rawHeader.joined(separator: sep) + lineEnd
        for row in rows { out += row.joined(separator: sep) + lineEnd }
        guard latin1 else { return try FileIO.writeAtomically(path, Array(out.utf8)) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(out.unicodeScalars.count)
        for scalar in out.unicodeScalars {
            guard scalar.value < 256 else {
                throw BioCubeError(
                    .unsupported,
                    "the table is Latin-1 and a new row's '\(Character(scalar))' has no Latin-1 byte; convert the table to UTF-8 first",
                    file: path
                )
            }
            bytes.append(UInt8(scalar.value))
        }
        try FileIO.writeAtomically(path, bytes)
    }
}
