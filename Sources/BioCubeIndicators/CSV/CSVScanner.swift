import BioCubeCore

#if canImport(Glibc)
import Glibc
#endif

/// A fast RFC 4180 CSV scanner over a file's bytes: comma separated, `"` quoting with `""`
/// escapes, LF or CRLF line ends, an optional UTF-8 byte-order mark, empty fields. It
/// yields each record as byte ranges, allocating nothing per record.
struct CSVScanner {
    /// One field of the current record: its bytes (quotes removed; `""` not yet unescaped).
    struct Field {
        let start: Int
        let end: Int
        let quoted: Bool
        /// Whether the quoted field contains escaped quotes (`""`).
        let hasEscapes: Bool
    }

    let path: String
    /// Keeps the bytes alive.
    let storage: ByteStorage
    var bytes: UnsafeBufferPointer<UInt8> { storage.buffer }
    /// The byte range scanned (the whole file by default).
    let range: Range<Int>

    init(path: String, storage: ByteStorage, range: Range<Int>? = nil) {
        self.path = path
        self.storage = storage
        self.range = range ?? 0..<storage.buffer.count
    }

    init(path: String, bytes: [UInt8]) {
        self.init(path: path, storage: ByteStorage(copying: bytes))
    }

    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R { try body(bytes) }

    /// The offset just past the first record (the header), or the end.
    var endOfFirstRecord: Int {
        var end = range.upperBound
        try? forEachRecord(positions: true) { _, _, after in
            end = after
            return false
        }
        return end
    }

    /// Calls `body(recordNumber, fields)` for every record (1-based record numbers within the
    /// range; the header is record 1 of a file). Blank lines are skipped. Stops early when
    /// `body` returns false.
    func forEachRecord(_ body: (Int, UnsafeBufferPointer<Field>) throws -> Bool) throws {
        try forEachRecord(positions: false) { r, f, _ in try body(r, f) }
    }

    private func forEachRecord(positions: Bool, _ body: (Int, UnsafeBufferPointer<Field>, Int) throws -> Bool) throws {
        var fields: [Field] = []
        fields.reserveCapacity(512)
        try withBytes { b in
            let n = range.upperBound
            var i = range.lowerBound
            if i == 0, n >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { i = 3 }
            var record = 0
            while i < n {
                fields.removeAll(keepingCapacity: true)
                // Blank line (LF or CRLF): skip.
                if b[i] == 10 {
                    i += 1
                    continue
                }
                if b[i] == 13, i + 1 < n, b[i + 1] == 10 {
                    i += 2
                    continue
                }
                record += 1
                var endOfRecord = false
                while !endOfRecord {
                    if i < n, b[i] == 34 {  // quoted field
                        i += 1
                        let start = i
                        var escapes = false
                        while true {
                            guard i < n else {
                                throw BioCubeError(.corruptData, "\(path): record \(record): unterminated quoted field")
                            }
                            if b[i] == 34 {
                                if i + 1 < n, b[i + 1] == 34 {
                                    escapes = true
                                    i += 2
                                    continue
                                }
                                break
                            }
                            i += 1
                        }
                        fields.append(Field(start: start, end: i, quoted: true, hasEscapes: escapes))
                        i += 1  // closing quote
                        if i < n, b[i] != 44, b[i] != 10, b[i] != 13 {
                            throw BioCubeError(
                                .corruptData,
                                "\(path): record \(record), field \(fields.count): text after a closing quote"
                            )
                        }
                    } else {
                        let start = i
                        while i < n, b[i] != 44, b[i] != 10, b[i] != 13 { i += 1 }
                        fields.append(Field(start: start, end: i, quoted: false, hasEscapes: false))
                    }
                    if i >= n {
                        endOfRecord = true
                    } else if b[i] == 44 {
                        i += 1
                        if i >= n {
                            fields.append(Field(start: i, end: i, quoted: false, hasEscapes: false))
                            endOfRecord = true
                        }
                    } else if b[i] == 13 {
                        i += (i + 1 < n && b[i + 1] == 10) ? 2 : 1
                        endOfRecord = true
                    } else {
                        i += 1
                        endOfRecord = true
                    }  // LF
                }
                let keepGoing = try fields.withUnsafeBufferPointer { try body(record, $0, i) }
                if !keepGoing { return }
            }
        }
    }

    /// The text of a field (quotes unescaped); throws naming the record and field when the
    /// bytes are not UTF-8.
    func text(_ f: Field, record: Int, column: Int) throws -> String {
        let slice = UnsafeBufferPointer(rebasing: bytes[f.start..<f.end])
        guard var s = String(validating: slice, as: UTF8.self) else {
            throw BioCubeError(.corruptData, "\(path): record \(record), column \(column): bytes are not UTF-8")
        }
        if f.hasEscapes { s = s.replacingOccurrences(of: "\"\"", with: "\"") }
        return s.trimmingSpaces
    }

    /// Whether the field is empty (or only spaces).
    func isEmpty(_ f: Field) -> Bool {
        var i = f.start
        while i < f.end {
            if bytes[i] != 32 && bytes[i] != 9 { return false }
            i += 1
        }
        return true
    }

    /// Parses a decimal number (`-1.25`, `3e-4`, `1E+05`, `NaN`, `inf`); nil when not a number.
    func number(_ f: Field) -> Double? {
        NumberParser.parse(bytes, f.start, f.end)
    }

    /// Splits the range into at most `parts` line-aligned pieces, each with the number of
    /// records it holds. Only valid when the range holds no quote character (a quoted field
    /// may contain line breaks); returns one piece otherwise.
    func lineAlignedParts(_ parts: Int) -> [(range: Range<Int>, records: Int)] {
        withBytes { b in
            let lo = range.lowerBound
            let hi = range.upperBound
            guard let base = b.baseAddress, hi > lo else { return [(range, 0)] }
            // Scanned (and counted below) a window at a time, each window's mapped pages
            // given back once passed, so a large file is never resident as a whole.
            let window = 4 << 20
            var hasQuote = false
            var p = lo
            while p < hi && !hasQuote {
                let n = min(window, hi - p)
                hasQuote = memchr(base + p, 34, n) != nil
                storage.release(p..<(p + n))
                p += n
            }
            let count = hasQuote ? 1 : max(1, parts)
            var cuts = [lo]
            for k in 1..<count {
                let target = lo + (hi - lo) * k / count
                guard let nl = memchr(base + target, 10, hi - target) else { break }
                let c = UnsafePointer<UInt8>(nl.assumingMemoryBound(to: UInt8.self)) - base + 1
                if c > cuts[cuts.count - 1] && c < hi { cuts.append(c) }
            }
            cuts.append(hi)
            return (0..<(cuts.count - 1)).map { k -> (range: Range<Int>, records: Int) in
                // Records = non-blank lines (exact when no field is quoted).
                var records = 0
                var start = cuts[k]
                let end = cuts[k + 1]
                while start < end {
                    let nl = memchr(base + start, 10, end - start)
                    let lineEnd = nl.map { UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - base } ?? end
                    let blank = lineEnd == start || (lineEnd == start + 1 && base[start] == 13)
                    if !blank { records += 1 }
                    start = lineEnd + 1
                }
                storage.release(cuts[k]..<end)
                return (cuts[k]..<end, hasQuote ? -1 : records)
            }
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return String(s)
    }

    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
