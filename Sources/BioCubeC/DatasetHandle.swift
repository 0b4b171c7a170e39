import BioCubeBatch
import BioCubeCore
import Foundation

/// What `biocube_open` returns (as an opaque pointer): the windows, the chip size and the
/// storages every item has. Immutable, so reads from several threads share it safely.
final class DatasetHandle: Sendable {
    let windows: TrainingWindows
    let chip: (height: Int, width: Int)?
    let threads: Int
    let layout: TrainingWindows.Layout
    var storages: [TrainingWindows.Storage] { layout.storages }

    init(options: DatasetOptions) throws {
        windows = options.windows
        chip = options.chip
        threads = options.threads
        let grid = windows.sampler.grid
        layout = try windows.layout(height: chip?.height ?? grid.height, width: chip?.width ?? grid.width)
    }

    /// The description `biocube_describe` returns, as JSON.
    func describe() throws -> [UInt8] {
        let sampler = windows.sampler
        let grid = sampler.grid
        let value: JSONValue = [
            "store": .string(sampler.storePath),
            "items": .int(Int64(windows.windows.count)),
            "windows": .array(windows.windows.map { .int(Int64($0)) }),
            "timestamps": .array(
                windows.windows.map { i in
                    let (a, b) = sampler.timestamps(ofWindow: i)
                    return [.string(a.description), .string(b.description)]
                }
            ),
            "grid": ["height": .int(Int64(grid.height)), "width": .int(Int64(grid.width))],
            "latitudes": .array(grid.latitude.values.map { .double($0) }),
            "longitudes": .array(grid.longitude.values.map { .double($0) }),
            "chip": chip.map { [.int(Int64($0.height)), .int(Int64($0.width))] } ?? .null,
            "storages": .array(
                storages.map { ["dtype": .string($0.dtype.rawValue), "bytes": .int(Int64($0.byteCount))] }
            ),
            "variables": .array(
                sampler.members.map { .string("\($0.group.rawValue):\(sampler.variables[$0.variable].name)") }
            ),
            "arrays": .array(
                Set(sampler.members.map { sampler.variables[$0.variable].path }).sorted().map { .string($0) }
            ),
            "problems": .array(windows.problems.map { .string($0.message) }),
        ]
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes]
        return Array(try e.encode(value))
    }

    /// Reads item `k` (cut to the chip at `row`, `column` when the dataset has chips) into
    /// the caller's buffers, one per storage, and returns the item's pickle.
    func read(_ k: Int, row: Int, column: Int, into buffers: [UnsafeMutableRawBufferPointer]) throws -> [UInt8] {
        if chip == nil && (row != 0 || column != 0) {
            throw BioCubeError(
                .invalidArgument,
                "a chip origin (\(row), \(column)) was given, but the dataset has no chips",
                file: windows.sampler.storePath
            )
        }
        return try windows.read(k, origin: (row, column), layout: layout, threads: threads, into: buffers)
    }
}
