import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeBatch

/// Exporter → reader round trips on the sample store, contract reports, and statistics over
/// a folder of batch files against the same statistics straight from the store.
@Suite struct ExportRoundTripTests {
    static func sameValues(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }

    @Test(arguments: [BatchFormat.pt, .safetensors], [MissingValuePolicy.zero, .nan])
    func everyExportedFileReadsBackAsTheWindowItCameFrom(
        format: BatchFormat,
        missing: MissingValuePolicy
    )
        async throws
    {
        let store = try await PipelineTests.store()
        let tmp = TemporaryDirectory("round-trip")
        let export = try BatchExport(storePath: store, format: format, directory: tmp.path, missing: missing)
        let summary = try await export.run()
        #expect(summary.windows == 2 && summary.written == 2 && export.problems.isEmpty)
        let files = try BatchFileReader.batchFiles(in: tmp.path)
        #expect(files.count == 2)
        let sampler = try BatchSampler(storePath: store)
        for (i, file) in files.enumerated() {
            let read = try BatchFileReader.read(path: tmp.file(file))
            let expected = try missing.apply(to: try await sampler.batch(at: i))
            #expect(read.metadata == expected.metadata, "\(file)")
            #expect(read.allVariables.map(\.variable.name) == expected.allVariables.map(\.variable.name))
            for ((g, a), (_, b)) in zip(read.allVariables, expected.allVariables) {
                #expect(a.tensor.shape == b.tensor.shape, "\(file) \(g.rawValue).\(a.name)")
                #expect(Self.sameValues(a.tensor.storage, b.tensor.storage), "\(file) \(g.rawValue).\(a.name)")
            }
            let report = try await ContractReport.check(path: tmp.file(file))
            #expect(report.kind == .batchFile && report.followsContract, "\(report.violations)")
            #expect(report.entries.count == read.allVariables.count)
        }
        // A second run finds every window written.
        let again = try await export.run()
        #expect(again.written == 0 && again.skipped == 2 && again.replaced == 0)
        // A file changed since (here: garbage under its name) is written again, not trusted.
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: tmp.file(files[0])))
        let mended = try await export.run()
        #expect(mended.written == 1 && mended.skipped == 1 && mended.replaced == 1)
        #expect(try await ContractReport.check(path: tmp.file(files[0])).followsContract)
        // The same folder exported with the other policy: nothing of the first export is kept.
        let other = try BatchExport(
            storePath: store,
            format: format,
            directory: tmp.path,
            missing: missing == .zero ? .nan : .zero
        )
        let switched = try await other.run()
        #expect(switched.written == 2 && switched.replaced == 2)
    }

    @Test func statisticsOverBatchFilesEqualTheStoreWeightedAsWindows() async throws {
        let store = try await PipelineTests.store()
        let tmp = TemporaryDirectory("stats-files")
        _ = try await BatchExport(storePath: store, format: .safetensors, directory: tmp.path).run()
        let one = try await BatchStatistics.batchFiles(in: tmp.path, maxConcurrency: 1)
        let three = try await BatchStatistics.batchFiles(in: tmp.path, maxConcurrency: 3)
        #expect(one.normalisation == three.normalisation)
        let direct = try await BatchStatistics.store(
            try BatchSampler(storePath: store),
            weighting: .windows,
            missing: .zero
        )
        #expect(one.entries.map(\.name) == direct.entries.map(\.name))
        for e in one.entries {
            let a = try one.normalisation.entry(e.group, e.name)
            let b = try direct.normalisation.entry(e.group, e.name)
            #expect(a.countValid == b.countValid && a.countNaN == b.countNaN, "\(e.group.rawValue).\(e.name)")
            for (x, y) in zip(a.mean, b.mean) {
                #expect(abs(x - y) <= 1e-9 * max(1, abs(x)), "\(e.group.rawValue).\(e.name)")
            }
        }
    }

    @Test func aStoreReportReadsEveryArrayAndAgreesWithTheStoreStatistics() async throws {
        let store = try await PipelineTests.store()
        #expect(CubeStore.isStore(at: store))
        let report = try await ContractReport.check(path: store)
        #expect(report.kind == .store && report.followsContract, "\(report.violations)")
        let sampler = try BatchSampler(storePath: store)
        #expect(report.entries.map(\.name) == sampler.variables.map(\.path))
        let stats = try await BatchStatistics.store(sampler, weighting: .steps, missing: .nan)
        let t2m = try #require(report.entries.first { $0.name.hasSuffix("/t2m") })
        let expected = try stats.normalisation.entry(.surface, "t2m")
        #expect(t2m.validCount == expected.countValid[0] && t2m.nanCount == expected.countNaN[0])
        #expect(abs(t2m.mean - expected.mean[0]) < 1e-9 * abs(expected.mean[0]))
        #expect(t2m.min == expected.min[0] && t2m.max == expected.max[0])
    }

    @Test func anUnfinishedStoreAndAFolderWithoutBatchesAreReportedByName() async throws {
        let tmp = TemporaryDirectory("unfinished")
        _ = try CubeStore.create(at: tmp.file("cube.zarr"))
        let report = try await ContractReport.check(path: tmp.file("cube.zarr"))
        #expect(!report.followsContract && report.violations[0].contains("not complete"))
        #expect(!CubeStore.isStore(at: tmp.path) && !CubeStore.isStore(at: tmp.file("nothing")))
        let error = #expect(throws: BioCubeError.self) { try BatchFileReader.batchFiles(in: tmp.file("cube.zarr")) }
        #expect(error?.code == .notFound && error?.file == tmp.file("cube.zarr"))
        let missing = #expect(throws: BioCubeError.self) { try BatchFileReader.batchFiles(in: tmp.file("nothing")) }
        #expect(missing?.code == .notFound)
        let broken = tmp.file("broken.pt")
        try Data("not a zip".utf8).write(to: URL(fileURLWithPath: broken))
        let unreadable = await #expect(throws: BioCubeError.self) { try await ContractReport.check(path: broken) }
        #expect(unreadable?.file == broken)
    }

    @Test func theDailyFormatRefusesAMonthlyStoreAndAZeroPolicy() async throws {
        let store = try await PipelineTests.store()
        let tmp = TemporaryDirectory("daily")
        let monthly = #expect(throws: BioCubeError.self) {
            try BatchExport(storePath: store, format: .ptDaily, directory: tmp.path)
        }
        #expect(monthly?.code == .invalidArgument && monthly?.file == store)
        let zero = #expect(throws: BioCubeError.self) {
            try BatchExport(storePath: store, format: .ptDaily, directory: tmp.path, missing: .zero)
        }
        #expect(zero?.code == .invalidArgument && zero?.message.contains("keeps NaN") == true)
    }
}
