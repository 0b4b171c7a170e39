/// JSON text with the key order the caller chooses (``JSONValue`` objects are unordered):
/// used where a file's key order is part of its contract, like the statistics file.
package enum OrderedJSON {
    /// A JSON string literal.
    package static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// A number: the shortest text that reads back as the same Double; null when not finite.
    package static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) + ".0" }
        return "\(d)"
    }

    /// A value on one line (objects with sorted keys).
    package static func compact(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return number(d)
        case .string(let s): return string(s)
        case .array(let a): return "[" + a.map(compact).joined(separator: ", ") + "]"
        case .object(let o):
            return "{"
                + o.sorted { $0.key < $1.key }.map { string($0.key) + ": " + compact($0.value) }.joined(separator: ", ")
                + "}"
        }
    }
}
