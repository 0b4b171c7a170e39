import BioCubeCore
import BioCubeERA5
import Foundation
import Synchronization

/// Reads every monthly step of every variable in the ERA5 files of `directory` onto
/// `.europe025`, `jobs` variables at a time (each read is one step of one variable), and
/// reports time and peak memory.
func era5Benchmark(directory: String, jobs: Int) async throws -> [String: Any] {
    let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".nc") }.sorted()
        .map { directory + "/" + $0 }
    let clock = ContinuousClock()
    let start = clock.now
    let era5 = try ERA5Modality(paths: files)
    let variables = try era5.variables()
    let steps = Set(era5.files.flatMap(\.times)).sorted()
    let totals = Locked((planes: 0, checksum: 0.0))
    for step in steps {
        try await concurrentForEach(count: variables.count, maxConcurrency: jobs) { i in
            let t = try era5.read(variables[i], at: step, onto: .europe025)
            let planes = t.count / Grid.europe025.cellCount
            let probe = Double(t.storage[t.count / 2])
            totals.withLock {
                $0.planes += planes
                $0.checksum += probe
            }
        }
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let (planes, checksum) = totals.withLock { ($0.planes, $0.checksum) }
    return [
        "files": files.count, "variables": variables.count, "steps": steps.count, "planes": planes, "jobs": jobs,
        "seconds": seconds, "peak_rss_mb": Double(usage.ru_maxrss) / 1024, "checksum": checksum,
        "decoded_mb": Double(planes * Grid.europe025.cellCount * 4) / 1e6,
    ]
}
