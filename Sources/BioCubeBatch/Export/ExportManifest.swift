import BioCubeCore
import Foundation

/// `export.json` in an export folder: what the export is (its identity: format, policy,
/// store and its build, selection, region) and a stamp (size, modification time) of every
/// file it wrote. A rerun keeps a window's file only when the identity is the same and the
/// file still has the stamp recorded for it.
struct ExportManifest {
    /// A file's size and modification time.
    struct FileStamp: Hashable {
        var size: Int64
        var modified: Double

        init?(_ path: String) {
            guard let a = FileIO.attributes(path) else { return nil }
            size = a.size
            modified = a.modified
        }

        init(size: Int64, modified: Double) {
            self.size = size
            self.modified = modified
        }

        var json: JSONValue { ["size": .int(size), "modified": .double(modified)] }
    }

    var identity: JSONValue
    var files: [String: FileStamp]

    /// The manifest in `directory`, or nil when there is none or it is not one BioCube wrote
    /// with an identity (then nothing in the folder is trusted).
    static func load(_ directory: String) -> ExportManifest? {
        guard let bytes = try? FileIO.read(directory + "/export.json"),
            let doc = try? JSONValue.decode(Data(bytes)).objectValue, let identity = doc["identity"],
            let stamps = doc["stamps"]?.objectValue
        else { return nil }
        var files: [String: FileStamp] = [:]
        for (name, v) in stamps {
            guard let o = v.objectValue, let size = o["size"]?.intValue, let modified = o["modified"]?.doubleValue
            else { continue }
            files[name] = FileStamp(size: size, modified: modified)
        }
        return ExportManifest(identity: identity, files: files)
    }

    /// Writes `export.json` atomically: the identity, the stamps, and a readable summary.
    func write(_ directory: String, describing export: BatchExport, windows: Int) throws {
        let missing = export.missing
        var doc = identity.objectValue ?? [:]
        doc["identity"] = identity
        doc["missing_policy"] = .string(
            missing == .zero
                ? "NaN replaced by 0 in \(MissingValuePolicy.zeroFilledGroups.map(\.rawValue).sorted().joined(separator: ", ")); ERA5 groups keep NaN"
                : "NaN kept wherever a source has no value"
        )
        doc["windows"] = .int(Int64(windows))
        doc["files"] = .array(files.keys.sorted().map { .string($0) })
        doc["stamps"] = .object(files.mapValues(\.json))
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileIO.writeAtomically(directory + "/export.json", Array(try e.encode(JSONValue.object(doc))))
    }
}

extension BatchExport {
    /// What makes two exports the same: format, missing-value policy, the store (its path and
    /// the provenance its build recorded), the selection and the grid cut. In its JSON-decoded
    /// form, so it compares equal to the one read back from `export.json`.
    func identity() throws -> JSONValue {
        let root = try CubeStore.open(at: sampler.storePath).attributes(of: "")
        let grid = sampler.grid
        let value: JSONValue = [
            "format": .string(exporter.format),
            "missing": .string(missing.rawValue),
            "store": .string(URL(fileURLWithPath: sampler.storePath).standardizedFileURL.path),
            "store_provenance": root["provenance"] ?? .null,
            "selection": (try? JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(sampler.selection)))
                ?? .null,
            "grid": [
                "latitudes": .int(Int64(grid.height)), "longitudes": .int(Int64(grid.width)),
                "first_latitude": .double(grid.latitude.first),
                "first_longitude": .double(grid.longitude.first),
            ],
        ]
        // Options at their defaults are left out, so exports made before they existed keep
        // their identity.
        var object = value.objectValue ?? [:]
        if let n = normalisation {
            object["normalisation"] = ["statistics_sha256": .string(n.digest), "mode": .string(n.mode.rawValue)]
        }
        if skipsIncompleteWindows { object["skip_incomplete"] = true }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return try JSONValue.decode(try e.encode(JSONValue.object(object)))
    }
}
