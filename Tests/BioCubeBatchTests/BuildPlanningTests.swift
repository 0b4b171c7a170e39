import BioCube
import BioCubeSample
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeBuild

/// How a build plans a variable that several files provide: split in time, identical on the
/// overlap, preferred by the config, or a conflict that stops the build — scanned from real
/// files of an outside modality (``RampSource``) and checked in the store the build writes.
@Suite struct BuildPlanningTests {
    /// A folder of ramp files (`Ramp/<name>`, each `offset first last`).
    static func folder(_ files: [String: String]) throws -> TemporaryDirectory {
        let tmp = TemporaryDirectory("planning")
        try FileManager.default.createDirectory(atPath: tmp.file("Ramp"), withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(toFile: tmp.file("Ramp/" + name), atomically: true, encoding: .utf8)
        }
        return tmp
    }

    static func prepare(_ tmp: TemporaryDirectory, config: BuildConfig = BuildConfig()) async throws -> CubeBuilder {
        var options = BuildOptions(storePath: tmp.file("cube.zarr"))
        options.config = config
        options.timeAxis = .everySource
        options.region = try Region(parsing: "S=50,N=51,W=5,E=6")
        return try await CubeBuilder.prepare(root: tmp.path, options: options, sources: [RampSource()])
    }

    /// The stored ramp's offset at each step (the value minus what the row, column and month add).
    static func storedOffsets(_ store: String) async throws -> [String: Float] {
        let sampler = try BatchSampler(storePath: store)
        var out: [String: Float] = [:]
        try await sampler.forEachBatch { _, batch in
            let ramp = try #require(batch[.misc].first { $0.name == "ramp" }).tensor
            for s in 0..<2 {
                let month = batch.metadata.timestamps[s].month
                out[String(batch.metadata.timestamps[s].dateString.prefix(7))] =
                    ramp[s, 0, 0] - RampModality.value(0, row: 0, column: 0, month: month)
            }
        }
        return out
    }

    @Test func filesSplitInTimeAreOneVariableReadFromTheFileOfEachStep() async throws {
        let tmp = try Self.folder(["a.ramp": "0 2000-01 2000-03", "b.ramp": "100 2000-04 2000-06"])
        let builder = try await Self.prepare(tmp)
        #expect(builder.variables.map(\.path) == ["misc_variables/ramp"])
        #expect(builder.variables[0].sources == ["Ramp/a.ramp", "Ramp/b.ramp"])
        #expect(builder.time.count == 6 && builder.time.start.dateString.hasPrefix("2000-01"))
        #expect(builder.catalog.duplicates?.isEmpty ?? true)
        #expect(try await builder.run().complete)
        let offsets = try await Self.storedOffsets(tmp.file("cube.zarr"))
        #expect(offsets == ["2000-01": 0, "2000-02": 0, "2000-03": 0, "2000-04": 100, "2000-05": 100, "2000-06": 100])
    }

    @Test func overlappingFilesWithTheSameValuesAreStoredOnce() async throws {
        let tmp = try Self.folder(["a.ramp": "0 2000-01 2000-03", "b.ramp": "0 2000-02 2000-04"])
        let builder = try await Self.prepare(tmp)
        let resolution = try #require(builder.catalog.duplicates?.first)
        #expect(resolution.decision == .identical && resolution.variable == "ramp")
        #expect(builder.variables.count == 1 && builder.time.count == 4)
        #expect(try await builder.run().complete)
        #expect(try await Self.storedOffsets(tmp.file("cube.zarr")).values.allSatisfy { $0 == 0 })
    }

    @Test func overlappingFilesThatDisagreeStopTheBuildUntilOneIsPreferred() async throws {
        let tmp = try Self.folder(["a.ramp": "0 2000-01 2000-03", "b.ramp": "5 2000-02 2000-04"])
        let error = await #expect(throws: BioCubeError.self) { try await Self.prepare(tmp) }
        #expect(error?.code == .conflictingSources && error?.variable == "ramp")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("cube.zarr")))

        let builder = try await Self.prepare(tmp, config: BuildConfig(prefer: ["ramp": "b.ramp"]))
        let resolution = try #require(builder.catalog.duplicates?.first)
        #expect(resolution.decision == .preferred && resolution.sources == ["Ramp/b.ramp", "Ramp/a.ramp"])
        #expect(try await builder.run().complete)
        // The preferred file wherever it has the step; the other file only where it alone does.
        let offsets = try await Self.storedOffsets(tmp.file("cube.zarr"))
        #expect(offsets == ["2000-01": 0, "2000-02": 5, "2000-03": 5, "2000-04": 5])
    }

    @Test(arguments: [0, 23, -1])
    func aCompressionLevelZstdLacksIsRefusedBeforeAnythingIsWritten(level: Int) async throws {
        let tmp = try Self.folder(["a.ramp": "0 2000-01 2000-03"])
        var options = BuildOptions(storePath: tmp.file("cube.zarr"))
        options.compressionLevel = level
        let error = await #expect(throws: BioCubeError.self) {
            try await CubeBuilder.prepare(root: tmp.path, options: options, sources: [RampSource()])
        }
        #expect(error?.code == .invalidArgument && error?.file == tmp.file("cube.zarr"))
        #expect(!FileManager.default.fileExists(atPath: tmp.file("cube.zarr")))
    }

    @Test func anUnreadableSourceStopsTheBuildUnlessAllowedAndThenTheStoreRecordsIt() async throws {
        let tmp = try Self.folder(["a.ramp": "0 2000-01 2000-03", "b.ramp": "not a ramp"])
        let error = await #expect(throws: BioCubeError.self) { try await Self.prepare(tmp) }
        #expect(error?.code == .unreadableSources && error?.file == "Ramp/b.ramp")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("cube.zarr")))

        var options = BuildOptions(storePath: tmp.file("cube.zarr"))
        options.timeAxis = .everySource
        options.region = try Region(parsing: "S=50,N=51,W=5,E=6")
        options.allowUnreadableSources = true
        let builder = try await CubeBuilder.prepare(root: tmp.path, options: options, sources: [RampSource()])
        #expect(try await builder.run().complete)
        let root = try CubeStore.open(at: tmp.file("cube.zarr")).attributes(of: "")
        #expect(root["left_out_sources"] == .array([.string("Ramp/b.ramp")]))
    }

    /// A build writes only into a new or empty folder or a store a build made: a folder of
    /// the user's and a Zarr store another tool wrote are refused untouched, unless forced.
    @Test(arguments: ["user files", "foreign store"])
    func aFolderThatIsNotABioCubeStoreIsRefusedUntouchedUnlessForced(kind: String) async throws {
        let tmp = try Self.folder(["a.ramp": "0 2000-01 2000-03"])
        let store = tmp.file("cube.zarr")
        if kind == "foreign store" {
            _ = try CubeStore.create(at: store, attributes: ["writer": "another tool"])
        } else {
            try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
            try "mine".write(toFile: store + "/.notes.0.tmp", atomically: false, encoding: .utf8)
        }
        let before = try FileManager.default.contentsOfDirectory(atPath: store).sorted()
        let builder = try await Self.prepare(tmp)
        let error = await #expect(throws: BioCubeError.self) { try await builder.run() }
        #expect(error?.code == .alreadyExists && error?.file == store)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store).sorted() == before)

        var options = BuildOptions(storePath: store)
        options.timeAxis = .everySource
        options.region = try Region(parsing: "S=50,N=51,W=5,E=6")
        options.force = true
        let forced = try await CubeBuilder.prepare(root: tmp.path, options: options, sources: [RampSource()])
        #expect(try await forced.run().complete)
        // A store a build made is built into again without force.
        #expect(try await Self.prepare(tmp).run().complete)
    }

    @Test func aSampleIsWrittenOnlyIntoAnEmptyFolderOrAnEarlierSample() throws {
        let tmp = TemporaryDirectory("sample-folder")
        try "mine".write(toFile: tmp.file("notes.txt"), atomically: true, encoding: .utf8)
        let tree = try SampleTree(start: UTCDateTime(year: 2000, month: 1), end: UTCDateTime(year: 2000, month: 1))
        let error = #expect(throws: BioCubeError.self) { try tree.write(to: tmp.path) }
        #expect(error?.code == .alreadyExists && error?.file == tmp.path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path) == ["notes.txt"])
        let fresh = tmp.file("sample")
        try tree.write(to: fresh)
        try tree.write(to: fresh)  // an earlier sample: written again
        try tree.write(to: tmp.path, force: true)
        #expect(try String(contentsOfFile: tmp.file("notes.txt"), encoding: .utf8) == "mine")
    }

    @Test func theCatalogRoundTripsThroughItsJSON() async throws {
        let tmp = try Self.folder(["a.ramp": "0 2000-01 2000-03", "b.ramp": "5 2000-02 2000-04"])
        let builder = try await Self.prepare(tmp, config: BuildConfig(prefer: ["ramp": "b.ramp"]))
        try builder.catalog.write(to: tmp.file("catalog.json"))
        let loaded = try Catalog.load(path: tmp.file("catalog.json"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(try encoder.encode(loaded) == encoder.encode(builder.catalog))
        #expect(loaded.sources.map(\.path) == ["Ramp/a.ramp", "Ramp/b.ramp"])
        #expect(loaded.duplicates == builder.catalog.duplicates && loaded.config == builder.catalog.config)
    }
}
