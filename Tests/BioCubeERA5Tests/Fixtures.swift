import BioCubeCore
import BioCubeTestSupport
import Foundation

/// The generated ERA5 fixtures (`make fixtures`, scripts/make_era5_fixtures.py).
enum Fixtures {
    static let fixtures = FixtureSet("era5")

    /// The path of a fixture; fails the test (not a skip) when fixtures were not generated.
    static func path(_ relative: String) throws -> String { try fixtures.path(relative) }

    /// The expected float32 values the generator computed on europe025.
    static func expected(_ variable: String, _ month: String) throws -> [Float] {
        try fixtures.floats("expected/\(variable)_\(month).f32")
    }

    /// The int16 packing step of a variable in the legacy files.
    static func packingStep(_ variable: String) throws -> Float {
        let text = try String(contentsOfFile: try path("expected/packing.txt"), encoding: .utf8)
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == variable, let v = Float(parts[1]) { return v }
        }
        throw BioCubeError(.notFound, "no packing step for \(variable)")
    }

    static let months = ["2000-01", "2000-02", "2000-03"]
    static let levels: [Double] = [1000, 925, 850, 700, 600, 500, 400, 300, 250, 200, 150, 100, 50]
}

/// Largest absolute difference, with NaN required in the same places.
func maxDifference(_ a: [Float], _ b: [Float]) -> Float? {
    guard a.count == b.count else { return nil }
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        if x.isNaN || y.isNaN {
            if x.isNaN != y.isNaN { return .infinity }
            continue
        }
        worst = max(worst, abs(x - y))
    }
    return worst
}
