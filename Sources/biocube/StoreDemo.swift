import ArgumentParser
import BioCube
import Foundation

struct StoreDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Write a sample store on the Europe 0.25° grid, read it back and verify every value."
    )

    @Argument(help: "Where to write the store (replaced if it exists).")
    var store: String
    @Option(help: "Number of monthly steps from 2000-01.")
    var months: Int = 24
    @Option(help: "zstd level.")
    var level: Int = 3

    func run() async throws {
        try await reportingErrors {
            guard (2...1200).contains(months) else {
                throw BioCubeError(.invalidArgument, "--months \(months): the demo writes 2 to 1200 monthly steps")
            }
            let grid = Grid.europe025
            let time = try TimeAxis(cadence: .monthly, start: UTCDateTime(parsing: "2000-01"), count: months)
            let levels: [Double] = [1000, 925, 850, 700, 600, 500, 400, 300, 250, 200, 150, 100, 50]
            let clock = ContinuousClock()
            let start = clock.now

            var s = try CubeStore.create(at: store, attributes: ["title": "BioCube store demo"], overwrite: true)
            s.autoConsolidate = false
            try s.writeCoordinates(grid: grid, time: time, pressureLevels: levels)
            let t2m = try s.createArray(
                "surface_variables/t2m",
                metadata: ArrayMetadata(
                    shape: [months, grid.height, grid.width],
                    dataType: .float32,
                    chunkShape: [1, grid.height, grid.width],
                    fillValue: nil,
                    codecs: ZarrCodec.standard(level: level),
                    dimensionNames: CubeStore.dimensionNames(levels: false),
                    attributes: ["units": "K", "long_name": "2 metre temperature"]
                )
            )
            let temp = try s.createArray(
                "atmospheric_variables/t",
                metadata: ArrayMetadata(
                    shape: [months, levels.count, grid.height, grid.width],
                    dataType: .float32,
                    chunkShape: [1, levels.count, grid.height, grid.width],
                    fillValue: nil,
                    codecs: ZarrCodec.standard(level: level),
                    dimensionNames: CubeStore.dimensionNames(levels: true),
                    attributes: ["units": "K", "long_name": "Temperature"]
                )
            )
            try s.consolidateMetadata()

            let surface = field(months: months, levels: 1, grid: grid, seed: 1)
            let upper = field(months: months, levels: levels.count, grid: grid, seed: 2)
            try await t2m.write(surface, to: [.all, .all, .all], maxConcurrency: 2)
            try await temp.write(upper, to: [.all, .all, .all, .all], maxConcurrency: 2)
            let written = clock.now - start

            let readStart = clock.now
            let back1: [Float] = try await t2m.readAll()
            let back2: [Float] = try await temp.readAll()
            let read = clock.now - readStart
            guard bitwiseEqual(back1, surface), bitwiseEqual(back2, upper) else {
                throw BioCubeError(.corruptData, "\(store): values read back differ from the values written")
            }
            let box: [Float] = try t2m.read([.index(months - 1), .range(40..<80), .range(100..<180)])
            let decoded = Int64((surface.count + upper.count) * 4)
            let onDisk = diskUsage(store)
            print(
                """
                Wrote \(store): \(months) monthly steps from \(time.start.dateString) on the Europe 0.25° grid \
                (\(grid.height)×\(grid.width)).
                  surface_variables/t2m      [\(months), \(grid.height), \(grid.width)]
                  atmospheric_variables/t    [\(months), \(levels.count), \(grid.height), \(grid.width)]
                  \(humanBytes(decoded)) of float32 → \(humanBytes(onDisk)) on disk (zstd level \(level))
                  write \(written.formatted(.units(allowed: [.milliseconds]))), read back \(read.formatted(.units(allowed: [.milliseconds]))); every value verified
                  a 40×80 box of the last step: min \(box.min()!) K, max \(box.max()!) K
                Open it in Python: xarray.open_datatree("\(store)", engine="zarr")
                """
            )
        }
    }

    /// A smooth temperature-like field with noise: warmer south, seasonal cycle, lapse rate.
    private func field(months: Int, levels: Int, grid: Grid, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        var out = [Float](repeating: 0, count: months * levels * grid.cellCount)
        out.withUnsafeMutableBufferPointer { buf in
            var i = 0
            for m in 0..<months {
                let season = Float(10 * cos(2 * Double.pi * Double(m % 12 - 6) / 12))
                for l in 0..<levels {
                    for r in 0..<grid.height {
                        let lat = Float(grid.latitude[r])
                        for _ in 0..<grid.width {
                            buf[i] = 300 - 0.6 * (lat - 32) + season - Float(l) * 5 + 1.5 * rng.nextSignedUnit()
                            i += 1
                        }
                    }
                }
            }
        }
        return out
    }
}

func bitwiseEqual(_ a: [Float], _ b: [Float]) -> Bool {
    a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.elementsEqual(y) } }
}

func diskUsage(_ path: String) -> Int64 {
    guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total: Int64 = 0
    for case let name as String in e {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path + "/" + name))?[.size] as? NSNumber,
            (try? FileManager.default.attributesOfItem(atPath: path + "/" + name))?[.type] as? FileAttributeType
                == .typeRegular
        {
            total += size.int64Value
        }
    }
    return total
}
