import BioCube
import BioCubeSample
import Foundation
import Testing

/// `BuildOptions.grid` takes any regular grid, not only a preset name: a store built on a
/// grid of one's own holds, cell for cell, what the preset store holds there.
@Suite(.serialized) struct CustomGridTests {
    static let root = FileManager.default.temporaryDirectory.appendingPathComponent("biocube-grid-\(getpid())").path

    @Test func aGridOfYourOwnBuildsTheSameCellsAsThePreset() async throws {
        let dir = Self.root + "/tree"
        try? FileManager.default.removeItem(atPath: Self.root)
        _ = try SampleTree(start: UTCDateTime(year: 2000, month: 1), end: UTCDateTime(year: 2000, month: 2)).write(
            to: dir
        )
        // 40…50 °N, 0…10 °E, descending latitude: no preset, and not a crop of the preset's order.
        let custom = Grid(
            latitude: try GridAxis(first: 50, step: -0.25, count: 41),
            longitude: try GridAxis(first: 0, step: 0.25, count: 41)
        )
        #expect(custom.presetName == nil && Grid.europe025.presetName == "europe025")
        var options = BuildOptions(storePath: dir + "/custom.zarr")
        options.grid = custom
        let builder = try await CubeBuilder.prepare(root: dir, options: options, sources: BuiltinSources.all)
        #expect(builder.catalog.gridName == custom.label)
        #expect(try await builder.run().complete)
        let preset = try await CubeBuilder.prepare(
            root: dir,
            options: BuildOptions(storePath: dir + "/preset.zarr"),
            sources: BuiltinSources.all
        )
        #expect(try await preset.run().complete)

        let mine = try await BatchSampler(storePath: dir + "/custom.zarr").batch(at: 0)
        let theirs = try await BatchSampler(storePath: dir + "/preset.zarr").batch(at: 0)
        #expect(mine.metadata.latitudes == (0..<41).map { custom.latitude[$0] })
        var compared = 0
        var different = 0
        for group in VariableGroup.published {
            for v in mine[group] {
                let t = try #require(theirs.tensor(group, v.name))
                let m = v.tensor
                let planes = m.count / custom.cellCount
                #expect(planes == t.count / Grid.europe025.cellCount, "\(group.rawValue)/\(v.name)")
                for p in 0..<planes {
                    for r in 0..<custom.height {
                        let (pr, pc) = try #require(Grid.europe025.cell(latitude: custom.latitude[r], longitude: 0))
                        for c in 0..<custom.width {
                            let a = m.storage[p * custom.cellCount + r * custom.width + c]
                            let b = t.storage[p * Grid.europe025.cellCount + pr * Grid.europe025.width + pc + c]
                            compared += 1
                            if !(a == b || (a.isNaN && b.isNaN)) { different += 1 }
                        }
                    }
                }
            }
        }
        #expect(compared > 100_000)
        #expect(different == 0)
    }

    /// The public lattice mapping a modality of one's own uses: a source block placed on a
    /// grid, flipped and shifted into the grid's order, NaN where it does not reach.
    @Test func gridMappingPlacesASourceBlock() throws {
        let grid = Grid(
            latitude: try GridAxis(first: 10, step: 1, count: 4),
            longitude: try GridAxis(first: -2, step: 1, count: 5)
        )
        // Source: latitudes descending 12, 11; longitudes 358, 359, 0, 1 (0…360 convention).
        let mapping = try GridMapping(latitudes: [12, 11], longitudes: [358, 359, 0, 1], grid: grid, path: "tile.nc")
        let block: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]
        let plane = try mapping.plane(from: block)
        let nan = Float.nan
        let expected: [Float] = [nan, nan, nan, nan, nan, 5, 6, 7, 8, nan, 1, 2, 3, 4, nan, nan, nan, nan, nan, nan]
        #expect(plane.count == grid.cellCount)
        #expect(zip(plane, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        #expect(mapping.uncoveredCells == 12)
        let short = #expect(throws: BioCubeError.self) { try mapping.plane(from: [1, 2, 3]) }
        #expect(short?.code == .invalidArgument && short?.message.contains("3 values") == true)
        let off = #expect(throws: BioCubeError.self) {
            try GridMapping(latitudes: [10.5], longitudes: [0], grid: grid, path: "off.nc")
        }
        #expect(off?.code == .offGrid && off?.file == "off.nc")
    }
}
