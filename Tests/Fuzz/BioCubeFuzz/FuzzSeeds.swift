import BioCubeBatch
import BioCubeCore
import BioCubeNetCDF
import BioCubeParquet
import Foundation

/// Small valid inputs each target starts from, written by the library itself (the Parquet
/// and CSV fixtures are added by `make fuzz`).
enum FuzzSeeds {
    /// Writes `target`'s seeds into `folder`; returns how many.
    static func write(_ target: FuzzTarget, into folder: String) throws -> Int {
        try FileIO.createDirectories(folder)
        var seeds: [(String, [UInt8])] = []
        let work = folder + "/.seed-work"
        try FileIO.createDirectories(work)
        defer { try? FileIO.removeItem(work) }
        switch target {
        case .parquet, .csv:
            break  // the fixtures (make fuzz copies them)
        case .pt, .zip:
            let path = work + "/b.pt"
            try TorchExporter().write(try batch(), to: path)
            seeds.append(("batch.pt", try FileIO.read(path)))
        case .safetensors:
            let path = work + "/b.safetensors"
            try SafetensorsExporter().write(try batch(), to: path)
            seeds.append(("batch.safetensors", try FileIO.read(path)))
        case .zarrMetadata:
            for (name, codecs) in FuzzTarget.chains {
                let store = try CubeStore.create(at: work + "/\(name).zarr")
                _ = try store.createArray(
                    "v",
                    metadata: ArrayMetadata(
                        shape: [3, 4], dataType: .float32, chunkShape: [2, 4], fillValue: nil, codecs: codecs,
                        dimensionNames: ["time", "x"]))
                seeds.append(("\(name).json", try FileIO.read(work + "/\(name).zarr/v/zarr.json")))
            }
        case .zarrChunk:
            for (name, codecs) in FuzzTarget.chains {
                let a = try CubeStore.create(at: work + "/\(name).zarr").createArray(
                    "v",
                    metadata: ArrayMetadata(
                        shape: [4, 64], dataType: .float32, chunkShape: [2, 64], fillValue: nil, codecs: codecs))
                try a.write((0..<256).map { Float($0) * 0.5 }, to: [.all, .all])
                seeds.append(("\(name).chunk", try FileIO.read(a.chunkFile([1, 0]))))
            }
        case .netcdf:
            let path = work + "/small.nc"
            let w = try NetCDFWriter(path: path, format: .classic)
            let t = try w.dimension("time", length: 2)
            let y = try w.dimension("latitude", length: 4)
            let v = try w.variable("t2m", .float, dimensions: [t, y])
            try w.attribute("units", .text("K"), on: v)
            try w.endDefinitions()
            try w.write(v, start: [0, 0], count: [2, 4], (0..<8).map(Float.init))
            try w.close()
            seeds.append(("classic.nc", try FileIO.read(path)))
            let floats = (0..<64).map { Float($0) }.withUnsafeBytes { Array($0) }
            seeds.append(("deflate.chunk", try ZlibCodec.compress(floats)))
            var zstd: [UInt8] = []
            try floats.withUnsafeBytes { try ZstdCodec().compress($0, level: 3, checksum: false, into: &zstd) }
            seeds.append(("zstd.chunk", zstd))
        }
        for (name, bytes) in seeds { try FileIO.writeAtomically(folder + "/seed-" + name, bytes) }
        return seeds.count
    }

    static func batch() throws -> Batch {
        let t = try Tensor(shape: [2, 3, 4], storage: (0..<24).map { Float($0) })
        return try Batch(
            metadata: .init(
                latitudes: [50, 49.75, 49.5], longitudes: [0, 0.25, 0.5, 0.75],
                timestamps: [UTCDateTime(year: 2000, month: 1), UTCDateTime(year: 2000, month: 2)],
                speciesList: ["5"]),
            groups: [.surface: [.init(name: "t2m", tensor: t)], .species: [.init(name: "5", tensor: t)]])
    }
}
