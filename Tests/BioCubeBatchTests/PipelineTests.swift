import BioCube
import BioCubeCore
import BioCubeSample
import BioCubeViewer
import Foundation
import Testing

@testable import BioCubeBatch
@testable import BioCubeBuild

/// sample → build → batches, checked cell by cell against the values the sample generator
/// knows it wrote (``SampleTree/expected(_:level:at:latitude:longitude:)``).
@Suite(.serialized) struct PipelineTests {
    static let root: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("biocube-pipeline-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        return dir
    }()

    static let tree = try! SampleTree(start: UTCDateTime(year: 2000, month: 1), end: UTCDateTime(year: 2000, month: 3))

    /// The sample store, built once for every suite that uses it (a task, so a test waiting
    /// for it suspends instead of blocking a thread of the cooperative pool).
    static let building = Task { () async throws -> String in
        try tree.write(to: root + "/BioCube")
        let options = BuildOptions(storePath: root + "/cube.zarr")
        let builder = try await CubeBuilder.prepare(root: root + "/BioCube", options: options)
        let summary = try await builder.run()
        guard summary.complete && summary.builtSteps == 3 else {
            throw BioCubeError(.invalidMetadata, "the sample build stopped short: \(summary)", file: options.storePath)
        }
        return options.storePath
    }

    /// The sample store's path, once it is built.
    static func store() async throws -> String { try await building.value }

    /// Writes `tree` under the suite's folder as `name` and builds it.
    static func build(
        _ tree: SampleTree,
        name: String,
        config: BuildConfig = .published
    ) async throws -> (store: String, summary: BuildSummary, stepBlock: Int) {
        try? FileManager.default.removeItem(atPath: root + "/" + name)
        try tree.write(to: root + "/" + name + "/BioCube")
        var options = BuildOptions(storePath: root + "/" + name + "/cube.zarr")
        options.config = config
        let builder = try await CubeBuilder.prepare(root: root + "/" + name + "/BioCube", options: options)
        return (options.storePath, try await builder.run(), builder.stepBlock)
    }

    /// Every value of every batch of `store` against what `tree` wrote.
    static func expectSampleValues(_ store: String, _ tree: SampleTree) async throws {
        let sampler = try BatchSampler(storePath: store)
        try await sampler.forEachBatch { i, batch in
            #expect(
                batch.metadata.timestamps.map(\.description) == [
                    tree.months[i].description, tree.months[i + 1].description,
                ]
            )
            #expect(batch.metadata.latitudes.first == 32 && batch.metadata.latitudes.last == 72)
            #expect(batch.metadata.speciesList == SampleField.species)
            #expect(batch[.agriculture].map(\.name) == ["Agriculture", "Arable", "Cropland"])
            #expect(batch[.surface].map(\.name) == VariableGroup.surface.publishedVariables)
            #expect(batch[.climate].map(\.name) == VariableGroup.climate.publishedVariables)
            #expect(batch[.misc].map(\.name) == VariableGroup.misc.publishedVariables)
            for (group, variable) in batch.allVariables {
                let t = variable.tensor
                let levels = batch.metadata.pressureLevels ?? []
                let isLevels = t.shape.count == 4
                let planes = isLevels ? levels.count : 1
                var worst = 0.0
                var mismatch: String? = nil
                var expected = [Float]()
                for s in 0..<2 {
                    for l in 0..<planes {
                        expected += tree.expectedPlane(
                            variable.name,
                            group: group,
                            level: isLevels ? levels[l] : nil,
                            at: batch.metadata.timestamps[s],
                            latitudes: batch.metadata.latitudes,
                            longitudes: batch.metadata.longitudes
                        )
                    }
                }
                // Legacy int16 packing rounds to half a packing step of the variable's range.
                let finite = expected.filter(\.isFinite)
                let range = Double((finite.max() ?? 0) - (finite.min() ?? 0))
                let tolerance = SampleTree.packedVariables.contains(variable.name) ? range / 65_532 + 1e-6 : 0
                for k in expected.indices {
                    let a = t.storage[k]
                    let b = expected[k]
                    if a.isNaN != b.isNaN {
                        mismatch = "element \(k): \(a) vs \(b)"
                        break
                    }
                    if !a.isNaN { worst = max(worst, abs(Double(a) - Double(b))) }
                }
                #expect(mismatch == nil, "\(group.rawValue)/\(variable.name) window \(i): \(mismatch ?? "")")
                #expect(worst <= tolerance, "\(group.rawValue)/\(variable.name) window \(i): differs by \(worst)")
            }
        }
    }

    @Test func everyBatchValueIsWhatTheSampleWrote() async throws {
        let sampler = try await BatchSampler(storePath: Self.store())
        #expect(sampler.count == 2)
        // t2m (two identical files) is stored once; Agriculture_Irrigated is stored but not exported.
        #expect(sampler.variables.count == 44)
        #expect(sampler.variables.first { $0.name == "t2m" }?.groups == [.surface, .climate])
        try await Self.expectSampleValues(await Self.store(), Self.tree)
    }

    @Test(arguments: [SampleTree.ERA5Layout.timeChunked, .libraryDefault, .classic])
    func everyLayoutBuildsTheSameValues(layout: SampleTree.ERA5Layout) async throws {
        var tree = Self.tree
        tree.era5Layout = layout
        let (store, summary, block) = try await Self.build(tree, name: "layout-\(layout.rawValue)")
        #expect(summary.complete)
        // Chunks spanning steps are built in blocks of their time extent (all 3 steps here).
        #expect(block == (layout == .classic ? 1 : 3))
        #expect(
            !summary.problems.contains { $0.severity == .error },
            "\(summary.problems.filter { $0.severity == .error })"
        )
        try await Self.expectSampleValues(store, tree)
    }

    @Test func t2mThatDiffersIsStoredPerGroupFromTheFileOwningIt() async throws {
        var tree = Self.tree
        tree.climateT2mOffset = 0.5
        let (store, summary, _) = try await Self.build(tree, name: "distinct-t2m")
        let sampler = try BatchSampler(storePath: store)
        let t2m = sampler.variables.filter { $0.name == "t2m" }
        #expect(t2m.map(\.path) == ["surface_variables/t2m", "climate_variables/t2m"])
        #expect(
            t2m.map(\.sources) == [
                ["Copernicus/ERA5-monthly/era5-single/era5_single.nc"],
                ["Copernicus/ERA5-monthly/era5-climate-energy-moisture/era5-climate-energy-moisture-1.nc"],
            ]
        )
        #expect(
            summary.problems.contains {
                $0.severity == .info && $0.variable == "t2m" && $0.code == .providedTwice
                    && $0.message.contains("stored per group")
            }
        )
        try await Self.expectSampleValues(store, tree)
    }

    @Test func aConflictNoRuleResolvesStopsTheBuildUntilPreferNamesAFile() async throws {
        var tree = Self.tree
        tree.climateT2mOffset = 0.5
        // With t2m in one group only, no per-group split can serve both files.
        let oneGroup = BuildConfig.published.merging(BuildConfig(groups: ["t2m": [.surface]]))
        do {
            _ = try await Self.build(tree, name: "conflict", config: oneGroup)
            Issue.record("the build should refuse")
        } catch let e as BioCubeError {
            #expect(e.code == .conflictingSources && e.variable == "t2m")
            #expect(
                e.message.contains("era5_single.nc") && e.message.contains("era5-climate-energy-moisture-1.nc")
                    && e.message.contains("prefer")
            )
        }
        let preferred = oneGroup.merging(BuildConfig(prefer: ["t2m": "era5_single.nc"]))
        let (store, summary, _) = try await Self.build(tree, name: "conflict", config: preferred)
        #expect(summary.complete)
        #expect(
            try BatchSampler(storePath: store).variables.filter { $0.name == "t2m" }.map(\.sources.first) == [
                "Copernicus/ERA5-monthly/era5-single/era5_single.nc"
            ]
        )
    }

    @Test func aRebuildKeepsVariablesItDidNotWrite() async throws {
        let (store, _, _) = try await Self.build(Self.tree, name: "kept")
        var cube = try CubeStore.open(at: store)
        let shape = [3, 161, 281]
        let elevation = try cube.createArray(
            "misc_variables/elevation",
            metadata: ArrayMetadata(
                shape: shape,
                dataType: .float32,
                chunkShape: [1, 161, 281],
                dimensionNames: CubeStore.dimensionNames(levels: false)
            )
        )
        for t in 0..<3 { try elevation.writeChunk([Float](repeating: Float(t), count: 161 * 281), at: [t, 0, 0]) }
        var root = try cube.attributes(of: "")
        var list = try #require(root["variables"]?.arrayValue)
        list.append([
            "name": "elevation", "path": "misc_variables/elevation", "groups": ["misc_variables"],
            "sources": ["by hand"],
        ])
        root["variables"] = .array(list)
        try cube.setAttributes(root, of: "")
        // A resume with nothing to do, then a rebuild of every step.
        var options = BuildOptions(storePath: store)
        for pass in 0..<2 {
            if pass == 1 { try FileManager.default.removeItem(atPath: store + "/.biocube-build") }
            let summary = try await CubeBuilder.prepare(root: Self.root + "/kept/BioCube", options: options).run()
            #expect(summary.keptVariables == ["misc_variables/elevation"])
            let sampler = try BatchSampler(storePath: store)
            #expect(sampler.variables.contains { $0.path == "misc_variables/elevation" })
            let b = try await sampler.batch(at: 1)
            #expect(b.tensor(.misc, "elevation")?.storage.first == 1)
        }
        options.jobs = 1
        // An array that no longer fits is refused, naming it.
        cube = try CubeStore.open(at: store)
        _ = try cube.createArray(
            "misc_variables/elevation",
            metadata: ArrayMetadata(
                shape: [2, 161, 281],
                dataType: .float32,
                chunkShape: [1, 161, 281],
                dimensionNames: CubeStore.dimensionNames(levels: false)
            ),
            overwrite: true
        )
        await #expect {
            try await CubeBuilder.prepare(root: Self.root + "/kept/BioCube", options: options).run()
        } throws: {
            ($0 as? BioCubeError)?.message.contains("misc_variables/elevation") == true
        }
    }

    @Test func selectionAddsDropsAndPicksSpeciesAndLevels() async throws {
        let store = try await Self.store()
        var selection = try VariableSelection.parsingVariables(
            "+agriculture:Agriculture_Irrigated,-surface_variables:lsm,-misc:*"
        )
        selection.species = .top(3)
        selection.levels = [850, 1000]
        let sampler = try BatchSampler(storePath: store, selection: selection)
        let b = try await sampler.batch(at: 0)
        #expect(b[.agriculture].map(\.name) == ["Agriculture", "Arable", "Cropland", "Agriculture_Irrigated"])
        #expect(!b[.surface].contains { $0.name == "lsm" } && b[.misc].isEmpty)
        #expect(b.metadata.pressureLevels == [850, 1000] && b.tensor(.atmospheric, "t")?.shape == [2, 2, 161, 281])
        let full = try await BatchSampler(storePath: store).batch(at: 0)
        #expect(
            try b.tensor(.atmospheric, "t")!.isBitwiseEqual(
                to: full.selectingLevels([850, 1000]).tensor(.atmospheric, "t")!
            )
        )
        // top:3 = the three species with the most occurrences over the windows' steps.
        let totals = full[.species].map { v in
            (v.name, v.tensor.storage.reduce(0.0) { $0 + ($1.isNaN ? 0 : Double($1)) })
        }
        let third = try await BatchSampler(storePath: store).batch(at: 1)
        let all = zip(totals, third[.species]).map {
            ($0.0.0, $0.0.1 + $0.1.tensor.storage[(161 * 281)...].reduce(0.0) { $0 + ($1.isNaN ? 0 : Double($1)) })
        }
        let top = Set(all.sorted { $0.1 > $1.1 }.prefix(3).map(\.0))
        #expect(Set(b.metadata.speciesList ?? []) == top && b[.species].count == 3)
        #expect(b.selectionViolations(selection).isEmpty)
        #expect(!full.selectionViolations(selection).isEmpty)
        // Unknown variables, species and levels are errors naming them.
        for bad in [
            VariableSelection(added: [.init(.agriculture, "Irrigation")]), VariableSelection(species: .keys(["42"])),
            VariableSelection(levels: [775]),
        ] {
            #expect(throws: BioCubeError.self) { try BatchSampler(storePath: store, selection: bad) }
        }
    }

    @Test func randomAccessEqualsSequentialIteration() async throws {
        let sampler = try await BatchSampler(storePath: Self.store())
        let second = try await sampler.batch(at: 1)
        try await sampler.forEachBatch(in: 1..<2) { _, b in
            for (x, y) in zip(b.allVariables, second.allVariables) {
                #expect(x.variable.name == y.variable.name && x.variable.tensor.isBitwiseEqual(to: y.variable.tensor))
            }
        }
    }

    /// One slicing rule: the sampler's region and `Batch.sliced(to:)` give the same cells,
    /// also for a region in 0…360° longitudes (355…360 is −5…0 on this −25…45 grid; the batch
    /// slicer used to refuse it while the sampler cut 17×21 cells).
    @Test(arguments: [
        (40.0, 50.0, 0.0, 12.5, 41, 51), (50.0, 54.0, 355.0, 360.0, 17, 21), (50.0, 54.0, 350.0, 360.0, 17, 41),
        (35.0, 36.0, 340.0, 350.0, 5, 41),
    ])
    func regionSamplerEqualsSlicedBatch(
        south: Double,
        north: Double,
        west: Double,
        east: Double,
        rows: Int,
        columns: Int
    ) async throws {
        let region = try Region(south: south, north: north, west: west, east: east)
        let whole = try await BatchSampler(storePath: await Self.store()).batch(at: 0)
        let cut = try await BatchSampler(storePath: await Self.store(), region: region).batch(at: 0)
        let sliced = try whole.sliced(to: region)
        #expect(cut.metadata == sliced.metadata)
        #expect(cut.metadata.latitudes.count == rows && cut.metadata.longitudes.count == columns)
        for (x, y) in zip(cut.allVariables, sliced.allVariables) {
            #expect(x.variable.tensor.isBitwiseEqual(to: y.variable.tensor))
        }
    }
}
