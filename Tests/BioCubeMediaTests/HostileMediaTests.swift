import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeMedia

/// Media, tables and servers that are not what they claim: a clear error (or correct
/// output), never a write outside the library, a hang, a trap or silently wrong data.
@Suite struct HostileMediaTests {
    /// A 16-bit PCM WAV header claiming `rate` Hz, with `frames` mono samples.
    static func wav(rate: UInt32, frames: Int) -> [UInt8] {
        func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        let data = [UInt8](repeating: 1, count: frames * 2)
        return Array("RIFF".utf8) + le32(UInt32(36 + data.count)) + Array("WAVEfmt ".utf8) + le32(16) + le16(1)
            + le16(1) + le32(rate) + le32(rate * 2) + le16(2) + le16(16) + Array("data".utf8) + le32(UInt32(data.count))
            + data
    }

    @Test func aWAVAtOneHertzOrWithoutSamplesIsAnError() {
        #expect { _ = try AudioClip(decoding: Self.wav(rate: 1, frames: 2000), name: "slow.wav") } throws: {
            "\($0)".contains("1 Hz")
        }
        #expect { _ = try AudioClip(decoding: Self.wav(rate: 16_000, frames: 0), name: "empty.wav") } throws: {
            "\($0)".contains("no samples")
        }
        #expect(throws: Never.self) { _ = try AudioClip(decoding: Self.wav(rate: 16_000, frames: 100), name: "ok.wav") }
    }

    /// An MP3 cut short is refused: by its LAME/Xing header's sample count, or (without one)
    /// by its last frame running past the end of the file.
    @Test func anMP3CutShortIsAnError() throws {
        let whole = try FileIO.read(try FixtureSet("media").path("tone.mp3"))
        #expect(throws: Never.self) { _ = try AudioClip(decoding: whole, name: "tone.mp3") }
        #expect { _ = try AudioClip(decoding: Array(whole.prefix(whole.count / 2)), name: "half.mp3") } throws: {
            "\($0)".contains("cut") && "\($0)".contains("half.mp3")
        }
        // Without the first (Xing/Info) frame only the frame chain can tell.
        var start = 0
        if whole.starts(with: Array("ID3".utf8)) {
            start = 10 + whole[6...9].reduce(0) { ($0 << 7) | Int($1 & 0x7F) }
        }
        let untagged = Array(whole[start...])
        #expect(MP3Decoder.lastFrameShortfall(untagged) == nil)
        #expect(MP3Decoder.lastFrameShortfall(Array(untagged.prefix(untagged.count / 2 + 37))) != nil)
        #expect(MP3Decoder.lastFrameShortfall(untagged + Array("TAG".utf8) + [UInt8](repeating: 0, count: 125)) == nil)
    }

    @Test func textIsDecodedStrictlyLineByLine() throws {
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in "ΟΔΟΣ\nb".utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let decoded = try TextLines.decode(utf16, name: "t.txt")
        #expect(decoded.lines == ["ΟΔΟΣ", "b"] && decoded.encoding == "UTF-16")
        #expect(try TextLines.decode(Array("a\n\nb\r\nc\rd\n".utf8), name: "t").lines == ["a", "", "b", "c", "d"])
        #expect {
            _ = try TextLines.decode(Array("ok\nalso ok\n".utf8) + [0x66, 0xE9, 0x0A], name: "latin1.txt")
        } throws: { "\($0)".contains("line 3 is not valid UTF-8") && "\($0)".contains("latin1.txt") }
    }

    /// Python's `str.lower()`: the final sigma at a word's end.
    @Test(arguments: [("ΟΔΟΣ", "οδος"), ("ΣΟΦΙΑ", "σοφια"), ("ΟΔΟΣ ΣΤΟ", "οδος στο"), ("Σ", "σ")])
    func capitalSigmaLowersAsPythonDoes(text: String, expected: String) {
        #expect(TextNormalisation.normalised(text) == expected)
    }

    @Test func aSpeciesFolderNoSpeciesMapsToIsNamed() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(
            atPath: dir.file("Life/Turdus merula "),
            withIntermediateDirectories: true
        )
        #expect { _ = try MediaLibrary(root: dir.file("Life")).species() } throws: {
            "\($0)".contains("Turdus merula ") && "\($0)".contains("rename")
        }
    }

    /// Rows whose place, time or identity cannot be true are listed and left out, not stored
    /// as given; a photo replaced in place since the last run gets a new tensor.
    @Test func impossibleRowsAreListedAndAReplacedPhotoIsRedone() async throws {
        let dir = TemporaryDirectory()
        let life = MediaLibrary(root: dir.file("Life"))
        let folder = try life.folder(of: "Turdus merula")
        let grey = try FileIO.read(try FixtureSet("media").path("grey.png"))
        try FileIO.writeAtomically(folder + "/images/a.png", grey)
        let summer = "2020-05-01T08:00:00+02:00"
        func photo(_ id: String, lat: Double? = 52.5, lon: Double? = 13.4, time: String = summer) -> MediaRecord {
            var r = MediaRecord(id: id, source: "test", kind: .image, species: "Turdus merula")
            (r.latitude, r.longitude, r.timestamp, r.file) = (lat, lon, time, "images/a.png")
            return r
        }
        // The table is written by hand, as a user editing it would (duplicates included).
        let rows = [
            photo("ok"), photo("zone", time: "2020-05-01T08:00:00+99:99"), photo("nan", lat: .nan),
            photo("far", lon: 999), photo("ok"),
        ]
        let text = CSVText.encode([MediaRecord.columns] + rows.map(\.row))
        try FileIO.writeAtomically(folder + "/images.csv", Array(text.utf8))
        var options = SpeciesMediaDataset.Options()
        options.keepParts = true
        let dataset = SpeciesMediaDataset(library: life, options: options)
        let first = try await dataset.write(to: dir.file("ds/media.parquet"))
        #expect(first.rows == 1, "\(first.problems)")
        for (id, why) in [("zone", "not a date"), ("nan", "latitude"), ("far", "longitude"), ("ok", "listed twice")] {
            #expect(first.problems.contains { $0.contains(" \(id): ") && $0.contains(why) }, "\(id): \(first.problems)")
        }
        // The same photo file, other pixels: the part is not reused.
        let other = try FileIO.read(try FixtureSet("media").path("greyalpha.png"))
        try FileIO.writeAtomically(folder + "/images/a.png", other)
        let second = try await dataset.write(to: dir.file("ds/media.parquet"))
        #expect(second.reusedSpecies == 0)
    }

    @Test func aTableRowCannotEmbedAFileFromOutsideTheLibrary() async throws {
        let dir = TemporaryDirectory()
        try FileIO.writeAtomically(dir.file("secret.png"), try FileIO.read(try FixtureSet("media").path("grey.png")))
        let life = MediaLibrary(root: dir.file("Life"))
        var r = MediaRecord(id: "evil", source: "test", kind: .image, species: "Turdus merula")
        r.file = "../../secret.png"
        r.timestamp = "2020-01-01"
        var ok = MediaRecord(id: "text", source: "test", kind: .text, species: "Turdus merula")
        ok.value = "a thrush"
        try life.add([r])
        try life.add([ok])
        let summary = try await SpeciesMediaDataset(library: life).write(to: dir.file("ds/media.parquet"))
        #expect(summary.rows == 1)
        #expect(summary.problems.contains { $0.contains("evil") && $0.contains("not a safe relative path") })
    }
}
