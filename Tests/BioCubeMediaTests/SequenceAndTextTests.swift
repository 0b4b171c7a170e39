import BioCubeCore
import Foundation
import Testing

@testable import BioCubeMedia

@Suite("DNA sequences and texts")
struct SequenceAndTextTests {
    @Test func cleaningKeepsAmbiguityAndRefusesJunk() throws {
        let dna = try DNASequence("acgu-ac.gt\nN", maximumAmbiguity: 0.2)
        #expect(dna.text == "ACGTACGTN")
        #expect(dna.ambiguousCount == 1)
        #expect { _ = try DNASequence("ACGTNNNN") } throws: { "\($0)".contains("4 of 8 bases are ambiguous") }
        #expect { _ = try DNASequence("ACGTX") } throws: { "\($0)".contains("'X' at position 5") }
        #expect(throws: BioCubeError.self) { _ = try DNASequence("--") }
    }

    @Test func fastaRecordsJoinTheirLinesAndTextBeforeAHeaderIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fasta-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = dir + "/barcodes.fasta"
        try "\n>BOLD:AAA1 Turdus merula \nACGT\nAC\n\n>second\nNNAC\n".write(
            toFile: good,
            atomically: true,
            encoding: .utf8
        )
        let records = try FASTAFile(path: good).records
        #expect(
            records == [
                FASTAFile.Record(name: "BOLD:AAA1 Turdus merula", sequence: "ACGTAC"),
                FASTAFile.Record(name: "second", sequence: "NNAC"),
            ]
        )
        let bad = dir + "/bad.fasta"
        try "ACGT\n>late\nAC\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let error = #expect(throws: BioCubeError.self) { try FASTAFile(path: bad) }
        #expect(error?.file == bad && error?.message.contains("line 1") == true)
        #expect(throws: BioCubeError.self) { try FASTAFile(path: dir + "/missing.fasta") }
    }

    @Test func kmerFrequenciesCountEveryWindow() throws {
        let f = try DNASequence("AAAAC").kmerFrequencies(k: 4)
        #expect(f.count == 256)
        #expect(f[0] == 0.5)  // AAAA
        #expect(f[1] == 0.5)  // AAAC
        #expect(try DNASequence("ACG").kmerFrequencies(k: 4).allSatisfy { $0 == 0 })
        let k2 = try DNASequence("ACGT").kmerFrequencies(k: 2)
        // AC = 0·4 + 1, CG = 1·4 + 2, GT = 2·4 + 3
        #expect(k2[1] == Float(1) / 3 && k2[6] == Float(1) / 3 && k2[11] == Float(1) / 3)
    }

    @Test func ambiguousKmersAreSpreadNotDropped() throws {
        // AR = A then (A or G): half to AA, half to AG.
        let f = try DNASequence("AR", maximumAmbiguity: 1).kmerFrequencies(k: 2)
        #expect(f[0] == 0.5 && f[2] == 0.5)
        #expect(abs(f.reduce(0, +) - 1) < 1e-6)
        let n = try DNASequence("ANNNNA", maximumAmbiguity: 1).kmerFrequencies(k: 4)
        #expect(abs(n.reduce(0, +) - 1) < 1e-5)
    }

    @Test func oneHotSpreadsCodesAndPads() throws {
        let t = try DNASequence("ACGTRN", maximumAmbiguity: 1).oneHot(length: 8)
        #expect(t.shape == [4, 8])
        #expect(t[0, 0] == 1 && t[1, 1] == 1 && t[2, 2] == 1 && t[3, 3] == 1)
        #expect(t[0, 4] == 0.5 && t[2, 4] == 0.5 && t[1, 4] == 0)
        #expect((0..<4).allSatisfy { t[$0, 5] == 0.25 && t[$0, 6] == 0 && t[$0, 7] == 0 })
        #expect(try DNASequence("ACGT").oneHot(length: 2).storage == [1, 0, 0, 1, 0, 0, 0, 0])
    }

    @Test func normalisationFoldsCaseWidthAndPunctuation() {
        #expect(
            TextNormalisation.normalised("  The Blackbird's SONG—loud, ﬁne; well-known!! ")
                == "the blackbird's song loud fine well-known"
        )
        #expect(TextNormalisation.normalised("Ｃａｆé  ２０２０") == "café 2020")
        #expect(TextNormalisation.normalised("-- 'quoted' --") == "quoted")
    }

    @Test func embeddingIsDeterministicUnitLengthAndUsesTheDocumentedHash() throws {
        let e = try HashedTFIDFEmbedder(dimension: 64, maximumNGram: 1)
        let v = try e.embed("bird bird song")
        #expect(v.count == 64)
        #expect(abs(v.map { $0 * $0 }.reduce(0, +) - 1) < 1e-5)
        #expect(try e.embed("Bird, BIRD song!") == v)
        // FNV-1a 64 of "bird": the weights are 1 + ln 2 and 1 for the two words.
        let (b, s) = HashedTFIDFEmbedder.bucket(of: "bird", dimension: 64)
        let (b2, s2) = HashedTFIDFEmbedder.bucket(of: "song", dimension: 64)
        let norm = Float(((1 + log(2.0)) * (1 + log(2.0)) + 1).squareRoot())
        if b != b2 {
            #expect(abs(v[b] - s * Float(1 + log(2.0)) / norm) < 1e-6)
            #expect(abs(v[b2] - s2 / norm) < 1e-6)
        }
        #expect(try e.embed("...").allSatisfy { $0 == 0 })
    }

    @Test func fittingWeighsRareTermsUp() throws {
        let corpus = ["common rare", "common", "common", "common"]
        let e = try HashedTFIDFEmbedder(dimension: 4096, maximumNGram: 1).fitted(to: corpus)
        #expect(e.documents == 4)
        let v = try e.embed("common rare")
        let (c, _) = HashedTFIDFEmbedder.bucket(of: "common", dimension: 4096)
        let (r, _) = HashedTFIDFEmbedder.bucket(of: "rare", dimension: 4096)
        #expect(abs(v[r]) > abs(v[c]))
        #expect(abs(e.inverseDocumentFrequency[r] - Float(log(5.0 / 2) + 1)) < 1e-6)
        #expect(abs(e.inverseDocumentFrequency[c] - 1) < 1e-6)
    }

    @Test(arguments: [
        "  The Blackbird's SONG-loud, fine; well-known!! ", "-- 'quoted' --", "a-b c'd e- f 'g 12-3x", "", "...",
        "Turdus merula (Linnaeus, 1758) is a true thrush.",
    ])
    func asciiPathEqualsTheUnicodePath(text: String) {
        #expect(TextNormalisation.normalised(text) == TextNormalisation.unicodeNormalised(text))
    }

    @Test func gramHashesAreTheHashesOfTheNGrams() throws {
        let e = try HashedTFIDFEmbedder(dimension: 97, maximumNGram: 3)
        for text in ["The common blackbird, a true thrush of Europe", "Ｆｕｌｌ-width café text", "one"] {
            let grams = e.nGrams(text)
            let expected = grams.map { g -> UInt64 in
                var h = HashedTFIDFEmbedder.fnvOffset
                for b in g.utf8 { h = (h ^ UInt64(b)) &* HashedTFIDFEmbedder.fnvPrime }
                return h
            }
            #expect(e.gramHashes(text) == expected, "\(text)")
        }
    }

    /// The NFKC shortcut equals Foundation's NFKC on texts of Latin, Greek and Cyrillic
    /// scalars, combining marks, compatibility characters (ﬁ, ², µ, ſ, Ǆ) and other scripts
    /// mixed in at random, and on every single scalar below U+0500.
    @Test func nfkcShortcutEqualsFoundation() {
        var g = SplitMix64(seed: 42)
        let extras: [UInt32] = [
            0x0301, 0x0308, 0x0342, 0xFB01, 0x00B2, 0x00B5, 0x017F, 0x01C4, 0x1161, 0x3099, 0xAC00, 0x2126,
        ]
        for v in 0..<0x500 {
            guard let s = Unicode.Scalar(v) else { continue }
            let t = String(s)
            #expect(TextNormalisation.compatibilityComposed(t) == t.precomposedStringWithCompatibilityMapping)
        }
        for _ in 0..<3000 {
            var t = String.UnicodeScalarView()
            for _ in 0..<Int(g.next() % 12) {
                let r = g.next()
                let v = r % 5 == 0 ? extras[Int(r / 5 % UInt64(extras.count))] : UInt32(r / 5 % 0x500)
                if let s = Unicode.Scalar(v) { t.append(s) }
            }
            let text = String(t)
            #expect(
                Array(TextNormalisation.compatibilityComposed(text).unicodeScalars)
                    == Array(text.precomposedStringWithCompatibilityMapping.unicodeScalars),
                "\(Array(text.unicodeScalars))"
            )
        }
    }
}
