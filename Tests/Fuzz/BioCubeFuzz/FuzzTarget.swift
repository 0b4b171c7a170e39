import BioCubeBatch
import BioCubeCore
import BioCubeIndicators
import BioCubeMedia
import BioCubeNetCDF
import BioCubeParquet
import BioCubeTransfer
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
    /// A photo through libjpeg-turbo (scan limit, pixel limit, truncation).
    case jpeg
    /// A photo through libpng.
    case png
    /// A WAV recording (chunks, formats, rates, sample counts).
    case wav
    /// An MP3 recording through libmpg123 and the frame-chain check.
    case mp3
    /// A Copernicus Land NDVI product read onto the grid (attributes, dimension names and
    /// order, axis sizes), as `ingest ndvi` does.
    case ndvi
    /// One page of a Hugging Face tree listing, its paths checked, and its layout.
    case hubListing = "hub-listing"
    /// An NDVI download manifest: lines, product dates and versions, file names.
    case manifest
    /// A `label_mappings.json` (duplicate keys, ids, versions).
    case labels

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
                    let r = $0.multipliedReportingOverflow(by: $1)
                    return r.overflow ? .max : r.partialValue
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
                            shape: [4, 64],
                            dataType: .float32,
                            chunkShape: [2, 64],
                            fillValue: nil,
                            codecs: codecs
                        )
                    )
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
                            Array(bytes),
                            filters: filters,
                            skipped: 0,
                            into: $0,
                            context: "fuzz"
                        )
                    }
                    results.append("\(filters) decoded")
                } catch let e as BioCubeError { results.append("\(filters) error: \(e.message.prefix(40))") }
            }
            return results.joined(separator: "; ")
        case .jpeg, .png, .wav, .mp3, .ndvi, .hubListing, .manifest, .labels:
            return try runMedia(bytes, scratch: scratch)
        }
    }

    /// The readers added for the media, Hub and NDVI surfaces.
    private func runMedia(_ bytes: UnsafeRawBufferPointer, scratch: String) throws -> String {
        let data = Array(bytes)
        switch self {
        case .jpeg, .png:
            let image = try RGBImage(decoding: data, name: "input." + rawValue)
            let tensor = try ImagePreprocessor(options: ImageOptions()).tensor(of: image)
            return "\(image.width)×\(image.height) → \(tensor.shape)"
        case .wav, .mp3:
            let clip = try AudioClip(decoding: data, name: "input." + rawValue)
            guard clip.samples.count <= 1 << 22 else { return "\(clip.samples.count) samples (not analysed)" }
            let features = try AudioPreprocessor(options: AudioFeatureOptions()).features(of: clip)
            return "\(clip.samples.count) samples at \(clip.sampleRate) Hz → \(features.frames) frames"
        case .ndvi:
            let path = try Self.put(bytes, scratch + "/c_gls_NDVI300_202007110000_GLOBE_OLCI_V2.0.1.nc")
            let product = try NDVIProduct(path: path, grid: .europe025, threshold: 0.2)
            return "\(product.pixels.reduce(0) { $0 + Int($1) }) pixels"
        case .hubListing:
            let files = try HuggingFaceDataset.parseListing(Data(data), repository: "fuzz/listing", page: 1)
            try HuggingFaceDataset.checkLayout(files, repository: "fuzz/listing")
            for f in files { _ = try UntrustedPath.resolve(f.path, inside: scratch + "/hub", what: "the entry") }
            return "\(files.count) files"
        case .manifest:
            let text = String(decoding: data, as: UTF8.self)
            let urls = NDVIDownload.select(
                manifest: text,
                from: try UTCDateTime(year: 1999, month: 1),
                through: try UTCDateTime(year: 2030, month: 12),
                dekad: 11
            )
            var names = 0
            for u in urls {
                if (try? UntrustedPath.fileName(u.lastPathComponent, what: "the product", percentEncoded: true)) != nil
                {
                    names += 1
                }
            }
            return "\(urls.count) products, \(names) safe names"
        case .labels:
            let labels = try LabelMappings.load(path: try Self.put(bytes, scratch + "/label_mappings.json"))
            return "\(labels.ranks.count) ranks"
        default:
            return ""
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
