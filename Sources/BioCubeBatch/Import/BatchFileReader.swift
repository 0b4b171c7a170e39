import BioCubeCore
import Foundation

/// Reads exported batch files back into ``Batch``es: bfm-model `.pt` files (BioCube's or
/// those `torch.save` wrote, float32 tensors, through a weights-only pickle reader that
/// never executes anything) and BioCube safetensors files.
public enum BatchFileReader {
    /// Reads a `.pt` or `.safetensors` batch; the error names the file and what is wrong.
    public static func read(path: String) throws -> Batch {
        do {
            if path.hasSuffix(".safetensors") { return try readSafetensors(path) }
            return try readTorch(path)
        } catch let e as BioCubeError {
            throw e.adding(file: path)
        }
    }

    /// The batch files (`.pt` and `.safetensors`) under `directory`, in sub-folders too, as
    /// paths relative to it, sorted (so window order for BioCube's names).
    ///
    /// - Throws: `BioCubeError` (`notFound`) naming the folder when it cannot
    ///   be listed or holds no batch file.
    public static func batchFiles(in directory: String) throws -> [String] {
        guard FileIO.isDirectory(directory), let all = FileManager.default.subpaths(atPath: directory) else {
            throw BioCubeError(.notFound, "no such folder", file: directory)
        }
        let files = all.filter { $0.hasSuffix(".pt") || $0.hasSuffix(".safetensors") }.sorted()
        guard !files.isEmpty else {
            throw BioCubeError(.notFound, "no .pt or .safetensors batch files", file: directory)
        }
        return files
    }

    static func readTorch(_ path: String) throws -> Batch {
        let zip = try ZipReader(path: path)
        guard let pkl = zip.entries.first(where: { $0.name.hasSuffix("/data.pkl") }) else {
            throw BioCubeError(.invalidMetadata, "not a torch.save archive (no data.pkl)")
        }
        let prefix = String(pkl.name.dropLast("data.pkl".count))
        var reader = PickleReader(try zip.extract(pkl))
        guard case .dict(let top) = try reader.read() else {
            throw BioCubeError(.invalidMetadata, "data.pkl does not hold a dict")
        }
        var byName: [String: PickleValue] = [:]
        for (k, v) in top { if let s = k.string { byName[s] = v } }
        guard case .dict(let metaPairs)? = byName["batch_metadata"] else {
            throw BioCubeError(.invalidMetadata, "no batch_metadata dict")
        }
        var meta: [String: PickleValue] = [:]
        for (k, v) in metaPairs { if let s = k.string { meta[s] = v } }
        func doubles(_ key: String) throws -> [Double]? {
            guard let v = meta[key] else { throw BioCubeError(.invalidMetadata, "batch_metadata lacks \"\(key)\"") }
            if case .none = v { return nil }
            guard case .list(let l) = v else {
                throw BioCubeError(.invalidMetadata, "batch_metadata.\(key) is not a list")
            }
            return try l.map {
                switch $0 {
                case .double(let d): return d
                case .int(let i): return Double(i)
                default: throw BioCubeError(.invalidMetadata, "batch_metadata.\(key) holds a non-number")
                }
            }
        }
        func strings(_ key: String) throws -> [String]? {
            guard let v = meta[key] else { throw BioCubeError(.invalidMetadata, "batch_metadata lacks \"\(key)\"") }
            if case .none = v { return nil }
            guard case .list(let l) = v else {
                throw BioCubeError(.invalidMetadata, "batch_metadata.\(key) is not a list")
            }
            return try l.map {
                guard let s = $0.string else {
                    throw BioCubeError(.invalidMetadata, "batch_metadata.\(key) holds a non-string")
                }
                return s
            }
        }
        let stamps = try strings("timestamp") ?? []
        let metadata = Batch.Metadata(
            latitudes: try doubles("latitudes") ?? [],
            longitudes: try doubles("longitudes") ?? [],
            timestamps: try stamps.map(timestamp),
            pressureLevels: try doubles("pressure_levels"),
            speciesList: try strings("species_list")
        )
        var storages: [String: [Float]] = [:]
        var groups: [VariableGroup: [Batch.Variable]] = [:]
        let own = byName.keys.compactMap { try? VariableGroup(validating: $0) }.filter { !$0.isBuiltIn }
        for g in (VariableGroup.builtIn + own).sorted() {
            guard let v = byName[g.rawValue] else {
                if !g.isPublished { continue }
                throw BioCubeError(.invalidMetadata, "group \(g.rawValue) is missing")
            }
            guard case .dict(let vars) = v else {
                throw BioCubeError(.invalidMetadata, "group \(g.rawValue) is not a dict")
            }
            groups[g] = try vars.map { k, t in
                guard let name = k.string, case .tensor(let key, let type, let offset, let size, let stride) = t else {
                    throw BioCubeError(.invalidMetadata, "\(g.rawValue) holds a non-tensor entry")
                }
                guard type == "FloatStorage" else {
                    throw BioCubeError(.unsupported, "\(g.rawValue)/\(name) is \(type), BioCube reads float32 tensors")
                }
                if storages[key] == nil {
                    guard let e = zip.entries.first(where: { $0.name == prefix + "data/" + key }) else {
                        throw BioCubeError(.corruptData, "storage data/\(key) of \(g.rawValue)/\(name) is missing")
                    }
                    let raw = try zip.extract(e)
                    storages[key] = floats(raw[...])
                }
                let storage = storages[key]!
                let n = try elementCount(size, of: "\(g.rawValue)/\(name)")
                guard stride == contiguousStrides(size), offset >= 0, offset <= storage.count - n else {
                    throw BioCubeError(
                        .unsupported,
                        "\(g.rawValue)/\(name): non-contiguous or out-of-range tensor (size \(size), stride \(stride), offset \(offset))"
                    )
                }
                return Batch.Variable(
                    name: name,
                    tensor: try Tensor(shape: size, storage: Array(storage[offset..<(offset + n)]))
                )
            }
        }
        return try Batch(metadata: metadata, groups: groups)
    }

    /// The number of elements of `shape`, refusing negative extents and products that
    /// overflow (a header can claim anything; nothing is allocated from it before this).
    static func elementCount(_ shape: [Int], of tensor: String) throws -> Int {
        var n = 1
        for d in shape {
            guard d >= 0 else {
                throw BioCubeError(.corruptData, "tensor \(tensor): negative extent in shape \(shape)")
            }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= Int.max / 4 else {
                throw BioCubeError(.corruptData, "tensor \(tensor): shape \(shape) has more elements than any file")
            }
            n = p
        }
        return n
    }

    /// Row-major strides of `shape` (computed from already checked extents).
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        for d in Swift.stride(from: shape.count - 2, through: 0, by: -1) { s[d] = s[d + 1] &* shape[d + 1] }
        return s
    }

    /// A timestamp in exactly the contract's form `YYYY-MM-DD HH:MM:SS`.
    static func timestamp(_ text: String) throws -> UTCDateTime {
        guard let t = try? UTCDateTime(parsing: text), t.description == text else {
            throw BioCubeError(.invalidMetadata, "timestamp '\(text)' is not in the form YYYY-MM-DD HH:MM:SS")
        }
        return t
    }

    /// Little-endian float32 values from bytes of any alignment.
    static func floats(_ bytes: ArraySlice<UInt8>) -> [Float] {
        let n = bytes.count / 4
        return [Float](unsafeUninitializedCapacity: n) { out, initialized in
            bytes.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<(n * 4)]))
            }
            initialized = n
        }
    }

    static func readSafetensors(_ path: String) throws -> Batch {
        let bytes = try FileIO.read(path)
        guard bytes.count >= 8 else { throw BioCubeError(.corruptData, "shorter than a safetensors header") }
        let declared = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard declared > 0, declared <= UInt64(bytes.count - 8) else {
            throw BioCubeError(.corruptData, "header length \(declared) exceeds the file (\(bytes.count) bytes)")
        }
        let n = Int(declared)
        let dataSize = bytes.count - 8 - n
        var claimed: [(range: Range<Int>, tensor: String)] = []
        guard let header = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes[8..<(8 + n)])),
            let h = header.objectValue,
            let meta = h["__metadata__"]?.objectValue
        else {
            throw BioCubeError(.invalidMetadata, "the safetensors header is not a JSON object with __metadata__")
        }
        func field(_ key: String) throws -> JSONValue {
            guard let text = meta[key]?.stringValue,
                let v = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            else {
                throw BioCubeError(.invalidMetadata, "__metadata__ lacks a JSON \"\(key)\"")
            }
            return v
        }
        let order = try field("groups").arrayValue ?? []
        let listed = Set(order.compactMap { $0.arrayValue?.first?.stringValue })
        if let missing = VariableGroup.published.first(where: { !listed.contains($0.rawValue) }) {
            throw BioCubeError(
                .invalidMetadata,
                "group \(missing.rawValue) is missing (a batch has all twelve, possibly empty)"
            )
        }
        var groups: [VariableGroup: [Batch.Variable]] = [:]
        for pair in order {
            guard let p = pair.arrayValue, p.count == 2, let gname = p[0].stringValue,
                let g = try? VariableGroup(validating: gname),
                let names = p[1].arrayValue?.compactMap(\.stringValue)
            else { throw BioCubeError(.invalidMetadata, "malformed \"groups\" entry") }
            groups[g] = try names.map { name in
                guard let info = h["\(gname)/\(name)"]?.objectValue, info["dtype"]?.stringValue == "F32",
                    let shape = info["shape"]?.arrayValue?.compactMap(\.intValue).map(Int.init),
                    let offsets = info["data_offsets"]?.arrayValue?.compactMap(\.intValue).map(Int.init),
                    offsets.count == 2
                else {
                    throw BioCubeError(.invalidMetadata, "tensor \(gname)/\(name) is missing or not F32")
                }
                let count = try elementCount(shape, of: "\(gname)/\(name)")
                guard (0...dataSize).contains(offsets[0]), (offsets[0]...dataSize).contains(offsets[1]),
                    offsets[1] - offsets[0] == count * 4
                else {
                    throw BioCubeError(
                        .corruptData,
                        "tensor \(gname)/\(name): data offsets \(offsets) do not fit shape \(shape) in \(dataSize) data bytes"
                    )
                }
                claimed.append((offsets[0]..<offsets[1], "\(gname)/\(name)"))
                let begin = 8 + n + offsets[0]
                let end = 8 + n + offsets[1]
                let values = floats(bytes[begin..<end])
                return Batch.Variable(name: name, tensor: try Tensor(shape: shape, storage: values))
            }
        }
        // The safetensors format: tensors' byte ranges do not overlap.
        let sorted = claimed.filter { !$0.range.isEmpty }.sorted { $0.range.lowerBound < $1.range.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.range.lowerBound < a.range.upperBound {
            throw BioCubeError(
                .corruptData,
                "tensors \(a.tensor) and \(b.tensor) share bytes \(b.range.lowerBound)..<\(a.range.upperBound)"
            )
        }
        func numbers(_ v: JSONValue) -> [Double]? { v.arrayValue?.compactMap(\.doubleValue) }
        let stamps = try field("timestamp").arrayValue?.compactMap(\.stringValue) ?? []
        return try Batch(
            metadata: .init(
                latitudes: numbers(try field("latitudes")) ?? [],
                longitudes: numbers(try field("longitudes")) ?? [],
                timestamps: try stamps.map(timestamp),
                pressureLevels: numbers(try field("pressure_levels")),
                speciesList: try field("species_list").arrayValue?.compactMap(\.stringValue)
            ),
            groups: groups
        )
    }
}
