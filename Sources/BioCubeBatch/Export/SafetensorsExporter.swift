import BioCubeCore
import Foundation

/// Writes a batch as a safetensors file: tensors named `group/variable` (F32, row-major),
/// and the batch metadata as JSON strings in `__metadata__` (`latitudes`, `longitudes`,
/// `timestamp`, `pressure_levels`, `species_list`, and `groups`: `[[group, [variable, …]], …]`
/// in batch order).
public struct SafetensorsExporter: BatchExporter {
    public var format: String { "safetensors" }
    /// Extra `__metadata__` entries (the export records its missing-value policy here).
    package var extraMetadata: [String: String]

    /// An exporter.
    public init(extraMetadata: [String: String] = [:]) { self.extraMetadata = extraMetadata }

    public func name(for batch: Batch) -> String { batch.fileStem + ".safetensors" }

    public func write(_ batch: Batch, to path: String) throws {
        func json(_ v: JSONValue) throws -> String {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try e.encode(v), as: UTF8.self)
        }
        let m = batch.metadata
        var meta: [String: String] = extraMetadata
        meta["latitudes"] = try json(.array(m.latitudes.map { .double($0) }))
        meta["longitudes"] = try json(.array(m.longitudes.map { .double($0) }))
        meta["timestamp"] = try json(.array(m.timestampStrings.map { .string($0) }))
        meta["pressure_levels"] = try m.pressureLevels.map { try json(.array($0.map { .double($0) })) } ?? "null"
        meta["species_list"] = try m.speciesList.map { try json(.array($0.map { .string($0) })) } ?? "null"
        // Ordered: a list of [group, [variable, …]] pairs (JSON objects have no order).
        meta["groups"] = try json(
            .array(
                batch.groups.map {
                    JSONValue.array([.string($0.group.rawValue), .array($0.variables.map { .string($0.name) })])
                }
            )
        )
        meta["format"] = "biocube-batch"

        // Header: tensors in export order, offsets into the data section.
        var header = "{\"__metadata__\":" + (try json(.object(meta.mapValues { .string($0) })))
        var offset = 0
        let all = batch.allVariables
        for (g, v) in all {
            let n = v.tensor.count * 4
            header +=
                "," + (try json(.string("\(g.rawValue)/\(v.name)")))
                + ":{\"dtype\":\"F32\",\"shape\":[\(v.tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + n)]}"
            offset += n
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        let file = try AtomicFileWriter(path: path)
        var length = [UInt8]()
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { length += $0 }
        try file.write(length)
        try file.write(headerBytes)
        for (_, v) in all { try v.tensor.storage.withUnsafeBytes { try file.write($0) } }
        try file.commit()
    }
}
