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
            [("a/data.nc", "first"), ("b/data.nc", "second"), ("single.nc", "third"), ("notes.txt", "x")], in: dir)
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
}
