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
        case .parquet, .csv, .jpeg, .png, .mp3:
            break  // the fixtures (make fuzz and the replay test copy them)
        case .wav:
            func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
            func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
            let samples = (0..<1600).flatMap { i in le16(UInt16(bitPattern: Int16(3000 * sin(Double(i) / 5)))) }
            let wav =
                Array("RIFF".utf8) + le32(UInt32(36 + samples.count)) + Array("WAVEfmt ".utf8) + le32(16) + le16(1)
                + le16(1) + le32(16000) + le32(32000) + le16(2) + le16(16) + Array("data".utf8)
                + le32(UInt32(samples.count)) + samples
            seeds.append(("tone.wav", wav))
        case .ndvi:
            let path = work + "/c_gls_NDVI300_202007110000_GLOBE_OLCI_V2.0.1.nc"
            let w = try NetCDFWriter(path: path, format: .classic)
            let t = try w.dimension("time", length: 1)
            let la = try w.dimension("lat", length: 8)
            let lo = try w.dimension("lon", length: 8)
            let lat = try w.variable("lat", .double, dimensions: [la])
            let lon = try w.variable("lon", .double, dimensions: [lo])
            let v = try w.variable("NDVI", .short, dimensions: [t, la, lo])
            try w.attribute("scale_factor", .double(0.004), on: v)
            try w.attribute("add_offset", .double(-0.08), on: v)
            try w.endDefinitions()
            try w.write(lat, start: [0], count: [8], (0..<8).map { 49 - Double($0) * 0.125 })
            try w.write(lon, start: [0], count: [8], (0..<8).map { 6 + Double($0) * 0.125 })
            try w.write(v, start: [0, 0, 0], count: [1, 8, 8], (0..<64).map { Int16($0 * 3) })
            try w.close()
            seeds.append(("product.nc", try FileIO.read(path)))
        case .hubListing:
            seeds.append(
                (
                    "listing.json",
                    Array(
                        #"[{"type":"directory","oid":"0","size":0,"path":"Copernicus"},{"type":"file","oid":"ce013625030ba8dba906f756967f9e9ca394464a","size":6,"path":"README.md"},{"type":"file","oid":"1","size":5000,"path":"Copernicus/ERA5/a b.nc","lfs":{"oid":"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03","size":5000,"pointerSize":134}}]"#
                            .utf8
                    )
                )
            )
        case .manifest:
            let lines = ["20200611", "20200711", "20200811"].flatMap { d in
                ["2.0.1", "2.0.2"].map {
                    "https://globalland.vito.be/download/netcdf/ndvi_300m_v2_10daily/\(d.prefix(4))/\(d)/c_gls_NDVI300_\(d)0000_GLOBE_OLCI_V\($0).nc"
                }
            }
            seeds.append(("manifest.txt", Array(lines.joined(separator: "\n").utf8)))
        case .labels:
            seeds.append(
                (
                    "label_mappings.json",
                    Array(
                        #"{"ranks": {"Genus": {"Erithacus": 2, "Turdus": 1}, "Phylum": {"Chordata": 1}}, "version": 1}"#
                            .utf8
                    )
                )
            )
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
                        shape: [3, 4],
                        dataType: .float32,
                        chunkShape: [2, 4],
                        fillValue: nil,
                        codecs: codecs,
                        dimensionNames: ["time", "x"]
                    )
                )
                seeds.append(("\(name).json", try FileIO.read(work + "/\(name).zarr/v/zarr.json")))
            }
        case .zarrChunk:
            for (name, codecs) in FuzzTarget.chains {
                let a = try CubeStore.create(at: work + "/\(name).zarr").createArray(
                    "v",
                    metadata: ArrayMetadata(
                        shape: [4, 64],
                        dataType: .float32,
                        chunkShape: [2, 64],
                        fillValue: nil,
                        codecs: codecs
                    )
                )
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
                latitudes: [50, 49.75, 49.5],
                longitudes: [0, 0.25, 0.5, 0.75],
                timestamps: [UTCDateTime(year: 2000, month: 1), UTCDateTime(year: 2000, month: 2)],
                speciesList: ["5"]
            ),
            groups: [.surface: [.init(name: "t2m", tensor: t)], .species: [.init(name: "5", tensor: t)]]
        )
    }
}
