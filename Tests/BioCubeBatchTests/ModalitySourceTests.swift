import BioCube
import BioCubeSample
import Foundation
import Testing

/// A modality from outside the built-in ones: `ramp` = `offset + 1000·row + column + month`
/// on every cell, over the months a small text file names (`offset first last`).
struct RampModality: Modality {
    let offset: Float, first: UTCDateTime, last: UTCDateTime
    var name: String { "ramp" }

    init(path: String) throws {
        let fields = try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isWhitespace)
        guard fields.count == 3, let offset = Float(fields[0]) else {
            throw BioCubeError(.corruptData, "\(path): expected 'offset first last'")
        }
        self.offset = offset
        first = try UTCDateTime(parsing: String(fields[1]))
        last = try UTCDateTime(parsing: String(fields[2]))
    }

    func variables() throws -> [VariableDescriptor] { [VariableDescriptor(name: "ramp", groups: [.misc], units: "1")] }

    static func value(_ offset: Float, row: Int, column: Int, month: Int) -> Float {
        offset + Float(1000 * row + column + month)
    }

    func read(_ variable: VariableDescriptor, at step: UTCDateTime, onto grid: Grid) throws -> Tensor {
        var plane = [Float](repeating: .nan, count: grid.cellCount)
        guard step >= first && step <= last else {
            return try Tensor(shape: [grid.height, grid.width], storage: plane)
        }
        for r in 0..<grid.height {
            for c in 0..<grid.width {
                plane[r * grid.width + c] = Self.value(offset, row: r, column: c, month: step.month)
            }
        }
        return try Tensor(shape: [grid.height, grid.width], storage: plane)
    }
}

struct RampSource: ModalitySource {
    var kind: SourceKind { "ramp" }
    var patterns: [String] { ["Ramp/*.ramp"] }
    func claims(relativePath: String) -> Bool { relativePath.hasPrefix("Ramp/") && relativePath.hasSuffix(".ramp") }
    func open(_ file: SourceFile, context: SourceContext) async throws -> OpenedSource {
        let m = try RampModality(path: file.path)
        return OpenedSource(
            modality: m,
            description: try context.describe(file, kind: kind, m, first: m.first, last: m.last, stepCount: 0),
            problems: [Problem(.info, Problem.Code(rawValue: "ramp-note"), file: file.relativePath, message: "a ramp")]
        )
    }
}

@Suite(.serialized) struct ModalitySourceTests {
    static let root = FileManager.default.temporaryDirectory.appendingPathComponent("biocube-plugins-\(getpid())").path

    /// The sample tree plus a ramp file at `rampPath` (relative) holding `text`.
    static func tree(_ name: String, rampPath: String, text: String = "7 2000-01 2000-03") throws -> String {
        let dir = root + "/" + name
        try? FileManager.default.removeItem(atPath: dir)
        _ = try SampleTree(start: UTCDateTime(year: 2000, month: 1), end: UTCDateTime(year: 2000, month: 3)).write(
            to: dir
        )
        try FileManager.default.createDirectory(
            atPath: (dir + "/" + rampPath as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try text.write(toFile: dir + "/" + rampPath, atomically: true, encoding: .utf8)
        return dir
    }

    /// Every cell of the stored ramp at every step is the modality's value.
    static func expectRamp(_ store: String, offset: Float) async throws {
        let sampler = try BatchSampler(storePath: store)
        #expect(sampler.variables.first { $0.name == "ramp" }?.path == "misc_variables/ramp")
        var seen = 0
        try await sampler.forEachBatch { _, batch in
            let ramp = try #require(batch[.misc].first { $0.name == "ramp" }).tensor
            let (h, w) = (ramp.shape[1], ramp.shape[2])
            for s in 0..<2 {
                let month = batch.metadata.timestamps[s].month
                var wrong = 0
                for r in 0..<h {
                    for c in 0..<w where ramp[s, r, c] != RampModality.value(offset, row: r, column: c, month: month) {
                        wrong += 1
                    }
                }
                #expect(wrong == 0)
            }
            seen += 1
        }
        #expect(seen == 2)
    }

    @Test func aSourceFromOutsideIsScannedBuiltAndExported() async throws {
        let dir = try Self.tree("claimed", rampPath: "Ramp/a.ramp")
        let sources = BuiltinSources.all + [RampSource()]
        let builder = try await CubeBuilder.prepare(
            root: dir,
            options: BuildOptions(storePath: dir + "/cube.zarr"),
            sources: sources
        )
        #expect(builder.catalog.sources.first { $0.path == "Ramp/a.ramp" }?.kind == "ramp")
        #expect(builder.catalog.problems.contains { $0.file == "Ramp/a.ramp" && $0.message == "a ramp" })
        #expect(try await builder.run().complete)
        try await Self.expectRamp(dir + "/cube.zarr", offset: 7)

        // The catalog names the kind as a plain string; opened again with the same sources it builds the same.
        let catalogPath = dir + "/catalog.json"
        try builder.catalog.write(to: catalogPath)
        #expect(try String(contentsOfFile: catalogPath, encoding: .utf8).contains("\"kind\" : \"ramp\""))
        let again = try await CubeBuilder.prepare(
            catalog: Catalog.load(path: catalogPath),
            options: BuildOptions(storePath: dir + "/again.zarr"),
            sources: sources
        )
        #expect(try await again.run().complete)
        try await Self.expectRamp(dir + "/again.zarr", offset: 7)
        // Without the ramp source the catalog is refused, naming the kind.
        let error = try await #require(throws: BioCubeError.self) {
            try await CubeBuilder.prepare(
                catalog: Catalog.load(path: catalogPath),
                options: BuildOptions(storePath: dir + "/no.zarr")
            )
        }
        #expect(error.code == .unsupported && error.message.contains("'ramp'") && error.message.contains("Ramp/a.ramp"))
    }

    @Test func aFileNamedExplicitlyIsReadByItsKindWhateverItsPath() async throws {
        let dir = try Self.tree("explicit", rampPath: "Elsewhere/b.txt", text: "-3 2000-01 2000-03")
        let builder = try await CubeBuilder.prepare(
            root: dir,
            options: BuildOptions(storePath: dir + "/cube.zarr"),
            sources: BuiltinSources.all + [RampSource()],
            explicit: ["Elsewhere/b.txt": "ramp"]
        )
        #expect(try await builder.run().complete)
        try await Self.expectRamp(dir + "/cube.zarr", offset: -3)
        // An explicit file that is missing, or of a kind no source knows, is an error naming it.
        for (path, kind) in [("Elsewhere/missing.txt", SourceKind("ramp")), ("Elsewhere/b.txt", SourceKind("unknown"))]
        {
            let error = try await #require(throws: BioCubeError.self) {
                try await CubeBuilder.prepare(
                    root: dir,
                    options: BuildOptions(storePath: dir + "/x.zarr"),
                    sources: BuiltinSources.all + [RampSource()],
                    explicit: [path: kind]
                )
            }
            #expect(error.message.contains(path) || error.message.contains("unknown"))
        }
    }

    @Test func theTimeAxisFollowsTheRule() async throws {
        let dir = try Self.tree("axis", rampPath: "Ramp/a.ramp", text: "0 1999-11 2000-02")
        func axis(_ rule: TimeAxisRule) async throws -> TimeAxis {
            var options = BuildOptions(storePath: dir + "/unused.zarr")
            options.timeAxis = rule
            return try await CubeBuilder.prepare(
                root: dir,
                options: options,
                sources: BuiltinSources.all + [RampSource()]
            ).time
        }
        let era5 = try await axis(.sourcesThatDefineIt)  // ERA5: 2000-01 … 2000-03
        #expect((era5[0].description, era5.count) == ("2000-01-01 00:00:00", 3))
        let ramp = try await axis(.kinds(["ramp"]))
        #expect((ramp[0].description, ramp.count) == ("1999-11-01 00:00:00", 4))
        #expect(try await axis(.kinds([.era5])).count == 3)
    }

    @Test func twoSourcesOfOneKindAreRefused() throws {
        let error = try #require(throws: BioCubeError.self) {
            try SourceScanner(sources: [RampSource(), RampSource()])
        }
        #expect(error.message.contains("'ramp'"))
    }
}
