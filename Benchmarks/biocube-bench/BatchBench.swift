import BioCubeBatch
import BioCubeCore
import Foundation

/// `biocube-bench batch-latency STORE [SAMPLES]`: opens the store once, then reads random
/// windows with `BatchSampler.batch(at:)` and reports the latency distribution (ms).
func batchLatencyBenchmark(store: String, samples: Int) async throws -> [String: Any] {
    let sampler = try BatchSampler(storePath: store)
    var rng = SplitMix64(seed: 7)
    var times: [Double] = []
    _ = try await sampler.batch(at: 0)  // warm the page cache path once
    for _ in 0..<samples {
        let i = Int(rng.next() % UInt64(sampler.count))
        let t0 = ContinuousClock.now
        let b = try await sampler.batch(at: i)
        let d = ContinuousClock.now - t0
        precondition(
            b.allVariables.count == sampler.members.count,
            "a batch holds \(b.allVariables.count) variables, the selection \(sampler.members.count)"
        )
        times.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
    }
    times.sort()
    return [
        "windows": sampler.count, "samples": samples, "median_ms": times[times.count / 2],
        "p90_ms": times[min(times.count - 1, times.count * 9 / 10)], "max_ms": times.last ?? 0,
    ]
}
