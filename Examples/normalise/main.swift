// Normalise a batch with statistics computed from the store, then denormalise it back:
// what a training loop does on the way in and a forecast on the way out.
//
//   swift run normalise cube.zarr
import BioCubeBatch
import BioCubeCore
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 1 else {
    FileHandle.standardError.write(Data("usage: normalise STORE\n".utf8))
    exit(2)
}
do {
    let sampler = try BatchSampler(storePath: arguments[0])

    // Statistics over every step of the store (what `biocube stats --store` writes).
    let statistics = try await BatchStatistics.store(sampler, weighting: .steps, missing: .nan).normalisation

    let batch = try await sampler.batch(at: 0)
    for mode in Batch.NormalisationMode.allCases {
        let scaled = try batch.normalised(with: statistics, mode: mode)
        let back = try scaled.denormalised(with: statistics, mode: mode)
        var worst: Float = 0
        for ((_, original), (_, restored)) in zip(batch.allVariables, back.allVariables) {
            for (a, b) in zip(original.tensor.storage, restored.tensor.storage) where !a.isNaN {
                worst = max(worst, abs(a - b) / max(1, abs(a)))
            }
        }
        let t2m = scaled.tensor(.surface, "t2m")?.storage.filter { !$0.isNaN } ?? []
        let mean = t2m.reduce(0, +) / Float(max(1, t2m.count))
        print(
            "\(mode.rawValue): t2m scaled mean \(String(format: "%.3f", mean)); round trip worst relative error \(worst)"
        )
    }
} catch {
    FileHandle.standardError.write(Data("normalise: \(error)\n".utf8))
    exit(1)
}
