import BioCubeCore

/// Writes a batch as bfm-model loads it (Documentation/Reference.md §6): `batch_…_to_….pt`, the zip archive
/// `torch.save` produces holding one dict — `batch_metadata` then the twelve groups, each
/// a dict of float32 tensors — loadable with `torch.load(path, weights_only=True)`.
///
/// Archive layout (as PyTorch's writer): `archive/data.pkl` (pickle protocol 2, tensors
/// rebuilt by `torch._utils._rebuild_tensor_v2` from `FloatStorage` persistent ids),
/// `.format_version`, `.storage_alignment`, `byteorder`, `data/<n>` (little-endian float32,
/// 64-byte aligned), `version`, `.data/serialization_id`.
public struct TorchExporter: TorchArchiveExporter {
    public var format: String { "pt" }

    /// An exporter.
    public init() {}

    public func name(for batch: Batch) -> String { batch.fileStem + ".pt" }

    public func write(_ batch: Batch, to path: String) throws {
        var archive = try self.archive(for: batch)
        try archive.write(to: path)
    }

    package func archive(for batch: Batch) throws -> TorchArchive {
        var archive = TorchArchive()
        func floats(_ values: [Double]) -> (inout PickleWriter) -> Void { { w in for v in values { w.double(v) } } }
        archive.pickle.emptyDict()
        archive.pickle.mark()
        archive.pickle.string("batch_metadata")
        archive.pickle.dict { w in
            let m = batch.metadata
            w.string("latitudes")
            w.list(floats(m.latitudes))
            w.string("longitudes")
            w.list(floats(m.longitudes))
            w.string("timestamp")
            w.list { w in for s in m.timestampStrings { w.string(s) } }
            w.string("pressure_levels")
            if let l = m.pressureLevels { w.list(floats(l)) } else { w.none() }
            w.string("species_list")
            if let s = m.speciesList { w.list { w in for k in s { w.string(k) } } } else { w.none() }
        }
        for (group, variables) in batch.groups {
            archive.pickle.string(group.rawValue)
            if variables.isEmpty {
                archive.pickle.emptyDict()
                continue
            }
            archive.pickle.emptyDict()
            archive.pickle.mark()
            for v in variables {
                archive.pickle.string(v.name)
                archive.tensor(v.tensor)
            }
            archive.pickle.setItems()
        }
        archive.pickle.setItems()
        return archive
    }
}
