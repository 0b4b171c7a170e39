import BioCubeCore
import Foundation
import Synchronization
import Testing

@testable import BioCubeBatch

/// The engine of the training datasets (libBioCubeC): the synchronous reads equal the
/// concurrent sampler, the direct path equals the archive `biocube batches` writes, and the
/// fork-safe workers run every index once and report the first error.
@Suite struct TrainingWindowsTests {
    @Test(arguments: [1, 2, 5])
    func forkSafeWorkersRunEveryIndexOnce(threads: Int) throws {
        let seen = Mutex([Int](repeating: 0, count: 100))
        try forkSafeForEach(count: 100, threads: threads, makeState: zeroCalls) { calls, i in
            calls += 1
            seen.withLock { $0[i] += 1 }
        }
        #expect(seen.withLock { $0 } == [Int](repeating: 1, count: 100))
    }

    @Test func forkSafeWorkersRethrowTheFirstError() {
        #expect(throws: BioCubeError.self) {
            try forkSafeForEach(count: 50, threads: 2) { i in
                if i == 17 { throw BioCubeError(.corruptData, "chunk 17") }
            }
        }
    }

    @Test func synchronousReadsEqualTheSampler() async throws {
        let store = try await PipelineTests.store()
        let sampler = try BatchSampler(storePath: store)
        for i in 0..<sampler.count {
            let expected = try await sampler.batch(at: i)
            for threads in [1, 3] {
                let got = try sampler.readBatch(at: i, threads: threads)
                #expect(got.metadata == expected.metadata)
                for (a, b) in zip(got.allVariables, expected.allVariables) {
                    #expect(a.variable.name == b.variable.name)
                    #expect(a.variable.tensor.bitsEqual(b.variable.tensor))
                }
            }
            // A part: the window's cells and coordinates cut to it.
            let part = try sampler.readBatch(at: i, rows: 3..<10, columns: 20..<31)
            #expect(part.metadata.latitudes == Array(expected.metadata.latitudes[3..<10]))
            #expect(part.metadata.longitudes == Array(expected.metadata.longitudes[20..<31]))
            let t2m = try #require(part.tensor(.surface, "t2m"))
            let whole = try #require(expected.tensor(.surface, "t2m"))
            let w = expected.metadata.longitudes.count
            let h = expected.metadata.latitudes.count
            for s in 0..<2 {
                for r in 0..<7 {
                    for c in 0..<11 {
                        let a = t2m.storage[(s * 7 + r) * 11 + c]
                        let b = whole.storage[(s * h + r + 3) * w + c + 20]
                        #expect(a.bitPattern == b.bitPattern)
                    }
                }
            }
        }
        #expect(throws: BioCubeError.self) { try sampler.readBatch(at: sampler.count) }
        #expect(throws: BioCubeError.self) { try sampler.readBatch(at: 0, rows: 0..<(sampler.grid.height + 1)) }
    }

    /// The direct path (decoded into the caller's buffers, finished in place) gives the
    /// storages and the pickle of the archive the exporter writes, with and without
    /// normalisation and in both missing-value policies.
    @Test(arguments: [(MissingValuePolicy.zero, false), (.nan, false), (.zero, true), (.nan, true)])
    func directReadsEqualTheExportersArchive(missing: MissingValuePolicy, normalise: Bool) async throws {
        let store = try await PipelineTests.store()
        var statisticsPath: String? = nil
        if normalise {
            let stats = try await BatchStatistics.store(
                try BatchSampler(storePath: store),
                weighting: .windows,
                missing: missing
            )
            statisticsPath =
                FileManager.default.temporaryDirectory.appendingPathComponent(
                    "biocube-training-stats-\(getpid()).json"
                ).path
            try stats.write(to: statisticsPath!)
        }
        let windows = try TrainingWindows(
            storePath: store,
            contract: .monthly,
            missing: missing,
            normalise: statisticsPath
        )
        let grid = windows.sampler.grid
        let layout = try windows.layout(height: grid.height, width: grid.width)
        #expect(layout.direct)
        for k in windows.windows.indices {
            var batch = try missing.apply(to: try await windows.sampler.batch(at: windows.windows[k]))
            if let n = windows.normalisation { batch = try n.apply(to: batch) }
            var expected = try TorchExporter().archive(for: batch)
            let buffers = Buffers(layout.storages.map(\.byteCount))
            defer { buffers.release() }
            let pickle = try windows.read(k, layout: layout, threads: 2, into: buffers.views)
            #expect(pickle == expected.finishedPickle())
            for (payload, got) in zip(expected.storages, buffers.views) {
                #expect(payload.withUnsafeBytes { Array($0) } == Array(got))
            }
        }
        if let statisticsPath { try? FileManager.default.removeItem(atPath: statisticsPath) }
    }

    @Test func readsRefuseWrongBuffersAndItems() async throws {
        let windows = try TrainingWindows(storePath: try await PipelineTests.store(), contract: .monthly)
        let layout = try windows.layout(height: 8, width: 8)
        var sizes = layout.storages.map(\.byteCount)
        sizes[0] -= 1
        let short = Buffers(sizes)
        defer { short.release() }
        #expect(throws: BioCubeError.self) { try windows.read(0, layout: layout, into: short.views) }
        let buffers = Buffers(layout.storages.map(\.byteCount))
        defer { buffers.release() }
        #expect(throws: BioCubeError.self) {
            try windows.read(windows.windows.count, layout: layout, into: buffers.views)
        }
        #expect(throws: BioCubeError.self) {
            try windows.read(0, origin: (1000, 0), layout: layout, into: buffers.views)
        }
        #expect(throws: Never.self) { try windows.read(0, origin: (2, 3), layout: layout, into: buffers.views) }
        #expect(throws: BioCubeError.self) { try TrainingWindows(storePath: "/no/such/store", contract: .monthly) }
        let store = try await PipelineTests.store()
        #expect(throws: BioCubeError.self) { try TrainingWindows(storePath: store, contract: .daily) }
    }
}

/// Caller-owned buffers, as the C ABI's caller passes them.
private final class Buffers {
    let views: [UnsafeMutableRawBufferPointer]
    init(_ sizes: [Int]) {
        views = sizes.map {
            let v = UnsafeMutableRawBufferPointer.allocate(byteCount: $0, alignment: 64)
            v.initializeMemory(as: UInt8.self, repeating: 0xAB)
            return v
        }
    }
    func release() { for v in views { v.deallocate() } }
}

extension Tensor {
    /// Same shape and the same bits (NaN equal to NaN).
    fileprivate func bitsEqual(_ other: Tensor) -> Bool {
        shape == other.shape && zip(storage, other.storage).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
}

/// Each fork-safe worker's call count starts at zero.
@Sendable private func zeroCalls() -> Int { 0 }
