import BioCubeCore
import BioCubeERA5
import Foundation

/// Reads every monthly step of every variable in the ERA5 files of `directory` onto
/// `.europe025`, one step of one variable at a time, and reports time and peak memory.
func era5Benchmark(directory: String) throws -> [String: Any] {
    let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".nc") }.sorted()
        .map { directory + "/" + $0 }
    let clock = ContinuousClock()
    let start = clock.now
    let era5 = try ERA5Modality(paths: files)
    let variables = try era5.variables()
    let steps = Set(era5.files.flatMap(\.times)).sorted()
    var planes = 0
    var checksum = 0.0
    for step in steps {
        for v in variables {
            let t = try era5.read(v, at: step, onto: .europe025)
            planes += t.count / Grid.europe025.cellCount
            checksum += Double(t.storage[t.count / 2])
        }
    }
    let seconds = Double((clock.now - start).components.attoseconds) / 1e18 + Double((clock.now - start).components.seconds)
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return [
        "files": files.count, "variables": variables.count, "steps": steps.count, "planes": planes,
        "seconds": seconds, "peak_rss_mb": Double(usage.ru_maxrss) / 1024, "checksum": checksum,
        "decoded_mb": Double(planes * Grid.europe025.cellCount * 4) / 1e6,
    ]
}
