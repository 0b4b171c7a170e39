import BioCubeCore
import Foundation

/// The lines of a text file, decoded strictly: UTF-8 (a leading byte-order mark dropped), or
/// UTF-16 when the file starts with its byte-order mark. Invalid bytes are an error naming the
/// line, never replaced by U+FFFD without a word. Lines end at LF, CRLF or CR; every line
/// counts, empty ones included, and a final line end adds no empty line.
public struct TextLines: Sendable, Hashable {
    /// The lines, in file order.
    public var lines: [String]
    /// The encoding the file was in (`UTF-8` or `UTF-16`).
    public var encoding: String

    /// Reads and decodes `path`.
    public static func read(_ path: String) throws -> TextLines {
        try decode(try FileIO.read(path), name: path)
    }

    /// Decodes `bytes` (`name` is used in errors).
    public static func decode(_ bytes: [UInt8], name: String) throws -> TextLines {
        var text: String
        var encoding = "UTF-8"
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            guard let t = String(data: Data(bytes), encoding: .utf16) else {
                throw BioCubeError(
                    .corruptData,
                    "not valid UTF-16 although it starts with its byte-order mark",
                    file: name
                )
            }
            text = t
            encoding = "UTF-16"
        } else {
            let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
            guard let t = String(validating: body, as: UTF8.self) else {
                // Find the line and byte of the first invalid sequence.
                var line = 1
                var start = 0
                for (i, b) in body.enumerated() where b == 0x0A {
                    if String(validating: body[start..<i], as: UTF8.self) == nil { break }
                    line += 1
                    start = i + 1
                }
                let zeros = body.prefix(4096).filter { $0 == 0 }.count
                let hint =
                    zeros > 0 ? " (NUL bytes: UTF-16 without a byte-order mark?)" : " (Latin-1? convert it to UTF-8)"
                throw BioCubeError(
                    .corruptData,
                    "line \(line) is not valid UTF-8\(hint); no text was read",
                    file: name
                )
            }
            text = t
        }
        // Split on the UTF-8 bytes of CR and LF (never part of a longer sequence): "\r\n",
        // "\r" and "\n" each end a line; a last line without an ending counts when not empty.
        var lines: [String] = []
        let utf8 = Array(text.utf8)
        utf8.withUnsafeBufferPointer { b in
            var start = 0
            var i = 0
            while i < b.count {
                let c = b[i]
                if c == 0x0A || c == 0x0D {
                    lines.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
                    if c == 0x0D && i + 1 < b.count && b[i + 1] == 0x0A { i += 1 }
                    start = i + 1
                }
                i += 1
            }
            if start < b.count {
                lines.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<b.count]), as: UTF8.self))
            }
        }
        return TextLines(lines: lines, encoding: encoding)
    }
}
