import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeCore

/// Errors and problems carry a stable code and their place as fields; callers never read
/// the message text to decide anything.
@Suite struct BioCubeErrorTests {
    @Test func contextIsAddedOnceAndNeverOverwritten() {
        let inner = BioCubeError(.corruptData, "crc32c checksum mismatch")
        let placed = inner.adding(file: "/s.zarr/t2m/c/0/0/0", variable: "t2m")
        let outer = placed.adding(file: "/elsewhere", variable: "other", step: "2000-01-01")
        #expect(outer.file == "/s.zarr/t2m/c/0/0/0" && outer.variable == "t2m" && outer.step == "2000-01-01")
        #expect(outer.code == .corruptData && outer.message == "crc32c checksum mismatch")
        #expect(
            "\(outer)" == "corrupt data: /s.zarr/t2m/c/0/0/0: variable 't2m', step 2000-01-01: crc32c checksum mismatch"
        )
        #expect("\(BioCubeError(.io, "cannot open", file: "/a.nc"))" == "i/o error: /a.nc: cannot open")
        #expect("\(BioCubeError(.unsupported, "ZIP64", column: "x"))" == "unsupported: column 'x': ZIP64")
    }

    @Test func fileErrorsNameTheirFileAsAField() throws {
        let dir = TemporaryDirectory()
        let missing = dir.file("nothing.bin")
        let error = #expect(throws: BioCubeError.self) { _ = try FileIO.read(missing) }
        #expect(error?.code == .notFound && error?.file == missing)
    }

    @Test func problemCodesRoundTripAndOlderEntriesDecode() throws {
        let p = Problem(.warning, .offGrid, file: "a.csv", variable: "gdp", message: "3 of 9 rows lie off the grid")
        let back = try JSONDecoder().decode(Problem.self, from: JSONEncoder().encode(p))
        #expect(back == p)
        let json = try #require(String(data: JSONEncoder().encode(p), encoding: .utf8))
        #expect(json.contains("\"code\":\"off-grid\""))
        // Catalogs written before problems had codes still load.
        let old = #"{"severity":"info","file":"b.nc","message":"stored once"}"#
        let decoded = try JSONDecoder().decode(Problem.self, from: Data(old.utf8))
        #expect(decoded.code == .unspecified && decoded.file == "b.nc")
    }

    /// An error records where it was made and the error it wraps; neither changes what the
    /// error is (equality), and the debug description shows the whole chain.
    @Test func locationAndCauseAreDiagnostics() throws {
        let line = #line + 1
        let inner = BioCubeError(.corruptData, "crc32c checksum mismatch", file: "/s.zarr/t2m/c/0")
        #expect(inner.location == .init(fileID: "BioCubeCoreTests/BioCubeErrorTests.swift", line: line))
        let outer = BioCubeError(.unreadableSources, "1 source unreadable", cause: inner)
        #expect((outer.cause as? BioCubeError) == inner)
        #expect(outer == BioCubeError(.unreadableSources, "1 source unreadable"))
        #expect(Set([outer, BioCubeError(.unreadableSources, "1 source unreadable")]).count == 1)
        let text = outer.debugDescription
        #expect(text.contains("[at BioCubeCoreTests/BioCubeErrorTests.swift:"))
        #expect(text.contains("\n  caused by: corrupt data: /s.zarr/t2m/c/0: crc32c checksum mismatch [at "))
        // A system error under a file read is kept as the cause.
        do {
            _ = try FileIO.read("/nonexistent/biocube-\(UInt64.random(in: 0...UInt64.max))")
            Issue.record("reading a missing file did not throw")
        } catch let e as BioCubeError {
            #expect(e.code == .io || e.code == .notFound)
            #expect(e.location.fileID.hasPrefix("BioCubeCore/"))
        }
    }
}
