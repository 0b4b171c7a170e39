import BioCube
import BioCubeSample
import BioCubeTestSupport
import Foundation
import Testing

/// A static field (no time span) from outside the built-ins: `elevation = offset + 1000·row +
/// column` on the rows a text file names (`offset fromRow toRow`), NaN elsewhere: a field
/// split into tiles over several files.
struct TileModality: Modality {
    let offset: Float, rows: Range<Int>
    var name: String { "tile" }

    init(path: String) throws {
        let fields = try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isWhitespace)
        guard fields.count == 3, let offset = Float(fields[0]), let a = Int(fields[1]), let b = Int(fields[2]), a < b
        else { throw BioCubeError(.corruptData, "\(path): expected 'offset fromRow toRow'") }
        self.offset = offset
        rows = a..<b
    }

    func variables() throws -> [VariableDescriptor] {
        [VariableDescriptor(name: "elevation", groups: [.misc], units: "m")]
    }

    static func value(_ offset: Float, row: Int, column: Int) -> Float { offset + Float(1000 * row + column) }

    func read(_ variable: VariableDescriptor, at step: UTCDateTime, onto grid: Grid) throws -> Tensor {
        var plane = [Float](repeating: .nan, count: grid.cellCount)
        for r in rows.clamped(to: 0..<grid.height) {
            for c in 0..<grid.width { plane[r * grid.width + c] = Self.value(offset, row: r, column: c) }
        }
        return try Tensor(shape: [grid.height, grid.width], storage: plane)
    }
}

struct TileSource: ModalitySource {
    var kind: SourceKind { "tile" }
    var patterns: [String] { ["Tiles/*.tile"] }
    func claims(relativePath: String) -> Bool { relativePath.hasPrefix("Tiles/") && relativePath.hasSuffix(".tile") }
    func open(_ file: SourceFile, context: SourceContext) async throws -> OpenedSource {
        let m = try TileModality(path: file.path)
        // Static, as documented for time-invariant sources: no span.
        return OpenedSource(
            modality: m,
            description: try context.describe(file, kind: kind, m, coverage: .invariant),
            problems: []
        )
    }
}

/// A static source split over two files: every cell is stored (the tiles are merged), and
/// two files that disagree stop the build with a conflict naming both — never a silent NaN
/// half (the second file used to be ignored: static spans were taken as never overlapping).
@Suite(.serialized) struct StaticSourceTests {
    static let root = FileManager.default.temporaryDirectory.appendingPathComponent("biocube-static-\(getpid())").path

    static func tree(_ name: String, tiles: [String: String]) throws -> String {
        let dir = root + "/" + name
        try? FileManager.default.removeItem(atPath: dir)
        _ = try SampleTree(start: UTCDateTime(year: 2000, month: 1), end: UTCDateTime(year: 2000, month: 3)).write(
            to: dir
        )
        try FileManager.default.createDirectory(atPath: dir + "/Tiles", withIntermediateDirectories: true)
        for (file, text) in tiles { try text.write(toFile: dir + "/Tiles/" + file, atomically: true, encoding: .utf8) }
        return dir
    }

    @Test(arguments: [["a.tile": "5 0 80", "b.tile": "5 80 161"], ["a.tile": "5 0 100", "b.tile": "5 60 161"]])
    func tilesOfAStaticFieldAreMerged(tiles: [String: String]) async throws {
        let dir = try Self.tree("merged-\(tiles["a.tile"]!.split(separator: " ")[2])", tiles: tiles)
        let builder = try await CubeBuilder.prepare(
            root: dir,
            options: BuildOptions(storePath: dir + "/cube.zarr"),
            sources: BuiltinSources.all + [TileSource()]
        )
        let resolution = try #require((builder.catalog.duplicates ?? []).first { $0.variable == "elevation" })
        #expect(resolution.decision == .merged)
        #expect(Set(resolution.sources) == ["Tiles/a.tile", "Tiles/b.tile"])
        #expect(try await builder.run().complete)
        let sampler = try BatchSampler(storePath: dir + "/cube.zarr")
        try await sampler.forEachBatch { _, batch in
            let e = try #require(batch[.misc].first { $0.name == "elevation" }).tensor
            var wrong = 0
            for s in 0..<2 {
                for r in 0..<e.shape[1] {
                    for c in 0..<e.shape[2] where e[s, r, c] != TileModality.value(5, row: r, column: c) { wrong += 1 }
                }
            }
            #expect(wrong == 0)
        }
    }

    @Test func staticFilesThatDisagreeAreAConflict() async throws {
        let dir = try Self.tree("conflict", tiles: ["a.tile": "5 0 100", "b.tile": "6 60 161"])
        let error = try await #require(throws: BioCubeError.self) {
            try await CubeBuilder.prepare(
                root: dir,
                options: BuildOptions(storePath: dir + "/cube.zarr"),
                sources: BuiltinSources.all + [TileSource()]
            )
        }
        #expect(error.code == .conflictingSources)
        #expect(error.message.contains("Tiles/a.tile") && error.message.contains("Tiles/b.tile"))
        // A prefer rule settles it: that file's cells only.
        var options = BuildOptions(storePath: dir + "/preferred.zarr")
        options.config.prefer["elevation"] = "b.tile"
        let preferred = try await CubeBuilder.prepare(
            root: dir,
            options: options,
            sources: BuiltinSources.all + [TileSource()]
        )
        #expect((preferred.catalog.duplicates ?? []).first { $0.variable == "elevation" }?.decision == .preferred)
        #expect(try await preferred.run().complete)
    }
}

/// The coverage a source states, as spans and counts the catalog records.
@Suite struct TimeCoverageTests {
    @Test func coverageGivesItsSpanAndCount() throws {
        let jan = try UTCDateTime(year: 2000, month: 1)
        let mar = try UTCDateTime(year: 2000, month: 3)
        #expect(TimeCoverage.invariant.span == nil && TimeCoverage.invariant.count == 0)
        let steps = TimeCoverage.steps(first: jan, last: mar, count: 3)
        #expect(steps.span?.first == jan && steps.span?.last == mar && steps.count == 3)
        let instants = TimeCoverage.instants([mar, jan, mar])
        #expect(instants.span?.first == jan && instants.span?.last == mar && instants.count == 2)
        #expect(TimeCoverage.instants([]).span == nil)
    }

    @Test func anInvariantDescriptionHasNoSpan() throws {
        let dir = TemporaryDirectory()
        try "5 0 10".write(toFile: dir.file("a.tile"), atomically: true, encoding: .utf8)
        let context = SourceContext(grid: .europe025, cadence: .monthly)
        let m = try TileModality(path: dir.file("a.tile"))
        let file = SourceFile(path: dir.file("a.tile"), relativePath: "Tiles/a.tile")
        let invariant = try context.describe(file, kind: "tile", m, coverage: .invariant)
        #expect(invariant.variables.allSatisfy(\.isInvariant) && invariant.stepCount == 0)
        let jan = try UTCDateTime(year: 2000, month: 1)
        let spanned = try context.describe(file, kind: "tile", m, coverage: .steps(first: jan, last: jan, count: 1))
        #expect(spanned.variables.allSatisfy { !$0.isInvariant && $0.first == jan } && spanned.stepCount == 1)
    }
}
