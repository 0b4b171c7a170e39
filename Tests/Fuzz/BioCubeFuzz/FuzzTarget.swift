import BioCubeBatch
import BioCubeCore
import BioCubeIndicators
import BioCubeNetCDF
import BioCubeParquet
import Foundation

/// One reader of untrusted bytes under the fuzzer. Every input must give values or a
/// `BioCubeError` — never a crash, a hang or an allocation sized from the input.
enum FuzzTarget: String, CaseIterable {
    /// The Parquet reader: footer, schema, every column of every row group.
    case parquet
    /// `.pt` batch files: the zip container, the pickle, the tensors' storages.
    case pt
    /// safetensors batch files: the JSON header, offsets, shapes.
    case safetensors
    /// A Zarr v3 array's `zarr.json`, then one chunk read through it.
    case zarrMetadata = "zarr-metadata"
    /// Chunk bytes decoded through the codec chains BioCube reads (zstd, zstd + crc32c, gzip).
    case zarrChunk = "zarr-chunk"
    /// The indicator CSV reader (fast and quoted-field parsers).
    case csv
    /// The zip reader: central directory, member sizes, extraction.
    case zip
    /// netCDF sniffing: the netCDF-3 header parser (checked before libnetcdf opens a file)
    /// and the HDF5 chunk filter pipeline (Fletcher-32, deflate, zstd, shuffle).
    case netcdf

    /// Runs one input; `scratch` is a folder of this process the target may write into.
    /// One line: `ok: …`, `error: …` or `unexpected error type: …`.
    func exercise(_ bytes: UnsafeRawBufferPointer, scratch: String) -> String {
        let line: String
        do {
            line = "ok: " + (try run(bytes, scratch: scratch))
        } catch let e as BioCubeError {
            line = "error: \(e.message.prefix(120))"
        } catch {
            line = "unexpected error type: \(error)"
        }
        return String(line.map { $0.isNewline ? " " : $0 })
    }

    private func run(_ bytes: UnsafeRawBufferPointer, scratch: String) throws -> String {
        switch self {
        case .parquet:
            let file = try ParquetFile(path: try Self.put(bytes, scratch + "/input.parquet"))
            var values = 0
            for g in 0..<file.rowGroupSizes.count {
                for c in file.columns.indices {
                    do { values += try file.read(column: c, rowGroup: g).count } catch is BioCubeError {}
                }
            }
            return "\(file.rowCount) rows, \(values) values"
        case .pt, .safetensors:
            let batch = try BatchFileReader.read(path: try Self.put(bytes, scratch + "/input." + rawValue))
            let values = batch.allVariables.reduce(0) { $0 + $1.1.tensor.storage.count }
            return "\(values) values, \(batch.contractViolations.count) contract violations"
        case .zarrMetadata:
            let array = scratch + "/store.zarr/v"
            try? FileIO.removeItem(scratch + "/store.zarr")
            try FileIO.writeAtomically(scratch + "/store.zarr/zarr.json", Array(Self.rootMetadata.utf8))
            _ = try Self.put(bytes, array + "/zarr.json")
            let a = try CubeStore.open(at: scratch + "/store.zarr").openArray("v")
            func product(_ v: [Int]) -> Int {
                v.reduce(1) {
                    let r = $0.multipliedReportingOverflow(by: $1); return r.overflow ? .max : r.partialValue
                }
            }
            guard product(a.shape) <= 1 << 16, product(a.chunkShape) <= 1 << 16 else {
                return "shape \(a.shape) not read"
            }
            // A chunk encoded through the parsed codec chain, then decoded again.
            let first = a.shape.map { _ in 0 }
            let count = product(Swift.zip(a.shape, a.chunkShape).map { min($0, $1) })
            let n: Int
            switch a.metadata.dataType {
            case .float32:
                try a.writeChunk([Float](repeating: 1.5, count: count), at: first)
                n = try a.readChunk(at: first, as: Float.self).count
            case .float64:
                try a.writeChunk([Double](repeating: 1.5, count: count), at: first)
                n = try a.readChunk(at: first, as: Double.self).count
            case .int64:
                try a.writeChunk([Int64](repeating: 7, count: count), at: first)
                n = try a.readChunk(at: first, as: Int64.self).count
            default:
                n = try a.read(a.shape.map { _ in .all }, as: UInt8.self).count
            }
            return "\(a.shape), \(n) values"
        case .zarrChunk:
            var results: [String] = []
            for (name, codecs) in Self.chains {
                let path = scratch + "/chunks-\(name).zarr"
                if !FileIO.exists(path) {
                    _ = try CubeStore.create(at: path).createArray(
                        "v",
                        metadata: ArrayMetadata(
                            shape: [4, 64], dataType: .float32, chunkShape: [2, 64], fillValue: nil, codecs: codecs))
                }
                let a = try CubeStore.open(at: path).openArray("v")
                _ = try Self.put(bytes, a.chunkFile([1, 0]))
                do { results.append("\(name) \(try a.readChunk(at: [1, 0], as: Float.self).count)") } catch let e
                    as BioCubeError
                { results.append("\(name) error: \(e.message.prefix(60))") }
            }
            return results.joined(separator: "; ")
        case .csv:
            let table = try IndicatorTable(path: try Self.put(bytes, scratch + "/input.csv"))
            return "\(table.rowCount) rows, \(table.variables.count) variables"
        case .zip:
            let zip = try ZipReader(path: try Self.put(bytes, scratch + "/input.zip"))
            let out = scratch + "/unzipped"
            try? FileIO.removeItem(out)
            defer { try? FileIO.removeItem(out) }
            let members = try zip.extractAll(withSuffix: "", into: out)
            return "\(zip.entries.count) entries, \(members.count) extracted"
        case .netcdf:
            var results: [String] = []
            let path = try Self.put(bytes, scratch + "/input.nc")
            do {
                let layout = try NetCDF3Layout.read(path: path)
                results.append(layout.map { "netCDF-3, \($0.variables.count) variables" } ?? "not netCDF-3")
            } catch let e as BioCubeError { results.append("header error: \(e.message.prefix(60))") }
            var out = [Float](repeating: 0, count: 64)
            for filters: [Int32] in [[1], [2, 1], [3, 2, 1], [32015], [2, 32015]] {
                do {
                    try out.withUnsafeMutableBufferPointer {
                        try HDF5ChunkReader.decode(
                            Array(bytes), filters: filters, skipped: 0, into: $0, context: "fuzz")
                    }
                    results.append("\(filters) decoded")
                } catch let e as BioCubeError { results.append("\(filters) error: \(e.message.prefix(40))") }
            }
            return results.joined(separator: "; ")
        }
    }

    static let rootMetadata = #"{"zarr_format": 3, "node_type": "group", "attributes": {}}"#

    static let chains: [(String, [ZarrCodec])] = [
        ("zstd", [.bytes(endian: .little), .zstd(level: 3, checksum: false)]),
        ("zstd-crc32c", ZarrCodec.standard()),
        ("gzip-big", [.bytes(endian: .big), .gzip(level: 5)]),
    ]

    private static func put(_ bytes: UnsafeRawBufferPointer, _ path: String) throws -> String {
        try FileIO.writeAtomically(path, bytes)
        return path
    }
}
