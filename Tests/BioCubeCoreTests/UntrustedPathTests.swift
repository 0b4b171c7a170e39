import BioCubeTestSupport
import BioCubeTransfer
import Foundation
import Testing

@testable import BioCubeCore

/// Names from servers, manifests and tables are checked once before anything is written,
/// read or deleted under them; label files are read as strictly as Python reads them.
@Suite struct UntrustedPathTests {
    @Test(arguments: [
        "", "/etc/passwd", "a//b", "..", "a/../../x", "./a", "a/.", "Species/a.csv\u{0}.evil", "a\u{1B}[2Jb",
        "ends-in-space ", "dir /file", "trailing.", "back\\slash",
    ])
    func unsafeNamesAreRefused(name: String) {
        #expect(throws: BioCubeError.self) { _ = try UntrustedPath.components(name, what: "the entry") }
    }

    @Test(arguments: ["..%2F..%2Fx.nc", "a%2F..%2F..%2Fb", "%2Fetc%2Fpasswd", "x%00.nc"])
    func percentEncodedEscapesAreDecodedFirst(name: String) {
        #expect(throws: BioCubeError.self) {
            _ = try UntrustedPath.fileName(name, what: "the product", percentEncoded: true)
        }
    }

    @Test(arguments: ["Copernicus/ERA5-monthly/era5 single/a.nc", "README.md", "Life/Turdus merula/images/1_2.jpg"])
    func ordinaryNamesPass(name: String) throws {
        #expect(try UntrustedPath.components(name, what: "the entry").joined(separator: "/") == name)
    }

    @Test func aSymbolicLinkLeadingOutIsRefused() throws {
        let dir = TemporaryDirectory()
        let outside = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("out"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.file("out/escape"), withDestinationPath: outside.path)
        #expect(throws: BioCubeError.self) {
            _ = try UntrustedPath.resolve("escape/file.nc", inside: dir.file("out"), what: "the entry")
        }
        try FileManager.default.createSymbolicLink(
            atPath: dir.file("out/link.nc"),
            withDestinationPath: "/etc/hostname"
        )
        #expect(throws: BioCubeError.self) {
            _ = try UntrustedPath.resolve("link.nc", inside: dir.file("out"), what: "the entry")
        }
        #expect(try UntrustedPath.resolve("a/b.nc", inside: dir.file("out"), what: "x") == dir.file("out") + "/a/b.nc")
    }

    @Test func duplicateKeysAreFound() {
        #expect(JSONDuplicateKeys.first(in: Array(#"{"a": 1, "b": {"x": 1, "x": 2}}"#.utf8)) == "b/x")
        #expect(JSONDuplicateKeys.first(in: Array(#"{"a": [{"k": 1}, {"k": 2}], "s": "a\"b"}"#.utf8)) == nil)
        #expect(JSONDuplicateKeys.first(in: Array(#"{"a": 1, "a": 1}"#.utf8)) == "a")
    }

    @Test(arguments: [
        (#"{"version": 1, "ranks": {"Genus": {"Turdus": 1, "Turdus": 2}}}"#, "given twice"),
        (#"{"version": 1, "ranks": {"Genus": {"Turdus": 1e300}}}"#, "between 1 and"),
        (#"{"version": 1, "ranks": {"Genus": {"Turdus": -3}}}"#, "between 1 and"),
    ])
    func hostileLabelFilesAreErrors(text: String, expected: String) throws {
        let dir = TemporaryDirectory()
        try FileIO.writeAtomically(dir.file("label_mappings.json"), Array(text.utf8))
        #expect {
            _ = try LabelMappings.load(path: dir.file("label_mappings.json"))
        } throws: { "\($0)".contains(expected) }
    }
}

/// Foundation's `deletingLastPathComponent` traps on Linux for some short paths (`x`, `c/`);
/// the `hub-listing` fuzz target found it through a listing of a file named `c`.
@Suite struct ParentPathTests {
    @Test(arguments: [
        ("x", ""), ("c/", ""), ("ab", ""), ("a/b", "a"), ("/c", "/"), ("./c", "."), ("abc/def/", "abc"),
        ("/a/b/c.nc", "/a/b"), ("/", "/"),
    ])
    func parentsAreComputedWithoutFoundation(path: String, parent: String) {
        #expect(FileIO.parent(of: path) == parent)
    }

    @Test func aListingOfOneLetterNamesIsFine() throws {
        let files = try HuggingFaceDataset.parseListing(
            Data(
                #"[{"type":"file","oid":"1","size":5,"path":"c"},{"type":"file","oid":"2","size":1,"path":"d/e"}]"#.utf8
            ),
            repository: "r",
            page: 1
        )
        try HuggingFaceDataset.checkLayout(files, repository: "r")
        #expect(files.map(\.path) == ["c", "d/e"])
    }
}
