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

/// Small files and reports the command line used to parse itself, now library API.
@Suite struct LibraryHelpersTests {
    @Test func speciesKeyFilesReadCommasTabsAndAHeader() throws {
        let dir = TemporaryDirectory()
        try FileIO.writeAtomically(
            dir.file("keys.csv"),
            Array("name,key\nTurdus_merula, 2490719\nParus major\t9705453\n".utf8)
        )
        #expect(
            try SpeciesKeyFile.read(dir.file("keys.csv")) == ["Turdus merula": 2_490_719, "Parus major": 9_705_453]
        )
        try FileIO.writeAtomically(dir.file("bad.csv"), Array("name,key\nTurdus merula,x\n".utf8))
        let error = #expect(throws: BioCubeError.self) { try SpeciesKeyFile.read(dir.file("bad.csv")) }
        #expect(error?.file == dir.file("bad.csv") && error?.message.contains("line 2") == true)
    }

    @Test func repeatedProblemsFoldIntoOneLineWithTheirSteps() {
        func p(_ step: String?, _ variable: String = "t2m") -> Problem {
            Problem(.warning, .missingSteps, file: "a.nc", variable: variable, step: step, message: "no value")
        }
        let months = (1...6).map { p(String(format: "2000-%02d-01T00:00:00", $0)) }
        let lines = Problem.summarised(months + [p(nil, "tp"), p("2000-01-01T06:00:00", "tp")])
        #expect(lines.count == 2)
        #expect(lines[0].hasSuffix("(at 6 steps: 2000-01 … 2000-06)"))
        #expect(lines[1].hasSuffix("(at 2000-01-01T06:00:00)"))
    }
}
