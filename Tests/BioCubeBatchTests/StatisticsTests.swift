import BioCubeCore
import Foundation
import Testing

@testable import BioCubeBatch

@Suite struct StatisticsTests {
    /// Reference moments in Double, two-pass over all values.
    static func reference(_ values: [Float]) -> (n: Int, mean: Double, variance: Double) {
        let v = values.filter(\.isFinite).map(Double.init)
        let mean = v.reduce(0, +) / Double(max(1, v.count))
        return (v.count, mean, v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, v.count)))
    }

    @Test(arguments: [1, 7, 1000])
    func mergedBlocksEqualOnePass(blocks: Int) throws {
        var rng = SplitMix64(seed: UInt64(blocks))
        let values: [Float] = (0..<7000).map { i in
            i % 97 == 0 ? .nan : i % 131 == 0 ? .infinity : 1e8 + 8 * Float(rng.next() % 16)
        }
        var m = RunningMoments()
        let size = (values.count + blocks - 1) / blocks
        for start in stride(from: 0, to: values.count, by: size) {
            m.add(Array(values[start..<min(values.count, start + size)]))
        }
        let r = Self.reference(values)
        #expect(m.count == r.n)
        #expect(m.nanCount == values.filter(\.isNaN).count && m.infinityCount == values.filter(\.isInfinite).count)
        #expect(abs(m.mean - r.mean) <= 1e-12 * r.mean)
        #expect(abs(m.variance - r.variance) <= 1e-9 * r.variance)
        #expect(m.min == 1e8 && m.max == Double(Float(1e8) + 120))
    }

    @Test func weightsCountAStepTwice() {
        var once = RunningMoments()
        var twice = RunningMoments()
        let v: [Float] = [1, 2, 3, .nan]
        once.add(v)
        once.add(v)
        twice.add(v, weight: 2)
        #expect(once == twice)
    }

    @Test func allNaNHasNoMomentsAndFullNaNShare() throws {
        var s = BatchStatistics()
        s.add(Tensor(shape: [2, 2, 2], repeating: .nan), group: .misc, name: "x")
        let json = try #require(s.json["misc_variables"]?["x"]?.objectValue)
        #expect(json["mean"] == .double(0) && json["std"] == .double(0) && json["min"] == .null && json["max"] == .null)
        #expect(json["count_nan"] == .int(8) && json["nan_pct"] == .double(1))
        // The same share in memory (one rule: RunningMoments.nanFraction), also with no values at all.
        #expect(try s.normalisation.entry(.misc, "x").nanPercent == [1])
        s.add(try Tensor(shape: [0, 2, 2], storage: []), group: .misc, name: "empty")
        #expect(s.json["misc_variables"]?["empty"]?["nan_pct"] == .double(1))
        #expect(try s.normalisation.entry(.misc, "empty").nanPercent == [1])
    }

    @Test func levelVariablesGetPerLevelLists() throws {
        var s = BatchStatistics()
        let t = try Tensor(shape: [2, 3, 1, 2], storage: (0..<12).map(Float.init))
        s.add(t, group: .atmospheric, name: "t")
        let json = try #require(s.json["atmospheric_variables"]?["t"]?.objectValue)
        // Level l holds the values 2l, 2l+1, 2l+6 and 2l+7.
        #expect(json["mean"] == .array([.double(3.5), .double(5.5), .double(7.5)]))
        #expect(json["count_valid"] == .array([.int(4), .int(4), .int(4)]))
    }

    @Test func jsonFollowsThePublishedOrder() throws {
        var s = BatchStatistics()
        let plane = Tensor(shape: [2, 2, 2], repeating: 1)
        // Added in batch order (atmospheric before climate), as a batch would.
        s.add(plane, group: .surface, name: "slt")
        s.add(plane, group: .surface, name: "t2m")
        s.add(Tensor(shape: [2, 2, 2, 2], repeating: 3), group: .atmospheric, name: "z")
        s.add(plane, group: .edaphic, name: "swvl1")
        s.add(plane, group: .climate, name: "t2m")
        s.add(plane, group: .species, name: "1340361")
        s.pressureLevels = [1000, 500]
        let text = s.jsonText
        func at(_ needle: String) throws -> String.Index {
            try #require(text.range(of: needle)?.lowerBound, "\(needle)")
        }
        let groups = [
            "\"surface_variables\"", "\"edaphic_variables\"", "\"climate_variables\"", "\"species_variables\"",
            "\"atmospheric_variables\"",
        ]
        let positions = try groups.map(at)
        #expect(positions == positions.sorted())
        #expect(try at("\"slt\"") < at("\"t2m\""))
        let fields = ["\"mean\"", "\"std\"", "\"min\"", "\"max\"", "\"count_valid\"", "\"count_nan\"", "\"nan_pct\""]
        let firstEntry = try fields.map(at)
        #expect(firstEntry == firstEntry.sorted())
        #expect(text.contains("\"levels\": [1000.0, 500.0]"))
        #expect(!text.contains("single_variables") && !text.contains("misc_variables"))
        // Valid JSON, and the same bytes every time.
        #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any])
        #expect(text == s.jsonText)
    }
}
