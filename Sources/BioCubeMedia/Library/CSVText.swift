import BioCubeCore

/// RFC 4180 CSV for the media tables: fields holding a comma, a quote or a line break are
/// quoted (quotes doubled); reading accepts LF and CRLF and refuses a quoted field left
/// open (a file cut mid-row).
enum CSVText {
    /// The text of `rows`, LF line ends.
    static func encode(_ rows: [[String]]) -> String {
        var out = ""
        for row in rows {
            out += row.map { field in
                field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
            }.joined(separator: ",")
            out += "\n"
        }
        return out
    }

    /// The rows of `text`; `name` is used in errors.
    static func decode(_ text: String, name: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var line = 1
        var chars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending {
                pending = nil
                return p
            }
            return chars.next()
        }
        var atFieldStart = true
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let d = next() {
                        if d == "\"" {
                            field.unicodeScalars.append("\"")
                        } else {
                            quoted = false
                            pending = d
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where atFieldStart:
                quoted = true
                atFieldStart = false
            case ",":
                row.append(field)
                field = ""
                atFieldStart = true
            case "\r":
                continue
            case "\n":
                row.append(field)
                rows.append(row)
                row = []
                field = ""
                atFieldStart = true
                line += 1
            default:
                field.unicodeScalars.append(c)
                atFieldStart = false
            }
        }
        if quoted {
            throw BioCubeError(
                .corruptData,
                "a quoted field opened before line \(line) never closes (file cut short?)",
                file: name
            )
        }
        if !field.isEmpty || !row.isEmpty {
            throw BioCubeError(
                .corruptData,
                "the last row (line \(line)) has no line end: the file was cut mid-row",
                file: name
            )
        }
        return rows
    }
}
