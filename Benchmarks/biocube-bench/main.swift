import BioCubeCore
// Store benchmark: BioCube write/read throughput on a [120, 161, 281] float32 array with
// chunks [1, 161, 281] and zstd level 3, and single-thread read against plain
// ZSTD_decompress of the same chunk bytes. Prints one JSON object; Benchmarks/store_bench.py
// runs zarr-python on the same values in the same run and prints the ratios.
import BioCubeParquet
import CZstd
import Foundation
import _BioCubeProcessTuning

// Every mode runs with the allocator tuned as the biocube command line runs, unless
// --default-allocator is given (then glibc's defaults apply).
let tuned = !CommandLine.arguments.contains("--default-allocator") && AllocatorTuning.retainFreedMemory()

struct Options {
    var workdir = NSTemporaryDirectory() + "/biocube-bench"
    var repeats = 5
    var steps = 120
    var level = 3
    var jobs = ProcessInfo.processInfo.activeProcessorCount
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst().filter { $0 != "--default-allocator" }[...]
    while let flag = args.popFirst() {
        guard let value = args.popFirst() else { fatalError("\(flag) needs a value") }
        switch flag {
        case "--workdir": o.workdir = value
        case "--repeats": o.repeats = Int(value)!
        case "--steps": o.steps = Int(value)!
        case "--level": o.level = Int(value)!
        case "--jobs": o.jobs = Int(value)!
        default: fatalError("unknown option \(flag) (known: --workdir --repeats --steps --level --jobs)")
        }
    }
    return o
}

/// Temperature-like values: smooth large-scale structure, a seasonal cycle, and noise at
/// the 0.01 K level, so chunks compress like real reanalysis fields (not like constants).
func realisticValues(steps: Int, grid: Grid) -> [Float] {
    var rng = SplitMix64(seed: 42)
    var out = [Float](repeating: 0, count: steps * grid.cellCount)
    out.withUnsafeMutableBufferPointer { buf in
        var i = 0
        for t in 0..<steps {
            let season = Float(12 * cos(2 * Double.pi * Double(t % 12) / 12))
            for r in 0..<grid.height {
                let lat = Float(grid.latitude[r])
                for c in 0..<grid.width {
                    let lon = Float(grid.longitude[c])
                    let wave = 3 * sin(lon * 0.2 + Float(t) * 0.3) * cos(lat * 0.15)
                    buf[i] =
                        300 - 0.7 * (lat - 32) + season + wave + 0.8 * rng.nextSignedUnit() + 0.01
                        * rng.nextSignedUnit()
                    i += 1
                }
            }
        }
    }
    return out
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s[s.count / 2]
}

@MainActor func measure(
    _ repeats: Int,
    before: () throws -> Void = {},
    _ body: () async throws -> Void
) async rethrows -> Double {
    var times: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<repeats {
        try before()
        let start = clock.now
        try await body()
        times.append(seconds(clock.now - start))
    }
    return median(times)
}

if CommandLine.arguments.dropFirst().first == "era5" {
    // biocube-bench era5 DIR [JOBS]: read every step of every variable of the files in DIR onto europe025.
    let jobs =
        CommandLine.arguments.count > 3
        ? Int(CommandLine.arguments[3]) ?? 1 : ProcessInfo.processInfo.activeProcessorCount
    let json = try JSONSerialization.data(
        withJSONObject: try await era5Benchmark(directory: CommandLine.arguments[2], jobs: jobs),
        options: [.sortedKeys, .prettyPrinted]
    )
    print(String(decoding: json, as: UTF8.self))
    exit(0)
}

if CommandLine.arguments.dropFirst().first == "media" {
    // biocube-bench media DIR [JOBS]: species-media preprocessing throughput (Benchmarks/media_bench.py).
    let jobs =
        CommandLine.arguments.count > 3
        ? Int(CommandLine.arguments[3]) ?? 1 : ProcessInfo.processInfo.activeProcessorCount
    let json = try JSONSerialization.data(
        withJSONObject: try await mediaBenchmark(directory: CommandLine.arguments[2], jobs: jobs),
        options: [.sortedKeys]
    )
    print(String(decoding: json, as: UTF8.self))
    exit(0)
}

if CommandLine.arguments.dropFirst().first == "species" {
    // biocube-bench species FILE [--default-allocator]: Parquet read of the five columns, then
    // gridding every plane; with the allocator tuned as the biocube command line runs, unless asked not to.
    var result = try speciesBenchmark(path: CommandLine.arguments[2])
    result["allocator"] = tuned ? "tuned (AllocatorTuning.retainFreedMemory)" : "glibc default"
    let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "batch-latency" {
    // biocube-bench batch-latency STORE [SAMPLES]: random-window read latency of BatchSampler.
    let samples = CommandLine.arguments.count > 3 ? Int(CommandLine.arguments[3]) ?? 50 : 50
    let json = try JSONSerialization.data(
        withJSONObject: try await batchLatencyBenchmark(store: CommandLine.arguments[2], samples: samples),
        options: [.sortedKeys]
    )
    print(String(decoding: json, as: UTF8.self))
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "indicators-data" {
    try writeIndicatorBenchCSV(path: CommandLine.arguments[2])
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "indicators" {
    let jobs =
        CommandLine.arguments.count > 3
        ? Int(CommandLine.arguments[3]) ?? 1 : ProcessInfo.processInfo.activeProcessorCount
    let json = try JSONSerialization.data(
        withJSONObject: try await indicatorBenchmark(path: CommandLine.arguments[2], jobs: jobs),
        options: [.sortedKeys, .prettyPrinted]
    )
    print(String(decoding: json, as: UTF8.self))
    exit(0)
}

let o = parseOptions()
let grid = Grid.europe025
try? FileManager.default.removeItem(atPath: o.workdir)
try FileManager.default.createDirectory(atPath: o.workdir, withIntermediateDirectories: true)
let values = realisticValues(steps: o.steps, grid: grid)
let megabytes = Double(values.count * 4) / 1e6
try values.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: o.workdir + "/values.f32")) }

let shape = [o.steps, grid.height, grid.width]
let chunks = [1, grid.height, grid.width]
let all: [DimensionSelection] = [.all, .all, .all]
let storePath = o.workdir + "/biocube.zarr"
var store = try CubeStore.create(at: storePath, overwrite: true)
store.autoConsolidate = false
let meta = try ArrayMetadata(
    shape: shape,
    dataType: .float32,
    chunkShape: chunks,
    fillValue: nil,
    codecs: ZarrCodec.standard(level: o.level),
    dimensionNames: ["time", "latitude", "longitude"]
)

// Each repetition writes a fresh array (deleting the previous one is not timed), as the
// zarr-python side does; the last one is read below.
var generation = 0
@MainActor func freshArray() throws -> ZarrArray {
    generation += 1
    if generation > 1 { try? FileManager.default.removeItem(atPath: storePath + "/t2m_\(generation - 1)") }
    return try store.createArray("t2m_\(generation)", metadata: meta)
}
var array = try freshArray()
@MainActor func replaceArray() throws { array = try freshArray() }
let writeParallel = try await measure(o.repeats, before: replaceArray) {
    try await array.write(values, to: all, maxConcurrency: o.jobs)
}
let writeSingle = try await measure(o.repeats, before: replaceArray) {
    try array.write(values, to: all)
}
var check: [Float] = []
let readParallel = try await measure(o.repeats) { check = try await array.readAll(maxConcurrency: o.jobs) }
guard check.withUnsafeBytes({ a in values.withUnsafeBytes { a.elementsEqual($0) } }) else {
    fatalError("read-back mismatch")
}
// Reads into one reused, already touched output buffer: no allocator or page-fault noise.
let output = UnsafeMutableBufferPointer<Float>.allocate(capacity: values.count)
output.initialize(repeating: 0)
defer { output.deallocate() }
/// Hands the benchmark's output buffer to the parallel reader (it is untouched meanwhile).
struct OutputBuffer: @unchecked Sendable { let pointer: UnsafeMutableBufferPointer<Float> }
let shared = OutputBuffer(pointer: output)
let readParallelInto = try await measure(o.repeats) { [shared, array] in
    try await array.read(all, into: shared.pointer, maxConcurrency: o.jobs)
}
let readSingleInto = try await measure(o.repeats) { try array.read(all, into: output) }
guard output.elementsEqual(values) else { fatalError("read-back mismatch") }

// Plain ZSTD_decompress of the very same chunk bytes, held in memory (no file I/O, no
// metadata), into the same reused output buffer as the single-thread read above.
let chunkFiles = (0..<o.steps).map { storePath + "/t2m_\(generation)/c/\($0)/0/0" }
let frames = try chunkFiles.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
let compressedBytes = frames.reduce(0) { $0 + $1.count }
let planeBytes = grid.cellCount * 4
let dctx = ZSTD_createDCtx()
let plainSingle = try await measure(o.repeats) {
    let dst = UnsafeMutableRawPointer(output.baseAddress!)
    for (t, f) in frames.enumerated() {
        let n = f.withUnsafeBytes {
            ZSTD_decompressDCtx(dctx, dst + t * planeBytes, planeBytes, $0.baseAddress, $0.count)
        }
        precondition(n == planeBytes, "zstd failed")
    }
}
guard output.elementsEqual(values) else { fatalError("plain decompression mismatch") }
ZSTD_freeDCtx(dctx)

// Plain single-thread ZSTD_compress2 of the same planes at the same level (no files, no metadata).
let cctx = ZSTD_createCCtx()
ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, Int32(o.level))
var frame = [UInt8](repeating: 0, count: ZSTD_compressBound(planeBytes))
let plainCompress = try await measure(o.repeats) {
    values.withUnsafeBytes { src in
        frame.withUnsafeMutableBytes { dst in
            for t in 0..<o.steps {
                let n = ZSTD_compress2(cctx, dst.baseAddress, dst.count, src.baseAddress! + t * planeBytes, planeBytes)
                precondition(ZSTD_isError(n) == 0, "zstd failed")
            }
        }
    }
}
ZSTD_freeCCtx(cctx)

let result: [String: Any] = [
    "shape": shape, "chunks": chunks, "zstd_level": o.level, "jobs": o.jobs, "repeats": o.repeats,
    "decoded_mb": megabytes, "compressed_mb": Double(compressedBytes) / 1e6,
    "values_file": o.workdir + "/values.f32",
    "write_parallel_mb_s": megabytes / writeParallel, "write_single_mb_s": megabytes / writeSingle,
    "read_parallel_mb_s": megabytes / readParallel, "read_parallel_into_mb_s": megabytes / readParallelInto,
    "read_single_into_mb_s": megabytes / readSingleInto,
    "plain_zstd_decompress_single_mb_s": megabytes / plainSingle,
    "plain_zstd_compress_single_mb_s": megabytes / plainCompress,
]
let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys, .prettyPrinted])
print(String(decoding: json, as: UTF8.self))
