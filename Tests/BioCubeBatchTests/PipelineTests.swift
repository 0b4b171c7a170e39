import BioCubeCore
import Foundation
import Testing
@testable import BioCubeBatch

/// sample → build → batches, checked cell by cell against the values the sample generator
/// knows it wrote (``SampleTree/expected(_:level:at:latitude:longitude:)``).
@Suite(.serialized) struct PipelineTests {
    static let root: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("biocube-pipeline-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        return dir
    }()

    static let tree = try! SampleTree(start: UTCDateTime(year: 2000, month: 1), end: UTCDateTime(year: 2000, month: 3))

    /// Builds the store once for the suite.
    static let store: Result<String, any Error> = {
        let semaphore = DispatchSemaphore(value: 0)
        let box = ResultBox()
        Task {
            do {
                try tree.write(to: root + "/BioCube")
                let options = BuildOptions(storePath: root + "/cube.zarr")
                let builder = try await CubeBuilder.prepare(root: root + "/BioCube", options: options)
                let summary = try await builder.run()
                #expect(summary.complete && summary.builtSteps == 3)
                box.result = .success(root + "/cube.zarr")
            } catch { box.result = .failure(error) }
            semaphore.signal()
        }
        semaphore.wait()
        return box.result!
    }()

    @Test func everyBatchValueIsWhatTheSampleWrote() async throws {
        let sampler = try BatchSampler(storePath: Self.store.get())
        #expect(sampler.count == 2)
        #expect(sampler.variables.count == 44)
        try await sampler.forEachBatch { i, batch in
            #expect(batch.metadata.timestamps.map(\.description) == [Self.tree.months[i].description, Self.tree.months[i + 1].description])
            #expect(batch.metadata.latitudes.first == 32 && batch.metadata.latitudes.last == 72)
            #expect(batch.metadata.speciesList == SampleField.species)
            for (group, variable) in batch.allVariables {
                let t = variable.tensor
                let levels = batch.metadata.pressureLevels ?? []
                let isLevels = t.shape.count == 4
                let planes = isLevels ? levels.count : 1
                var worst = 0.0, mismatch: String? = nil
                var expected = [Float]()
                for s in 0..<2 {
                    for l in 0..<planes {
                        expected += Self.tree.expectedPlane(variable.name, level: isLevels ? levels[l] : nil, at: batch.metadata.timestamps[s],
                                                            latitudes: batch.metadata.latitudes, longitudes: batch.metadata.longitudes)
                    }
                }
                // Legacy int16 packing rounds to half a packing step of the variable's range.
                let finite = expected.filter(\.isFinite)
                let range = Double((finite.max() ?? 0) - (finite.min() ?? 0))
                let tolerance = SampleTree.packedVariables.contains(variable.name) ? range / 65_532 + 1e-6 : 0
                for k in expected.indices {
                    let a = t.storage[k], b = expected[k]
                    if a.isNaN != b.isNaN { mismatch = "element \(k): \(a) vs \(b)"; break }
                    if !a.isNaN { worst = max(worst, abs(Double(a) - Double(b))) }
                }
                #expect(mismatch == nil, "\(group.rawValue)/\(variable.name) window \(i): \(mismatch ?? "")")
                #expect(worst <= tolerance, "\(group.rawValue)/\(variable.name) window \(i): differs by \(worst)")
            }
        }
    }

    @Test func randomAccessEqualsSequentialIteration() async throws {
        let sampler = try BatchSampler(storePath: Self.store.get())
        let second = try await sampler.batch(at: 1)
        try await sampler.forEachBatch(in: 1..<2) { _, b in
            for (x, y) in zip(b.allVariables, second.allVariables) {
                #expect(x.variable.name == y.variable.name && x.variable.tensor.isBitwiseEqual(to: y.variable.tensor))
            }
        }
    }

    @Test func regionSamplerEqualsSlicedBatch() async throws {
        let region = try Region(south: 40, north: 50, west: 0, east: 12.5)
        let whole = try await BatchSampler(storePath: Self.store.get()).batch(at: 0)
        let cut = try await BatchSampler(storePath: Self.store.get(), region: region).batch(at: 0)
        let sliced = try whole.sliced(to: region)
        #expect(cut.metadata == sliced.metadata)
        #expect(cut.metadata.latitudes.count == 41 && cut.metadata.longitudes.count == 51)
        for (x, y) in zip(cut.allVariables, sliced.allVariables) { #expect(x.variable.tensor.isBitwiseEqual(to: y.variable.tensor)) }
    }
}

final class ResultBox: @unchecked Sendable {
    // Safety: written once by the task before the semaphore is signalled, read after.
    var result: Result<String, any Error>?
}
