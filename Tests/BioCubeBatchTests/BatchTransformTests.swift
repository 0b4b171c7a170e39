import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeBatch

@Suite struct BatchTransformTests {
    static func batch() throws -> Batch {
        let lats = (0..<8).map { 40 + 0.25 * Double($0) }
        let lons = (0..<10).map { 0.25 * Double($0) }
        let levels = [1000.0, 850, 500]
        var rng = SplitMix64(seed: 3)
        func tensor(_ shape: [Int]) throws -> Tensor {
            try Tensor(shape: shape, storage: (0..<shape.reduce(1, *)).map { _ in rng.nextSignedUnit() * 100 + 5 })
        }
        return try Batch(
            metadata: .init(
                latitudes: lats,
                longitudes: lons,
                timestamps: [UTCDateTime(year: 2000, month: 1), UTCDateTime(year: 2000, month: 2)],
                pressureLevels: levels,
                speciesList: ["5"]
            ),
            groups: [
                .surface: [.init(name: "t2m", tensor: try tensor([2, 8, 10]))],
                .atmospheric: [.init(name: "t", tensor: try tensor([2, 3, 8, 10]))],
                .species: [.init(name: "5", tensor: Tensor(shape: [2, 8, 10], repeating: .nan))],
            ]
        )
    }

    @Test func slicingKeepsTheCellsInsideTheRegion() throws {
        let b = try Self.batch()
        let s = try b.sliced(to: Region(south: 40.5, north: 41, west: 0.5, east: 1.25))
        #expect(s.metadata.latitudes == [40.5, 40.75, 41] && s.metadata.longitudes == [0.5, 0.75, 1, 1.25])
        let t = try #require(s.tensor(.atmospheric, "t"))
        let full = try #require(b.tensor(.atmospheric, "t"))
        #expect(t.shape == [2, 3, 3, 4])
        #expect(t[1, 2, 0, 0] == full[1, 2, 2, 2] && t[0, 1, 2, 3] == full[0, 1, 4, 5])
        #expect(throws: BioCubeError.self) { try b.sliced(to: Region(south: 60, north: 61, west: 0, east: 1)) }
    }

    @Test(arguments: [1, 3, 4, 8])
    func croppingToPatchMultiples(patch: Int) throws {
        let c = try Self.batch().cropped(toMultipleOf: patch)
        #expect(c.metadata.latitudes.count % patch == 0 && c.metadata.longitudes.count % patch == 0)
        #expect(c.tensor(.surface, "t2m")?.shape == [2, c.metadata.latitudes.count, c.metadata.longitudes.count])
    }

    @Test func selectingLevelsReordersTheLevelAxis() throws {
        let b = try Self.batch()
        let s = try b.selectingLevels([500, 1000])
        let t = try #require(s.tensor(.atmospheric, "t"))
        let full = try #require(b.tensor(.atmospheric, "t"))
        #expect(s.metadata.pressureLevels == [500, 1000] && t.shape == [2, 2, 8, 10])
        #expect(t[1, 0, 3, 4] == full[1, 2, 3, 4] && t[0, 1, 7, 9] == full[0, 0, 7, 9])
        #expect(s.tensor(.surface, "t2m")?.isBitwiseEqual(to: b.tensor(.surface, "t2m")!) == true)
        #expect(throws: BioCubeError.self) { try b.selectingLevels([700]) }
    }

    @Test(arguments: Batch.NormalisationMode.allCases)
    func normalisationHasAnExactInverse(mode: Batch.NormalisationMode) throws {
        let b = try Self.batch()
        func entry(_ levels: Int, mean: Double, std: Double) -> NormalisationStatistics.Entry {
            .init(
                mean: Array(repeating: mean, count: levels),
                std: Array(repeating: std, count: levels),
                min: Array(repeating: -95, count: levels),
                max: Array(repeating: 105, count: levels),
                countValid: Array(repeating: 1, count: levels),
                countNaN: Array(repeating: 0, count: levels),
                nanPercent: Array(repeating: 0, count: levels),
                perLevel: levels > 1,
                levels: levels > 1 ? [1000, 850, 500] : nil
            )
        }
        let stats = NormalisationStatistics(groups: [
            "surface_variables": ["t2m": entry(1, mean: 5, std: 57)],
            "atmospheric_variables": ["t": entry(3, mean: 4, std: 0)],
            "species_variables": ["5": entry(1, mean: 0, std: 1)],
        ])
        let n = try b.normalised(with: stats, mode: mode)
        let x = try #require(n.tensor(.surface, "t2m"))
        let orig = try #require(b.tensor(.surface, "t2m"))
        if mode == .minMax { #expect(x.storage.allSatisfy { $0 >= -0.0001 && $0 <= 1.0001 }) }
        let back = try n.denormalised(with: stats, mode: mode)
        for (g, v) in b.allVariables {
            let r = try #require(back.tensor(g, v.name))
            for (p, q) in zip(r.storage, v.tensor.storage) {
                #expect(p.isNaN ? q.isNaN : abs(p - q) <= 1e-4 * max(1, abs(q)))
            }
        }
        #expect(orig.count == x.count)
        let missing = NormalisationStatistics(groups: [:])
        #expect(throws: BioCubeError.self) { try b.normalised(with: missing, mode: mode) }
    }

    /// Per-level statistics whose level `l` has mean `100 * l` and std `l + 1` (levels
    /// 1000, 850, 500, 250 in that order), so a value tells which entry scaled it.
    static func levelStatistics(levels: [Double]? = [1000, 850, 500, 250]) -> NormalisationStatistics {
        let n = 4
        return NormalisationStatistics(groups: [
            "atmospheric_variables": [
                "t": .init(
                    mean: (0..<n).map { 100 * Double($0) },
                    std: (0..<n).map { Double($0 + 1) },
                    min: Array(repeating: 0, count: n),
                    max: Array(repeating: 1, count: n),
                    countValid: Array(repeating: 1, count: n),
                    countNaN: Array(repeating: 0, count: n),
                    nanPercent: Array(repeating: 0, count: n),
                    perLevel: true,
                    levels: levels
                )
            ]
        ])
    }

    /// Normalises `batch`'s `t` and checks each level against the entry of the same pressure.
    func expectMatchedByValue(_ batch: Batch) throws {
        let stats = Self.levelStatistics()
        let only = try Batch(metadata: batch.metadata, groups: [.atmospheric: batch[.atmospheric]])
        let n = try only.normalised(with: stats, mode: .standardise)
        let raw = try #require(only.tensor(.atmospheric, "t"))
        let scaled = try #require(n.tensor(.atmospheric, "t"))
        let order: [Double] = [1000, 850, 500, 250]
        for (l, p) in (batch.metadata.pressureLevels ?? []).enumerated() {
            let k = try #require(order.firstIndex(of: p))
            let x = raw[1, l, 2, 3]
            let y = scaled[1, l, 2, 3]
            #expect(abs(Double(y) - (Double(x) - 100 * Double(k)) / Double(k + 1)) < 1e-4, "level \(p)")
        }
        let back = try n.denormalised(with: stats, mode: .standardise)
        for (p, q) in zip(back.tensor(.atmospheric, "t")!.storage, raw.storage) { #expect(abs(p - q) <= 1e-3) }
    }

    @Test func normalisationMatchesLevelsByValueAfterASubset() throws {
        try expectMatchedByValue(try Self.batch().selectingLevels([850, 500]))
    }

    @Test func normalisationMatchesLevelsByValueInAnyOrder() throws {
        try expectMatchedByValue(try Self.batch().selectingLevels([500, 1000, 850]))
    }

    @Test func normalisationRefusesAMissingLevelOrUnlabelledLevels() throws {
        let b = try Self.batch()  // levels 1000, 850, 500
        let only = try Batch(metadata: b.metadata, groups: [.atmospheric: b[.atmospheric]])
        let lacking = NormalisationStatistics(groups: [
            "atmospheric_variables": [
                "t": .init(
                    mean: [0, 0],
                    std: [1, 1],
                    min: [0, 0],
                    max: [1, 1],
                    countValid: [1, 1],
                    countNaN: [0, 0],
                    nanPercent: [0, 0],
                    perLevel: true,
                    levels: [1000, 850]
                )
            ]
        ])
        #expect { try only.normalised(with: lacking, mode: .standardise) } throws: {
            ($0 as? BioCubeError)?.message.contains("500") == true
        }
        #expect(throws: BioCubeError.self) {
            try only.normalised(with: Self.levelStatistics(levels: nil), mode: .standardise)
        }
    }

    @Test func statisticsCarryTheirLevelsThroughTheJSON() throws {
        var s = BatchStatistics()
        s.add(try Self.batch().selectingLevels([500, 1000]))
        let tmp = TemporaryDirectory("stats")
        let dir = tmp.path
        try s.write(to: dir + "/stats.json")
        let loaded = try NormalisationStatistics.load(path: dir + "/stats.json")
        #expect(try loaded.entry(.atmospheric, "t").levels == [500, 1000])
        // A file without level values (as published) needs them named.
        let text = try String(contentsOfFile: dir + "/stats.json", encoding: .utf8)
        let bare = text.replacingOccurrences(of: ",\n      \"levels\": [500.0, 1000.0]", with: "")
        #expect(bare != text)
        try bare.write(toFile: dir + "/bare.json", atomically: true, encoding: .utf8)
        #expect(try NormalisationStatistics.load(path: dir + "/bare.json").entry(.atmospheric, "t").levels == nil)
        #expect(
            try NormalisationStatistics.load(path: dir + "/bare.json", pressureLevels: [500, 1000]).entry(
                .atmospheric,
                "t"
            ).levels == [500, 1000]
        )
        #expect(throws: BioCubeError.self) {
            try NormalisationStatistics.load(path: dir + "/bare.json", pressureLevels: [500])
        }
    }

    @Test func zeroPolicyFillsOnlyIndicatorAndSpeciesGroups() throws {
        var b = try Self.batch()
        b = try b.fillingMissing(with: .nan, in: [])
        let z = try MissingValuePolicy.zero.apply(to: b)
        #expect(z.tensor(.species, "5")!.storage.allSatisfy { $0 == 0 })
        #expect(try MissingValuePolicy.nan.apply(to: b).tensor(.species, "5")!.storage.allSatisfy(\.isNaN))
    }

    @Test func fileStemsFollowTheBfmNames() throws {
        #expect(try Self.batch().fileStem == "batch_2000-01-01_to_2000-02-01")
        let sixHourly = try Batch(
            metadata: .init(
                latitudes: [1],
                longitudes: [1],
                timestamps: [UTCDateTime(year: 2000, month: 1, hour: 6), UTCDateTime(year: 2000, month: 1, hour: 12)]
            ),
            groups: [:]
        )
        #expect(sixHourly.fileStem == "batch_2000-01-01_06-00-00_to_2000-01-01_12-00-00")
    }
}

@Suite struct PickleRoundTripTests {
    @Test(arguments: [0, 255, 65_535, Int(Int32.max), Int(Int32.max) + 1, -5, Int(Int32.min) - 1, 1 << 40])
    func integersOfAnySizeRoundTrip(value: Int) throws {
        var w = PickleWriter()
        w.int(value)
        w.stop()
        var r = PickleReader(w.bytes)
        guard case .int(let back) = try r.read() else {
            Issue.record("not an int")
            return
        }
        #expect(back == value)
    }

    @Test func truncatedPickleIsAnError() {
        var r = PickleReader([0x80])
        let error = #expect(throws: BioCubeError.self) { try r.read() }
        #expect(error?.code == .truncated && error?.code.category == .corruptData)
    }
}
