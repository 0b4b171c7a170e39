/// Finds a key that appears twice in one JSON object. JSON parsers disagree on such
/// documents (Foundation keeps one value, Python's `json` keeps the last), so BioCube refuses
/// them where a file's meaning depends on it (label mappings) instead of picking a side.
package enum JSONDuplicateKeys {
    /// The first duplicated key, as a path (`ranks/Genus/Turdus`), or nil. The text is assumed
    /// to be valid JSON (parse it first); anything unexpected ends the scan with nil.
    package static func first(in bytes: [UInt8]) -> String? {
        var i = 0
        func skipSpace() { while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 } }
        func string() -> String? {
            guard i < bytes.count, bytes[i] == 0x22 else { return nil }
            i += 1
            var out: [UInt8] = []
            while i < bytes.count, bytes[i] != 0x22 {
                if bytes[i] == 0x5C, i + 1 < bytes.count {
                    out.append(bytes[i])
                    i += 1
                }
                out.append(bytes[i])
                i += 1
            }
            i += 1
            return String(decoding: out, as: UTF8.self)
        }
        // Returns a duplicate's path inside the value at `i`, or nil (also when the value ends).
        func value(_ path: [String], depth: Int) -> String?? {
            guard depth < 512 else { return .some(nil) }
            skipSpace()
            guard i < bytes.count else { return .some(nil) }
            switch bytes[i] {
            case 0x7B:  // {
                i += 1
                var keys: Set<String> = []
                while true {
                    skipSpace()
                    if i < bytes.count, bytes[i] == 0x7D {
                        i += 1
                        return nil
                    }
                    guard let key = string() else { return .some(nil) }
                    if !keys.insert(key).inserted { return .some((path + [key]).joined(separator: "/")) }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == 0x3A else { return .some(nil) }
                    i += 1
                    if let found = value(path + [key], depth: depth + 1) { return found }
                    skipSpace()
                    if i < bytes.count, bytes[i] == 0x2C {
                        i += 1
                        continue
                    }
                    if i < bytes.count, bytes[i] == 0x7D {
                        i += 1
                        return nil
                    }
                    return .some(nil)
                }
            case 0x5B:  // [
                i += 1
                var n = 0
                while true {
                    skipSpace()
                    if i < bytes.count, bytes[i] == 0x5D {
                        i += 1
                        return nil
                    }
                    if let found = value(path + ["\(n)"], depth: depth + 1) { return found }
                    n += 1
                    skipSpace()
                    if i < bytes.count, bytes[i] == 0x2C {
                        i += 1
                        continue
                    }
                    if i < bytes.count, bytes[i] == 0x5D {
                        i += 1
                        return nil
                    }
                    return .some(nil)
                }
            case 0x22:
                _ = string()
                return nil
            default:
                while i < bytes.count, ![0x2C, 0x7D, 0x5D, 0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
                return nil
            }
        }
        return value([], depth: 0) ?? nil
    }
}
