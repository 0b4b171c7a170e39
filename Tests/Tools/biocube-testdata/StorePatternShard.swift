import ArgumentParser
import BioCube

/// Writes one shard of the time steps of a shared array, for tests of concurrent writer
/// processes: `n` processes started at once with `--shard 0/n … n-1/n` fill the whole array.
struct StorePatternShard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-pattern-shard",
        abstract: "Write the steps t with t % n == k of the array 'sharded/values' (concurrent writer checks).",
    )

    @Argument(help: "The store folder (created if missing).")
    var store: String
    @Option(help: "k/n: this process writes the steps t with t % n == k.")
    var shard: String
    @Option(help: "Number of time steps.")
    var steps: Int = 60
    @Option(help: "Grid height and width.")
    var height: Int = 40
    @Option var width: Int = 50

    func run() async throws {
        try await reportingErrors {
            let parts = shard.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] > 0, (0..<parts[1]).contains(parts[0]) else {
                throw BioCubeError(.invalidArgument, "--shard '\(shard)' is not k/n with 0 ≤ k < n")
            }
            let (k, n) = (parts[0], parts[1])
            let s = try CubeStore.openOrCreate(at: store)
            let a = try s.createArray(
                "sharded/values",
                metadata: ArrayMetadata(
                    shape: [steps, height, width],
                    dataType: .float32,
                    chunkShape: [1, height, width],
                    dimensionNames: ["time", "y", "x"]
                )
            )
            for t in stride(from: k, to: steps, by: n) {
                var plane = [Float](repeating: 0, count: height * width)
                for r in 0..<height {
                    for c in 0..<width { plane[r * width + c] = Float((t * 1009 + r * 31 + c) % 65536) * 0.5 }
                }
                try a.write(plane, to: [.index(t), .all, .all])
            }
            print("shard \(k)/\(n): wrote \((steps - k + n - 1) / n) steps")
        }
    }
}
