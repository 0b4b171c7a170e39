import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeBatch

/// CDS zips are flattened into a folder: members that share a base name must not overwrite
/// each other, and path tricks stay inside the folder.
@Suite struct ZipExtractionTests {
    static func zip(_ members: [(String, String)], in dir: TemporaryDirectory) throws -> ZipReader {
        let path = dir.file("download.zip")
        let writer = try StoredZipWriter(path: path)
        for (name, text) in members { try writer.add(name, Array(text.utf8)) }
        try writer.finish()
        return try ZipReader(path: path)
    }

    @Test func membersSharingABaseNameKeepTheirPathsAndNoneIsLost() throws {
        let dir = TemporaryDirectory()
        let zip = try Self.zip(
            [("a/data.nc", "first"), ("b/data.nc", "second"), ("single.nc", "third"), ("notes.txt", "x")],
            in: dir
        )
        let out = dir.file("out")
        let written = try zip.extractAll(withSuffix: ".nc", into: out)
        #expect(written.map { ($0 as NSString).lastPathComponent } == ["a-data.nc", "b-data.nc", "single.nc"])
        let texts = try written.map { try String(contentsOfFile: $0, encoding: .utf8) }
        #expect(texts == ["first", "second", "third"])
    }

    @Test func dotDotAndHiddenMembersStayInsideTheFolder() throws {
        let dir = TemporaryDirectory()
        let zip = try Self.zip([("../../escape.nc", "x"), ("./.hidden.nc", "y"), ("ok/../fine.nc", "z")], in: dir)
        let out = dir.file("out")
        let written = try zip.extractAll(withSuffix: ".nc", into: out)
        #expect(written.allSatisfy { $0.hasPrefix(out + "/") && !$0.contains("..") })
        #expect(!FileManager.default.fileExists(atPath: dir.file("escape.nc")))
        #expect(written.map { ($0 as NSString).lastPathComponent }.sorted() == ["escape.nc", "fine.nc"])
    }

    /// A member whose central directory claims 4 GiB (stored, or deflated from 5 bytes) is
    /// refused before anything that size is allocated.
    @Test(arguments: [UInt16(0), 8])
    func aMemberClaimingMoreThanItCanHoldIsRefusedBeforeAllocating(method: UInt16) throws {
        let dir = TemporaryDirectory()
        _ = try Self.zip([("big.nc", "small")], in: dir)
        var bytes = try FileIO.read(dir.file("download.zip"))
        let signature: [UInt8] = [0x50, 0x4B, 1, 2]
        var found: Int?
        for i in 0..<(bytes.count - 4) where bytes[i..<(i + 4)].elementsEqual(signature) {
            found = i
            break
        }
        let central = try #require(found)
        bytes[central + 10] = UInt8(method & 0xFF)
        bytes[central + 11] = UInt8(method >> 8)
        for (k, b) in [UInt8]([0xF0, 0xFF, 0xFF, 0xFF]).enumerated() { bytes[central + 24 + k] = b }  // 4 GiB − 16
        try FileIO.writeAtomically(dir.file("bomb.zip"), bytes)
        let zip = try ZipReader(path: dir.file("bomb.zip"))
        #expect {
            _ = try zip.extractAll(withSuffix: ".nc", into: dir.file("out"))
        } throws: { e in
            (e as? BioCubeError)?.file == dir.file("bomb.zip")
                && (method == 0 ? "\(e)".contains("stored sizes disagree") : "\(e)".contains("can expand to"))
        }
    }
}
