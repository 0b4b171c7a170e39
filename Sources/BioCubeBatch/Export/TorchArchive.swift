package import BioCubeCore

/// The parts of a `torch.save` zip archive (Documentation/Reference.md §6): a pickle of nested containers
/// whose tensors refer to storages by persistent id, and the storages' raw bytes. Exporters
/// pickle their object with ``pickle`` and call ``tensor(shape:dtype:bytes:)`` where a
/// tensor goes; ``write(to:)`` lays the archive out as PyTorch's writer does.
package struct TorchArchive {
    /// An empty archive.
    package init() {}

    /// Element types of storages, with the storage class `torch.load` rebuilds.
    package enum DType: String, Sendable {
        case float32, float16, float64
        package var storageClass: String {
            switch self {
            case .float32: "FloatStorage"
            case .float16: "HalfStorage"
            case .float64: "DoubleStorage"
            }
        }
        package var size: Int {
            switch self {
            case .float32: 4
            case .float16: 2
            case .float64: 8
            }
        }
    }

    /// The pickle being written.
    package var pickle = PickleWriter()
    /// A storage's payload: float32 values as they are (no copy), or little-endian bytes.
    package enum Payload {
        case float32([Float])
        case float64([Double])
        case bytes([UInt8], DType)
        /// The element type.
        package var dtype: DType {
            switch self {
            case .float32: .float32
            case .float64: .float64
            case .bytes(_, let dtype): dtype
            }
        }
        /// The payload's size in bytes.
        package var byteCount: Int {
            switch self {
            case .float32(let v): v.count * 4
            case .float64(let v): v.count * 8
            case .bytes(let v, _): v.count
            }
        }
        package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            switch self {
            case .float32(let v): try v.withUnsafeBytes(body)
            case .float64(let v): try v.withUnsafeBytes(body)
            case .bytes(let v, _): try v.withUnsafeBytes(body)
            }
        }
    }

    /// Storage payloads in key order (`data/0`, `data/1`, …).
    package private(set) var storages: [Payload] = []

    /// Pushes a contiguous tensor of `shape` whose little-endian elements are `bytes`.
    package mutating func tensor(shape: [Int], dtype: DType, bytes: [UInt8]) {
        push(shape: shape, dtype: dtype, payload: .bytes(bytes, dtype))
    }

    /// Pushes a contiguous float64 tensor of `shape` (written as it is, little-endian).
    package mutating func tensor(shape: [Int], doubles: [Double]) {
        push(shape: shape, dtype: .float64, payload: .float64(doubles))
    }

    /// Pushes a float32 tensor (its storage is written as it is: little-endian on every
    /// platform Swift targets here).
    package mutating func tensor(_ t: Tensor) {
        push(shape: t.shape, dtype: .float32, payload: .float32(t.storage))
    }

    private mutating func push(shape: [Int], dtype: DType, payload: Payload) {
        let key = storages.count
        storages.append(payload)
        let count = shape.reduce(1, *)
        var strides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] }
        pickle.global("torch._utils", "_rebuild_tensor_v2")
        pickle.tuple { w in
            w.tuple { w in
                w.string("storage")
                w.global("torch", dtype.storageClass)
                w.string(String(key))
                w.string("cpu")
                w.int(count)
            }
            w.persistentID()
            w.int(0)
            w.tuple { w in for s in shape { w.int(s) } }
            w.tuple { w in for s in strides { w.int(s) } }
            w.bool(false)
            w.global("collections", "OrderedDict")
            w.emptyTuple()
            w.reduce()
        }
        pickle.reduce()
    }

    /// Ends the pickle (once) and returns its bytes: what `archive/data.pkl` holds.
    package mutating func finishedPickle() -> [UInt8] {
        if !finished {
            pickle.stop()
            finished = true
        }
        return pickle.bytes
    }
    private var finished = false

    /// Ends the pickle and writes the archive atomically.
    package mutating func write(to path: String) throws {
        _ = finishedPickle()
        let zip = try StoredZipWriter(path: path)
        try zip.add("archive/data.pkl", pickle.bytes)
        try zip.add("archive/.format_version", Array("1".utf8))
        try zip.add("archive/.storage_alignment", Array("64".utf8))
        try zip.add("archive/byteorder", Array("little".utf8))
        var id: UInt64 = 0xCBF2_9CE4_8422_2325
        for (k, payload) in storages.enumerated() {
            try payload.withUnsafeBytes { raw in
                let crc = try zip.add("archive/data/\(k)", parts: [raw])
                id = (id ^ UInt64(crc)) &* 0x100_0000_01B3
            }
        }
        try zip.add("archive/version", Array("3\n".utf8))
        try zip.add("archive/.data/serialization_id", Array(String(id).utf8))
        try zip.finish()
    }
}
