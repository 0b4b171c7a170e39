import BioCubeCore
import Foundation

/// Writes a batch as a small Zarr v3 group (`batch_…_to_….zarr`): one array per
/// `group/variable` (one chunk each, zstd), coordinate arrays `latitude`, `longitude`,
/// `time` (the two steps) and `pressure_level`, and the batch metadata in the root
/// attributes. The group is written under a temporary name and renamed into place.
public struct StoreSliceExporter: BatchExporter {
    public var format: String { "zarr" }

    /// An exporter.
    public init() {}

    public func name(for batch: Batch) -> String { batch.fileStem + ".zarr" }

    public func write(_ batch: Batch, to path: String) throws {
        let temp =
            (FileIO.parent(of: path).isEmpty ? "." : FileIO.parent(of: path)) + "/"
            + TemporaryName.fresh(for: (path as NSString).lastPathComponent)
        LiveTemporaryFiles.track(temp, folder: true)
        defer { LiveTemporaryFiles.untrack(temp) }
        var store = try CubeStore.create(at: temp)
        store.autoConsolidate = false
        let m = batch.metadata
        func axis(_ v: [Double], _ what: String) throws -> GridAxis {
            guard let first = v.first else { throw BioCubeError(.invalidArgument, "batch has no \(what)") }
            return try GridAxis(first: first, step: v.count > 1 ? v[1] - v[0] : 0.25, count: v.count)
        }
        let grid = Grid(latitude: try axis(m.latitudes, "latitudes"), longitude: try axis(m.longitudes, "longitudes"))
        let step = m.timestamps[1].secondsSince1970 - m.timestamps[0].secondsSince1970
        let cadence: Cadence = step < 86_400 ? .hours(Int(max(1, step / 3600))) : .monthly
        try store.writeCoordinates(
            grid: grid,
            time: try TimeAxis(cadence: cadence, from: m.timestamps[0], through: m.timestamps[1]),
            pressureLevels: m.pressureLevels
        )
        for (g, v) in batch.allVariables {
            let levels = v.tensor.shape.count == 4
            let a = try store.createArray(
                "\(g.rawValue)/\(v.name)",
                metadata: ArrayMetadata(
                    shape: v.tensor.shape,
                    dataType: .float32,
                    chunkShape: v.tensor.shape,
                    dimensionNames: CubeStore.dimensionNames(levels: levels)
                )
            )
            try a.writeChunk(v.tensor.storage, at: Array(repeating: 0, count: v.tensor.shape.count))
        }
        var attrs = try store.attributes(of: "")
        attrs["batch_metadata"] = [
            "timestamp": .array(m.timestampStrings.map { .string($0) }),
            "species_list": m.speciesList.map { .array($0.map { .string($0) }) } ?? .null,
            "pressure_levels": m.pressureLevels.map { .array($0.map { .double($0) }) } ?? .null,
        ]
        attrs["groups"] = .object(
            Dictionary(
                uniqueKeysWithValues: batch.groups.map {
                    ($0.group.rawValue, JSONValue.array($0.variables.map { .string($0.name) }))
                }
            )
        )
        try store.setAttributes(attrs, of: "")
        try store.consolidateMetadata()
        if FileIO.exists(path) { try FileIO.removeItem(path) }
        try FileIO.moveIntoPlace(temp, path)
    }
}
