import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeMedia

@Suite("Species media dataset pieces")
struct DatasetTests {
    @Test(arguments: [
        ("2020-05-01T08:15:00+02:00", "2020-05-01T06:15:00Z"), ("2020-06-01T01:00:00Z", "2020-06-01T01:00:00Z"),
        ("2020-05-01T08:15:00.123-05:30", "2020-05-01T13:45:00Z"), ("2020-05-01", "2020-05-01T00:00:00Z"),
        ("2020-05-01 08:15", "2020-05-01T08:15:00Z"), ("2021-01-01T00:30:00+01:00", "2020-12-31T23:30:00Z"),
    ])
    func timestampsBecomeUTC(text: String, expected: String) throws {
        let t = try #require(MediaTimestamp.parse(text))
        #expect(t == (try UTCDateTime(parsing: expected)))
    }

    @Test(arguments: ["", "?", "unknown", "2020-13-01", "2020-05-01T08:15:00+2"])
    func unusableTimestampsAreNil(text: String) {
        #expect(MediaTimestamp.parse(text) == nil)
    }

    @Test func speciesTaxonomyIsTheMostFrequentValuePerRank() {
        var a = MediaRecord(id: "1", source: "s", kind: .image, species: "X y")
        a.taxonomy = ["family": "Turdidae", "genus": "Turdus"]
        var b = a
        b.taxonomy = ["family": "Turdidae", "genus": "Turdux"]
        var c = a
        c.taxonomy = ["family": "Muscicapidae"]
        #expect(SpeciesMediaDataset.taxonomy(of: [a, b, c]) == ["family": "Turdidae", "genus": "Turdus"])
    }

    @Test func labelsExtendWithoutRenumbering() {
        var r = MediaRecord(id: "1", source: "s", kind: .image, species: "Turdus merula")
        r.taxonomy = ["phylum": "Chordata", "genus": "Turdus"]
        let first = LabelMappings().extended(with: [r])
        #expect(first.labels(of: r) == [1, 1, 0, 0, 0, 1])
        var s = r
        s.species = "Aaa bbb"
        s.taxonomy["genus"] = "Aaa"
        let second = first.extended(with: [s, r])
        #expect(second.labels(of: r) == [1, 1, 0, 0, 0, 1], "existing ids unchanged")
        #expect(second.labels(of: s) == [2, 1, 0, 0, 0, 2])
    }
}
