import BioCubeCore

/// Writes a batch as bfm-model loads it (REFERENCE §6): `batch_…_to_….pt`, the zip archive
/// `torch.save` produces holding one dict — `batch_metadata` then the twelve groups, each
/// a dict of float32 tensors — loadable with `torch.load(path, weights_only=True)`.
///
/// Archive layout (as PyTorch's writer): `archive/data.pkl` (pickle protocol 2, tensors
/// rebuilt by `torch._utils._rebuild_tensor_v2` from `FloatStorage` persistent ids),
/// `.format_version`, `.storage_alignment`, `byteorder`, `data/<n>` (little-endian float32,
/// 64-byte aligned), `version`, `.data/serialization_id`.
public struct TorchExporter: BatchExporter {
    public var format: String { "pt" }

    /// An exporter.
    public init() {}

    public func name(for batch: Batch) -> String { batch.fileStem + ".pt" }

    public func write(_ batch: Batch, to path: String) throws {
        var p = PickleWriter()
        var storages: [Tensor] = []
        func floats(_ values: [Double]) -> (inout PickleWriter) -> Void { { w in for v in values { w.double(v) } } }
        func tensor(_ t: Tensor, _ w: inout PickleWriter) {
            let key = storages.count
            storages.append(t)
            w.global("torch._utils", "_rebuild_tensor_v2")
            w.tuple { w in
                w.tuple { w in
                    w.string("storage")
                    w.global("torch", "FloatStorage")
                    w.string(String(key))
                    w.string("cpu")
                    w.int(t.count)
                }
                w.persistentID()
                w.int(0)
                w.tuple { w in for s in t.shape { w.int(s) } }
                w.tuple { w in for s in t.strides { w.int(s) } }
                w.bool(false)
                w.global("collections", "OrderedDict")
                w.emptyTuple()
                w.reduce()
            }
            w.reduce()
        }
        p.dict { w in
            w.string("batch_metadata")
            w.dict { w in
                let m = batch.metadata
                w.string("latitudes"); w.list(floats(m.latitudes))
                w.string("longitudes"); w.list(floats(m.longitudes))
                w.string("timestamp"); w.list { w in for s in m.timestampStrings { w.string(s) } }
                w.string("pressure_levels")
                if let l = m.pressureLevels { w.list(floats(l)) } else { w.none() }
                w.string("species_list")
                if let s = m.speciesList { w.list { w in for k in s { w.string(k) } } } else { w.none() }
            }
            for (group, variables) in batch.groups {
                w.string(group.rawValue)
                if variables.isEmpty { w.emptyDict(); continue }
                w.dict { w in
                    for v in variables {
                        w.string(v.name)
                        tensor(v.tensor, &w)
                    }
                }
            }
        }
        p.stop()

        let zip = try StoredZipWriter(path: path)
        try zip.add("archive/data.pkl", p.bytes)
        try zip.add("archive/.format_version", Array("1".utf8))
        try zip.add("archive/.storage_alignment", Array("64".utf8))
        try zip.add("archive/byteorder", Array("little".utf8))
        var id: UInt64 = 0xCBF2_9CE4_8422_2325
        for (k, t) in storages.enumerated() {
            try t.storage.withUnsafeBytes { raw in
                // Float storage is little-endian on every platform Swift targets here.
                try zip.add("archive/data/\(k)", parts: [raw])
                id = (id ^ UInt64(CRC32.checksum(raw))) &* 0x100_0000_01B3
            }
        }
        try zip.add("archive/version", Array("3\n".utf8))
        try zip.add("archive/.data/serialization_id", Array(String(id).utf8))
        try zip.finish()
    }
}
