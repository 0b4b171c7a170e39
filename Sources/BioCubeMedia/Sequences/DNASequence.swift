public import BioCubeCore

/// A cleaned nucleotide sequence: upper case, `U` read as `T`, gaps (`-`, `.`) and white
/// space removed, IUPAC ambiguity codes kept (they are spread over the bases they stand for
/// by ``kmerFrequencies(k:)`` and ``oneHot(length:)``).
///
/// A sequence whose share of ambiguous bases exceeds the threshold is refused rather than
/// stripped: deleting the ambiguous letters (the original tooling's approach) would shift
/// every base after them and invent k-mers the organism does not have.
///
/// ```swift
/// let dna = try DNASequence("acgtnRYacgt-ACGT", maximumAmbiguity: 0.1)
/// let profile = dna.kmerFrequencies(k: 4)     // 256 values summing to 1
/// let encoded = dna.oneHot(length: 658)       // (4, 658)
/// ```
public struct DNASequence: Sendable, Hashable {
    /// The cleaned letters (`ACGT` and the IUPAC codes `RYSWKMBDHVN`).
    public let bases: [UInt8]
    /// How many letters are ambiguity codes.
    public let ambiguousCount: Int

    /// Cleans `text`; errors on letters that are not nucleotides (naming them and their
    /// position), on an empty sequence, and when more than `maximumAmbiguity` of the bases
    /// are ambiguous.
    public init(_ text: String, maximumAmbiguity: Double = 0.05) throws {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var ambiguous = 0
        for (i, c) in text.utf8.enumerated() {
            var u = c
            if u >= 0x61 && u <= 0x7A { u -= 0x20 }
            switch u {
            case 0x41, 0x43, 0x47, 0x54: out.append(u)
            case 0x55: out.append(0x54)  // U → T
            case _ where Self.expansion[Int(u)] != 0:
                out.append(u)
                ambiguous += 1
            case 0x2D, 0x2E, 0x20, 0x09, 0x0A, 0x0D: continue
            default:
                let shown = String(decoding: [c], as: UTF8.self)
                throw BioCubeError(
                    .corruptData,
                    "DNA sequence: '\(shown)' at position \(i + 1) is not a nucleotide code"
                )
            }
        }
        guard !out.isEmpty else { throw BioCubeError(.corruptData, "DNA sequence: no bases") }
        let share = Double(ambiguous) / Double(out.count)
        guard share <= maximumAmbiguity else {
            throw BioCubeError(
                .corruptData,
                "DNA sequence: \(ambiguous) of \(out.count) bases are ambiguous (\(Int((share * 100).rounded())) %, more than \(maximumAmbiguity * 100) %)"
            )
        }
        bases = out
        ambiguousCount = ambiguous
    }

    /// The cleaned sequence as text.
    public var text: String { String(decoding: bases, as: UTF8.self) }

    /// Per letter, a 4-bit mask of the bases it stands for (A = 1, C = 2, G = 4, T = 8); 0 for
    /// a letter that is not a code.
    static let expansion: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        let codes: [(Character, UInt8)] = [
            ("A", 1), ("C", 2), ("G", 4), ("T", 8), ("R", 1 | 4), ("Y", 2 | 8), ("S", 2 | 4), ("W", 1 | 8),
            ("K", 4 | 8), ("M", 1 | 2), ("B", 2 | 4 | 8), ("D", 1 | 4 | 8), ("H", 1 | 2 | 8), ("V", 1 | 2 | 4),
            ("N", 15),
        ]
        for (c, m) in codes { t[Int(c.asciiValue!)] = m }
        return t
    }()

    /// The frequencies of the `4^k` k-mers, indexed in base 4 with A = 0, C = 1, G = 2, T = 3
    /// (`AAAA` = 0, `AAAC` = 1, …, `TTTT` = 255 for k = 4), summing to 1. A k-mer holding
    /// ambiguity codes counts once, spread evenly over the concrete k-mers it stands for; one
    /// standing for more than 256 of them is left out. All zeros when the sequence is shorter
    /// than k.
    public func kmerFrequencies(k: Int = 4) throws -> [Float] {
        guard (1...12).contains(k) else { throw BioCubeError(.invalidArgument, "k-mer length \(k) is not 1…12") }
        let size = 1 << (2 * k)
        var counts = [Double](repeating: 0, count: size)
        guard bases.count >= k else { return [Float](repeating: 0, count: size) }
        let mask = size - 1
        var total = 0.0
        bases.withUnsafeBufferPointer { b in
            counts.withUnsafeMutableBufferPointer { c in
                // A rolling base-4 code of the last k bases; `lastAmbiguous` is the position of
                // the latest code letter, so a window is concrete when it lies after it.
                var code = 0
                var lastAmbiguous = -1
                for i in 0..<b.count {
                    let m = Self.expansion[Int(b[i])]
                    let base: Int
                    switch m {
                    case 1: base = 0
                    case 2: base = 1
                    case 4: base = 2
                    case 8: base = 3
                    default:
                        base = 0
                        lastAmbiguous = i
                    }
                    code = (code << 2 | base) & mask
                    guard i >= k - 1 else { continue }
                    if lastAmbiguous <= i - k {
                        c[code] += 1
                        total += 1
                    } else if spreadAmbiguous(b, start: i - k + 1, k: k, into: c) {
                        total += 1
                    }
                }
            }
        }
        guard total > 0 else { return [Float](repeating: 0, count: size) }
        let scale = 1 / total
        return counts.map { Float($0 * scale) }
    }

    /// Spreads one window holding codes over the concrete k-mers it stands for; false (and
    /// nothing counted) when it stands for more than 256.
    private func spreadAmbiguous(
        _ b: UnsafeBufferPointer<UInt8>,
        start: Int,
        k: Int,
        into c: UnsafeMutableBufferPointer<Double>
    ) -> Bool {
        var combinations = 1
        for j in 0..<k { combinations *= Self.expansion[Int(b[start + j])].nonzeroBitCount }
        guard combinations <= 256 else { return false }
        let share = 1 / Double(combinations)
        var indices = [0]
        for j in 0..<k {
            let m = Self.expansion[Int(b[start + j])]
            indices = indices.flatMap { i in (0..<4).filter { m & (1 << $0) != 0 }.map { i << 2 | $0 } }
        }
        for i in indices { c[i] += share }
        return true
    }

    /// One-hot encoding `(4, length)` in the order A, C, G, T: an ambiguity code spreads 1
    /// evenly over the bases it stands for (`N` gives ¼ each); positions past the end of a
    /// shorter sequence are 0, a longer sequence is cut after `length` bases.
    public func oneHot(length: Int) throws -> Tensor {
        guard (1...1_000_000).contains(length) else {
            throw BioCubeError(.invalidArgument, "one-hot length \(length) is not 1…1000000")
        }
        var out = [Float](repeating: 0, count: 4 * length)
        for (i, b) in bases.prefix(length).enumerated() {
            let m = Self.expansion[Int(b)]
            let share = 1 / Float(m.nonzeroBitCount)
            for c in 0..<4 where m & (1 << c) != 0 { out[c * length + i] = share }
        }
        return try Tensor(shape: [4, length], storage: out)
    }
}
