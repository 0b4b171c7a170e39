import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeBatch

/// Variable groups are open: a modality of one's own names its group, batches carry it after
/// the built-in groups, selections and files name it like any group, and names that could
/// not be a store folder or a batch key are refused.
@Suite struct VariableGroupTests {
    static let terrain: VariableGroup = "terrain_variables"

    @Test(arguments: ["terrain_variables", "x2_variables", "surface_variables", "species_media", "lpi_variables"])
    func validNamesAreAccepted(name: String) throws {
        #expect(try VariableGroup(validating: name).rawValue == name)
    }

    @Test(arguments: [
        "terrain", "Terrain_variables", "_variables", "../x_variables", "a b_variables", "2_variables", "",
    ])
    func invalidNamesAreRefusedByName(name: String) {
        let error = #expect(throws: BioCubeError.self) { try VariableGroup(validating: name) }
        #expect(error?.code == .invalidArgument && error?.message.contains("'\(name)'") == true)
    }

    @Test func builtInsKeepTheirOrderAndOwnGroupsFollowByName() {
        let mixed: [VariableGroup] = ["zeta_variables", .lpi, Self.terrain, .surface, .species, .speciesMedia]
        #expect(mixed.sorted() == [.surface, .species, .speciesMedia, .lpi, Self.terrain, "zeta_variables"])
        #expect(VariableGroup.builtIn.count == 14 && VariableGroup.builtIn.filter(\.isPublished).count == 12)
        #expect(!Self.terrain.isBuiltIn && !Self.terrain.isPublished && !Self.terrain.isCarriedOnlyWhenSelected)
        #expect(VariableGroup(rawValue: "climate_variables") == .climate)
    }

    @Test func aBatchCarriesItsOwnGroupAfterThePublishedOnes() throws {
        let batch = try Self.batch()
        #expect(batch.groups.map(\.group) == VariableGroup.published + [Self.terrain])
        #expect(batch.tensor(Self.terrain, "elevation")?.shape == [2, 3, 4])
    }

    @Test(arguments: ["pt", "safetensors"])
    func filesKeepTheOwnGroup(format: String) throws {
        let dir = TemporaryDirectory()
        let path = dir.file("b." + format)
        let exporter: any BatchExporter = format == "pt" ? TorchExporter() : SafetensorsExporter()
        try exporter.write(Self.batch(), to: path)
        let read = try BatchFileReader.read(path: path)
        #expect(read.groups.map(\.group) == VariableGroup.published + [Self.terrain])
        #expect(
            read.tensor(Self.terrain, "elevation")?.storage
                == (try Self.batch()).tensor(Self.terrain, "elevation")?.storage
        )
    }

    /// The statistics file keeps every group's variables: the published groups in the
    /// published file's order, then the others (their statistics used to be left out of the
    /// file, so normalising a batch with an own group failed).
    @Test func statisticsFilesKeepOwnAndExtraGroups() throws {
        var statistics = BatchStatistics()
        statistics.add(try Self.batch())
        statistics.add(Tensor(shape: [2, 3, 4], repeating: 3), group: .lpi, name: "LPI")
        let dir = TemporaryDirectory()
        try statistics.write(to: dir.file("stats.json"))
        let text = try String(contentsOfFile: dir.file("stats.json"), encoding: .utf8)
        let surface = try #require(text.range(of: "\"surface_variables\""))
        let lpi = try #require(text.range(of: "\"lpi_variables\""))
        let terrain = try #require(text.range(of: "\"terrain_variables\""))
        #expect(surface.lowerBound < lpi.lowerBound && lpi.lowerBound < terrain.lowerBound)
        let loaded = try NormalisationStatistics.load(path: dir.file("stats.json"))
        #expect(try loaded.entry(Self.terrain, "elevation").mean == [11.5])
        let normalised = try Self.batch().normalised(with: loaded, mode: .standardise)
        #expect(normalised.tensor(Self.terrain, "elevation")?.storage.first.map { $0 < 0 } == true)
    }

    @Test func selectionsNameOwnGroupsWithOrWithoutTheSuffix() throws {
        let short = try VariableSelection.parsingVariables("-terrain:elevation")
        let long = try VariableSelection.parsingVariables("-terrain_variables:elevation")
        #expect(short == long)
        #expect(!short.includes(Self.terrain, "elevation") && short.includes(Self.terrain, "slope"))
        // Carried by default, unlike the built-in extra groups.
        #expect(VariableSelection().includes(Self.terrain, "elevation"))
        #expect(!VariableSelection().includes(.speciesMedia, "count"))
        #expect(throws: BioCubeError.self) { try VariableSelection.parsingVariables("+Bad Group:x") }
    }

    static func batch() throws -> Batch {
        try Batch(
            metadata: .init(
                latitudes: [40, 40.25, 40.5],
                longitudes: [0, 0.25, 0.5, 0.75],
                timestamps: [UTCDateTime(year: 2000, month: 1), UTCDateTime(year: 2000, month: 2)],
                pressureLevels: nil,
                speciesList: nil
            ),
            groups: [
                .surface: [.init(name: "t2m", tensor: Tensor(shape: [2, 3, 4], repeating: 280))],
                Self.terrain: [
                    .init(name: "elevation", tensor: try Tensor(shape: [2, 3, 4], storage: (0..<24).map(Float.init)))
                ],
            ]
        )
    }
}
