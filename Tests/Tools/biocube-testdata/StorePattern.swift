import ArgumentParser
import BioCube

/// Writes arrays of every data type and codec chain filled with an exact integer formula,
/// so another implementation (zarr-python in `Tests/Interop`) can check every value.
struct StorePattern: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-pattern",
        abstract:
            "Write a store of formula-filled arrays (every data type and codec chain) for interoperability checks.",
    )

    @Argument(help: "Where to write the store (replaced if it exists).")
    var store: String

    /// The value at flat row-major index `i`; Tests/Interop/patterns.py implements the same.
    static func base(_ i: Int) -> Int64 { Int64((i &* 7919) % 10007) }

    func run() async throws {
        try await reportingErrors {
            var s = try CubeStore.create(
                at: store,
                attributes: ["purpose": "interoperability pattern"],
                overwrite: true
            )
            s.autoConsolidate = false
            let shapes: [(String, [Int], [Int])] = [
                ("vector", [100], [7]),
                ("cube", [5, 17, 23], [2, 8, 10]),
                ("hyper", [3, 4, 9, 11], [1, 3, 4, 5]),
            ]
            let chains: [(String, [ZarrCodec])] = [
                ("zstd", ZarrCodec.standard(level: 3)),
                ("gzip", [.bytes(endian: .little), .gzip(level: 5)]),
                ("crc", [.bytes(endian: .little), .zstd(level: 1, checksum: true), .crc32c]),
                ("raw", [.bytes(endian: .little)]),
                ("bigendian", [.bytes(endian: .big), .zstd(level: 3, checksum: false)]),
            ]
            for type in ZarrDataType.allCases {
                for (shapeName, shape, chunks) in shapes {
                    for (chainName, codecs) in chains where shapeName == "cube" || chainName == "zstd" {
                        let path = "\(type.rawValue)/\(shapeName)_\(chainName)"
                        let dims = shape.indices.map { "d\($0)" }
                        let meta = try ArrayMetadata(
                            shape: shape,
                            dataType: type,
                            chunkShape: chunks,
                            fillValue: nil,
                            codecs: codecs,
                            dimensionNames: dims,
                            attributes: ["formula": "pattern"]
                        )
                        let a = try s.createArray(path, metadata: meta)
                        let n = shape.reduce(1, *)
                        try write(a, n, type)
                    }
                }
            }
            // One partly written array: only chunk (0, 0, 0) exists; the rest must read as fill.
            let partial = try s.createArray(
                "float32/partial",
                metadata: ArrayMetadata(
                    shape: [4, 6, 6],
                    dataType: .float32,
                    chunkShape: [2, 3, 3],
                    dimensionNames: ["t", "y", "x"]
                )
            )
            try partial.writeChunk((0..<18).map { Float($0) }, at: [0, 0, 0])
            try s.consolidateMetadata()
            print("wrote pattern store \(store)")
        }
    }

    private func write(_ a: ZarrArray, _ n: Int, _ type: ZarrDataType) throws {
        let sel = Array(repeating: DimensionSelection.all, count: a.shape.count)
        let b = (0..<n).map(StorePattern.base)
        switch type {
        case .float32:
            try a.write(b.enumerated().map { i, v in i % 97 == 13 ? Float.nan : Float(v) * 0.125 - 600 }, to: sel)
        case .float64:
            try a.write(b.enumerated().map { i, v in i % 97 == 13 ? Double.nan : Double(v) * 0.125 - 600 }, to: sel)
        case .int8: try a.write(b.map { Int8($0 % 251 - 125) }, to: sel)
        case .int16: try a.write(b.map { Int16($0 * 3 - 15000) }, to: sel)
        case .int32: try a.write(b.map { Int32($0 * 200_003 - 1_000_000_000) }, to: sel)
        case .int64: try a.write(b.map { $0 * 1_000_000_007 - (1 << 40) }, to: sel)
        case .uint8: try a.write(b.map { UInt8($0 % 256) }, to: sel)
        case .uint16: try a.write(b.map { UInt16($0 * 6) }, to: sel)
        case .uint32: try a.write(b.map { UInt32($0 * 400_000) }, to: sel)
        case .uint64: try a.write(b.map { UInt64($0) * 1_800_000_000_000_000 }, to: sel)
        case .bool: try a.write(b.map { $0 % 3 == 0 }, to: sel)
        }
    }
}
