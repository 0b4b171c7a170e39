import BioCubeCore
import Foundation

/// The records of a FASTA file: `>` header lines, each followed by its sequence over one or
/// more lines (joined), as BOLD and GenBank write them. Blank lines are ignored; sequence
/// text before the first header is an error naming the file and line, never a record
/// without a name.
///
/// ```swift
/// for record in try FASTAFile(path: "barcodes.fasta").records {
///     let dna = try DNASequence(record.sequence)
///     print(record.name, try dna.kmerFrequencies(k: 4).count)
/// }
/// ```
public struct FASTAFile: Sendable {
    /// One record: the header's text (after `>`, trimmed) and its sequence.
    public struct Record: Sendable, Hashable {
        /// The header line without `>`, trimmed.
        public var name: String
        /// The sequence lines joined, as written.
        public var sequence: String

        /// A record.
        public init(name: String, sequence: String) {
            self.name = name
            self.sequence = sequence
        }
    }

    /// The file read.
    public let path: String
    /// The records in file order.
    public let records: [Record]

    /// Reads and parses the file at `path`.
    ///
    /// - Throws: the file errors of reading it (`.notFound`, `.notAFile`, `.io`), and
    ///   `.invalidArgument` naming the file for sequence text before the first header.
    public init(path: String) throws {
        self.path = path
        var records: [Record] = []
        var name: String?
        var body = ""
        let lines = try TextLines.read(path).lines
        for (n, line) in (lines + [">"]).enumerated() {
            if line.hasPrefix(">") {
                if let name { records.append(Record(name: name, sequence: body)) }
                name = String(line.dropFirst()).trimmingCharacters(in: .whitespaces)
                body = ""
            } else if name == nil {
                guard line.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw BioCubeError(
                        .invalidArgument,
                        "line \(n + 1) holds sequence text before the first '>' header",
                        file: path
                    )
                }
            } else {
                body += line
            }
        }
        self.records = records
    }
}
