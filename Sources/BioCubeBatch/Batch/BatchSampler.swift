import BioCubeCore
import Foundation
import Synchronization

/// Cuts ``Batch``es out of a store built by ``CubeBuilder``: windows of two consecutive
/// time steps over a time range, optionally restricted to a region.
///
/// Random access (``batch(at:)``) reads the window's two steps; sequential iteration
/// (``forEachBatch(in:_:)``) reads every step once, since consecutive windows share a step.
public final class BatchSampler: Sendable {
    /// The store's path.
    public let storePath: String
    /// The variables, in store order.
    public let variables: [StoreVariable]
    /// The grid of the batches (the store's grid, cut to the region).
    public let grid: Grid
    /// The store's time axis.
    public let time: TimeAxis
    /// Store steps the windows use: window `i` is steps `first + i` and `first + i + 1`.
    public let steps: Range<Int>
    /// Pressure levels of the level variables.
    public let pressureLevels: [Double]?
    let arrays: [ZarrArray]
    let rows: Range<Int>, columns: Range<Int>
    let maxConcurrency: Int

    /// Opens a complete store. `start`/`end` bound the steps used (a window needs both of
    /// its steps inside); `region` cuts the grid.
    public init(storePath: String, start: UTCDateTime? = nil, end: UTCDateTime? = nil, region: Region? = nil,
                maxConcurrency: Int = 2) throws {
        self.storePath = storePath
        self.maxConcurrency = max(1, maxConcurrency)
        let store = try CubeStore.open(at: storePath)
        let attrs = try store.attributes(of: "")
        guard let list = attrs["variables"] else {
            throw BioCubeError(.invalidMetadata, "\(storePath): not a store built by `biocube build` (no \"variables\" attribute)")
        }
        guard attrs["complete"] == .bool(true) else {
            throw BioCubeError(.invalidArgument, "\(storePath): the build is not complete (steps are missing): run `biocube build` again with the same options")
        }
        do { variables = try JSONDecoder().decode([StoreVariable].self, from: JSONEncoder().encode(list)) }
        catch { throw BioCubeError(.invalidMetadata, "\(storePath): unreadable \"variables\" attribute: \(error)") }
        time = try store.timeAxis()
        let full = try store.grid()
        if let region {
            let r = try region.indexRanges(on: full)
            rows = r.latitude; columns = r.longitude
        } else {
            rows = 0..<full.height; columns = 0..<full.width
        }
        grid = full.subgrid(latitudes: rows, longitudes: columns)
        arrays = try variables.map { try store.openArray($0.path) }
        pressureLevels = variables.first { $0.levels != nil }?.levels
        let axis = time
        let lo = try start.map { t in
            guard let i = (0..<axis.count).first(where: { axis[$0] >= t }) else {
                throw BioCubeError(.invalidArgument, "start \(t.dateString) is after the store's last step \(axis.end.dateString)")
            }
            return i
        } ?? 0
        let hi = try end.map { t in
            guard let i = (0..<axis.count).last(where: { axis[$0] <= t }) else {
                throw BioCubeError(.invalidArgument, "end \(t.dateString) is before the store's first step \(axis.start.dateString)")
            }
            return i
        } ?? (axis.count - 1)
        guard hi > lo else {
            throw BioCubeError(.invalidArgument, "\(storePath): fewer than two steps between \(start?.dateString ?? time.start.dateString) and \(end?.dateString ?? time.end.dateString): no window")
        }
        steps = lo..<(hi + 1)
    }

    /// Arrays largest first, so the striped workers of a step get similar amounts of data.
    private var readOrder: [Int] { arrays.indices.sorted { (arrays[$0].shape.dropFirst().reduce(1, *), $1) > (arrays[$1].shape.dropFirst().reduce(1, *), $0) } }

    /// The number of windows.
    public var count: Int { steps.count - 1 }

    /// The two timestamps of window `i`.
    public func timestamps(ofWindow i: Int) -> (UTCDateTime, UTCDateTime) { (time[steps.lowerBound + i], time[steps.lowerBound + i + 1]) }

    /// Reads window `i` (its two steps), decoding straight into the batch's tensors.
    public func batch(at i: Int) async throws -> Batch {
        guard (0..<count).contains(i) else { throw BioCubeError(.invalidArgument, "window \(i) is outside 0..<\(count)") }
        return try assemble(i, try await readSteps(steps.lowerBound + i, count: 2))
    }

    /// Calls `body` for each window in `windows` (all by default), in order, reading each
    /// step once.
    public func forEachBatch(in windows: Range<Int>? = nil, _ body: (Int, Batch) async throws -> Void) async throws {
        let range = windows ?? 0..<count
        guard !range.isEmpty else { return }
        var previous = try await readStep(steps.lowerBound + range.lowerBound)
        for i in range {
            let next = try await readStep(steps.lowerBound + i + 1)
            try await body(i, try assemble(i, zip(previous, next).map { $0 + $1 }))
            previous = next
        }
    }

    /// One step of every variable (the region's cells), one array per variable.
    func readStep(_ t: Int) async throws -> [[Float]] { try await readSteps(t, count: 1) }

    /// Steps `t ..< t + count` of every variable (the region's cells), one array per variable
    /// holding the steps one after another, decoded straight into it.
    func readSteps(_ t: Int, count steps: Int) async throws -> [[Float]] {
        let out = Mutex([[Float]](repeating: [], count: arrays.count))
        let arrays = self.arrays, rows = self.rows, columns = self.columns
        let order = readOrder
        try await concurrentForEach(count: arrays.count, maxConcurrency: maxConcurrency, makeState: { ReusableChunkReader() }) { reader, k in
            let v = order[k]
            let a = arrays[v]
            let levels = a.shape.count == 4 ? [DimensionSelection.all] : []
            let n = (a.shape.count == 4 ? a.shape[1] : 1) * rows.count * columns.count
            let values = try [Float](unsafeUninitializedCapacity: steps * n) { buffer, initialized in
                for s in 0..<steps {
                    try a.read([.index(t + s)] + levels + [.range(rows), .range(columns)],
                               into: UnsafeMutableBufferPointer(rebasing: buffer[(s * n)..<((s + 1) * n)]), reusing: &reader)
                }
                initialized = steps * n
            }
            out.withLock { $0[v] = values }
        }
        return out.withLock { $0 }
    }

    /// Window `i` from each variable's two steps (step `t` then `t + 1`, contiguous).
    func assemble(_ i: Int, _ both: [[Float]]) throws -> Batch {
        var groups: [VariableGroup: [Batch.Variable]] = [:]
        for g in VariableGroup.allCases {
            let members = variables.indices.filter { variables[$0].groups.contains(g) }
                .sorted { Self.order(variables[$0].name, in: g) < Self.order(variables[$1].name, in: g) }
            groups[g] = try members.map { v in
                let shape = [2] + (variables[v].levels.map { [$0.count] } ?? []) + [grid.height, grid.width]
                return Batch.Variable(name: variables[v].name, tensor: try Tensor(shape: shape, storage: both[v]))
            }
        }
        let (t0, t1) = timestamps(ofWindow: i)
        let species = groups[.species].map { $0.map(\.name) }.flatMap { $0.isEmpty ? nil : $0 }
        let levels = variables.contains { $0.levels != nil } ? pressureLevels : nil
        return try Batch(metadata: .init(latitudes: grid.latitude.values, longitudes: grid.longitude.values, timestamps: [t0, t1],
                                         pressureLevels: levels, speciesList: species), groups: groups)
    }

    /// Order within a group: the published order, then species keys numerically, then names.
    static func order(_ name: String, in group: VariableGroup) -> (Int, Int, String) {
        (group.publishedVariables.firstIndex(of: name) ?? Int.max, group == .species ? name.count : 0, name)
    }
}
