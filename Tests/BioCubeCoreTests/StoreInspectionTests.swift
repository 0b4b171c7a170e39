import BioCubeTestSupport
import Testing

@testable import BioCubeCore

/// The hyperslab language of `biocube store dump --select` and the written-chunk count of
/// `biocube store info`, as library API.
@Suite struct StoreInspectionTests {
    @Test func selectionsParseEveryForm() throws {
        #expect(
            try DimensionSelection.parse("all, 3,2:7,1;4;9,:", rank: 5) == [
                .all, .index(3), .range(2..<7), .indices([1, 4, 9]), .all,
            ]
        )
    }

    @Test(arguments: ["0:2,all", "x,all,all", "3:1,all,all", "1;a,all,all", "0:2:4,all,all", ",all,all"])
    func malformedSelectionsAreRefusedByEntry(text: String) {
        let error = #expect(throws: BioCubeError.self) { try DimensionSelection.parse(text, rank: 3) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func writtenChunksAreCounted() throws {
        let dir = TemporaryDirectory()
        let store = try CubeStore.create(at: dir.file("s.zarr"))
        let a = try store.createArray(
            "t",
            metadata: ArrayMetadata(shape: [3, 4, 4], dataType: .float32, chunkShape: [1, 2, 4])
        )
        #expect(a.chunkCount == 6 && a.writtenChunkCount == 0)
        try a.write([Float](repeating: 1, count: 8), to: [.index(1), .range(0..<2), .all])
        try a.write([Float](repeating: 2, count: 16), to: [.index(2), .all, .all])
        #expect(a.writtenChunkCount == 3)
        let values: [Float] = try a.read(DimensionSelection.parse("1:3,0,all", rank: 3))
        #expect(values == [1, 1, 1, 1, 2, 2, 2, 2])
    }
}
