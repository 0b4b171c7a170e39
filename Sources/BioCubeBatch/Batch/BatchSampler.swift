public import BioCubeCore
import Dispatch
import Foundation
import Synchronization

/// Cuts ``Batch``es out of a store built by `CubeBuilder`: windows of two consecutive
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

    /// What the batches carry: the variables of each group, in batch order.
    public let selection: VariableSelection
    /// The batch's variables in export order: a group and an index into ``variables``
    /// (a variable stored once for two groups, like `t2m`, appears twice).
    package let members: [(group: VariableGroup, variable: Int)]
    /// Indices into the store's level axis of the selected levels, in the selected order.
    let levelIndices: [Int]?

    /// Opens a complete store. `start`/`end` bound the steps used (a window needs both of
    /// its steps inside); `region` cuts the grid; `selection` says which variables, species
    /// and levels the batches carry (nil: the selection recorded in the store by its build
    /// config, else ``VariableSelection/published``).
    public init(
        storePath: String,
        start: UTCDateTime? = nil,
        end: UTCDateTime? = nil,
        region: Region? = nil,
        selection: VariableSelection? = nil,
        maxConcurrency: Int = 2
    ) throws {
        self.storePath = storePath
        self.maxConcurrency = max(1, maxConcurrency)
        let store = try CubeStore.open(at: storePath)
        let attrs = try store.attributes(of: "")
        guard let list = attrs["variables"] else {
            throw BioCubeError(
                .invalidMetadata,
                "\(storePath): not a store built by `biocube build` (no \"variables\" attribute)"
            )
        }
        guard attrs["complete"] == .bool(true) else {
            throw BioCubeError(
                .invalidArgument,
                "\(storePath): the build is not complete (steps are missing): run `biocube build` again with the same options"
            )
        }
        do { variables = try JSONDecoder().decode([StoreVariable].self, from: JSONEncoder().encode(list)) } catch {
            throw BioCubeError(
                .invalidMetadata,
                "\(storePath): unreadable \"variables\" attribute: \(error)",
                cause: error
            )
        }
        time = try store.timeAxis()
        let full = try store.grid()
        if let region {
            let r = try region.indexRanges(on: full)
            rows = r.latitude
            columns = r.longitude
        } else {
            rows = 0..<full.height
            columns = 0..<full.width
        }
        grid = full.subgrid(latitudes: rows, longitudes: columns)
        arrays = try variables.map { try store.openArray($0.path) }
        let storeLevels = variables.first { $0.levels != nil }?.levels
        let chosen = try selection ?? Self.recordedSelection(attrs, storePath: storePath)
        self.selection = chosen
        if let wanted = chosen.levels {
            guard let have = storeLevels else {
                throw BioCubeError(
                    .invalidArgument,
                    "\(storePath): --levels given, but the store has no pressure-level variables"
                )
            }
            levelIndices = try wanted.map { l in
                guard let i = have.firstIndex(where: { abs($0 - l) < 1e-6 }) else {
                    throw BioCubeError(
                        .invalidArgument,
                        "\(storePath): pressure level \(l) hPa is not in the store (levels: \(have.map { "\(Int($0))" }.joined(separator: ", ")))"
                    )
                }
                return i
            }
            pressureLevels = wanted
        } else {
            levelIndices = nil
            pressureLevels = storeLevels
        }
        let axis = time
        do { steps = try axis.windowSteps(from: start, through: end) } catch let e as BioCubeError {
            throw e.adding(file: storePath)
        }
        let opened = arrays
        let r = rows
        let c = columns
        members = try Self.members(of: variables, selection: chosen, storePath: storePath) { keys in
            try Self.occurrenceTotals(keys.map { opened[$0] }, steps: 0..<axis.count, rows: r, columns: c)
        }
    }

    /// The selection a store's build recorded (root attribute `selection`), else the published one.
    static func recordedSelection(_ attrs: [String: JSONValue], storePath: String) throws -> VariableSelection {
        guard let recorded = attrs["selection"] else { return .published }
        do { return try JSONDecoder().decode(VariableSelection.self, from: JSONEncoder().encode(recorded)) } catch {
            throw BioCubeError(
                .invalidMetadata,
                "\(storePath): unreadable \"selection\" attribute: \(error)",
                cause: error
            )
        }
    }

    /// The selection recorded in a store (``VariableSelection/published`` when none), to be
    /// changed with ``VariableSelection/applying(_:)`` by command-line flags.
    public static func recordedSelection(storePath: String) throws -> VariableSelection {
        try recordedSelection(try CubeStore.open(at: storePath).attributes(of: ""), storePath: storePath)
    }

    /// The batch members of `variables` under `selection`, in batch order. `totals` gives the
    /// occurrence totals of species variables (by index) for `top:N`.
    static func members(
        of variables: [StoreVariable],
        selection: VariableSelection,
        storePath: String,
        totals: ([Int]) throws -> [Double]
    ) throws -> [(group: VariableGroup, variable: Int)] {
        let stored = Set(variables.flatMap { v in v.groups.map { VariableSelection.Member($0, v.name) } })
        for m in selection.added where m.name == "*" && !variables.contains(where: { $0.groups.contains(m.group) }) {
            throw BioCubeError(
                .notFound,
                "\(storePath): \(m.group.rawValue) is selected but the store has no variables in it (build with a Media/*.parquet species media dataset)"
            )
        }
        for m in selection.added where m.name != "*" && !stored.contains(m) {
            throw BioCubeError(
                .notFound,
                "\(storePath): \(m) is selected but not in the store (stored in \(m.group.rawValue): \(variables.filter { $0.groups.contains(m.group) }.map(\.name).joined(separator: ", ")))"
            )
        }
        for m in selection.dropped where m.name != "*" && !stored.contains(m) {
            throw BioCubeError(
                .notFound,
                "\(storePath): \(m) is dropped but not in the store (stored in \(m.group.rawValue): \(variables.filter { $0.groups.contains(m.group) }.map(\.name).joined(separator: ", ")))"
            )
        }
        var out: [(group: VariableGroup, variable: Int)] = []
        for g in Set(VariableGroup.builtIn).union(variables.flatMap(\.groups)).sorted() {
            var list = variables.indices.filter {
                variables[$0].groups.contains(g) && selection.includes(g, variables[$0].name)
            }
            .sorted { Self.order(variables[$0].name, in: g) < Self.order(variables[$1].name, in: g) }
            if g == .species, let choice = selection.species {
                switch choice {
                case .keys(let keys):
                    list = try keys.map { key in
                        guard let i = list.first(where: { variables[$0].name == key }) else {
                            throw BioCubeError(
                                .notFound,
                                "\(storePath): species \(key) is selected but not in the store (\(list.count) species stored)"
                            )
                        }
                        return i
                    }
                case .top(let n):
                    let sums = try totals(list)
                    let ranked = list.indices.sorted { (-sums[$0], $0) < (-sums[$1], $1) }
                    list = ranked.prefix(n).sorted().map { list[$0] }
                }
            }
            out += list.map { (g, $0) }
        }
        return out
    }

    /// The sum of every valid value of each array over `steps` and the region: the occurrence
    /// count of a species.
    static func occurrenceTotals(
        _ arrays: [ZarrArray],
        steps: Range<Int>,
        rows: Range<Int>,
        columns: Range<Int>
    ) throws -> [Double] {
        var reader = ReusableChunkReader()
        var buffer = [Float](repeating: 0, count: rows.count * columns.count)
        return try arrays.map { a in
            var total = 0.0
            for t in steps {
                try buffer.withUnsafeMutableBufferPointer { b in
                    try a.read([.index(t), .range(rows), .range(columns)], into: b, reusing: &reader)
                }
                for x in buffer where !x.isNaN { total += Double(x) }
            }
            return total
        }
    }

    /// The arrays the batches use, largest first, so the striped workers of a step get
    /// similar amounts of data.
    private var readOrder: [Int] {
        Set(members.map(\.variable)).sorted {
            (arrays[$0].shape.dropFirst().reduce(1, *), $1) > (arrays[$1].shape.dropFirst().reduce(1, *), $0)
        }
    }

    /// The level selection of an array's read: all levels, or the selected ones in order.
    func levelSelection(_ a: ZarrArray) -> [DimensionSelection] {
        guard a.shape.count == 4 else { return [] }
        return [levelIndices.map { .indices($0) } ?? .all]
    }

    /// Levels of an array after the level selection.
    func selectedLevelCount(_ a: ZarrArray) -> Int {
        a.shape.count == 4 ? (levelIndices?.count ?? a.shape[1]) : 1
    }

    /// The number of windows.
    public var count: Int { max(0, steps.count - 1) }

    /// The two timestamps of window `i`.
    public func timestamps(ofWindow i: Int) -> (UTCDateTime, UTCDateTime) {
        time.window(steps.lowerBound + i)
    }

    /// Reads window `i` (its two steps), decoding straight into the batch's tensors.
    public func batch(at i: Int) async throws -> Batch {
        guard (0..<count).contains(i) else {
            throw BioCubeError(.invalidArgument, "window \(i) is outside 0..<\(count)")
        }
        return try assemble(i, try await readSteps(steps.lowerBound + i, count: 2))
    }

    /// Calls `body` for each window in `windows` (all by default), in order, reading each
    /// step once.
    public func forEachBatch(in windows: Range<Int>? = nil, _ body: (Int, Batch) async throws -> Void) async throws {
        let range = windows ?? 0..<count
        guard !range.isEmpty else { return }
        var window: [[Float]]? = nil
        // While a window is decoded, the kernel reads the chunk files of the next new step.
        let prefetcher = DispatchQueue(label: "biocube.batches.prefetch")
        let arrays = readOrder.map { self.arrays[$0] }
        let rows = self.rows
        let columns = self.columns
        for i in range {
            let ahead = steps.lowerBound + i + 2
            if ahead < steps.upperBound {
                prefetcher.async { for a in arrays { a.prefetch(first: ahead, rows: rows, columns: columns) } }
            }
            // Step t + 1 is decoded once: window i + 1 copies it from window i.
            window = try await readSteps(steps.lowerBound + i, count: 2, continuing: window)
            try await body(i, try assemble(i, window!))
        }
    }

    /// One step of every variable (the region's cells), one array per variable.
    package func readStep(_ t: Int) async throws -> [[Float]] { try await readSteps(t, count: 1) }

    /// Steps `t ..< t + count` of every variable (the region's cells), one array per variable
    /// holding the steps one after another, decoded straight into it. With `previous` (the
    /// arrays of steps `t - 1 ..< t - 1 + count`), step `t`…`t + count - 2` are copied from it
    /// and only the last step is decoded.
    func readSteps(_ t: Int, count steps: Int, continuing previous: [[Float]]? = nil) async throws -> [[Float]] {
        let out = Locked([[Float]](repeating: [], count: arrays.count))
        let order = readOrder
        let rows = self.rows
        let columns = self.columns
        try await concurrentForEach(
            count: order.count,
            maxConcurrency: maxConcurrency,
            makeState: ReusableChunkReader.init
        ) { [self] reader, k in
            let v = order[k]
            let values = try readVariable(
                v,
                t,
                count: steps,
                rows: rows,
                columns: columns,
                continuing: previous,
                reusing: &reader
            )
            out.withLock { $0[v] = values }
        }
        return out.withLock { $0 }
    }

    /// Steps `t ..< t + count` of variable `v` over `rows` × `columns` of the store grid,
    /// the steps one after another; steps shared with `previous` (see
    /// ``readSteps(_:count:continuing:)``) are copied from it.
    func readVariable(
        _ v: Int,
        _ t: Int,
        count steps: Int,
        rows: Range<Int>,
        columns: Range<Int>,
        continuing previous: [[Float]]?,
        reusing reader: inout ReusableChunkReader
    ) throws -> [Float] {
        let a = arrays[v]
        let levels = levelSelection(a)
        let n = selectedLevelCount(a) * rows.count * columns.count
        let reused = previous.map { $0[v].count == steps * n ? steps - 1 : 0 } ?? 0
        return try [Float](unsafeUninitializedCapacity: steps * n) { buffer, initialized in
            if reused > 0, let previous {
                previous[v].withUnsafeBufferPointer { src in
                    _ = UnsafeMutableBufferPointer(rebasing: buffer[0..<(reused * n)]).initialize(
                        fromContentsOf: src[n..<((reused + 1) * n)]
                    )
                }
            }
            for s in reused..<steps {
                try a.read(
                    [.index(t + s)] + levels + [.range(rows), .range(columns)],
                    into: UnsafeMutableBufferPointer(rebasing: buffer[(s * n)..<((s + 1) * n)]),
                    reusing: &reader
                )
            }
            initialized = steps * n
        }
    }

    /// Window `i` from each variable's two steps (step `t` then `t + 1`, contiguous), on
    /// `grid` (the sampler's grid, or a part of it).
    func assemble(_ i: Int, _ both: [[Float]], on grid: Grid? = nil) throws -> Batch {
        let grid = grid ?? self.grid
        var groups: [VariableGroup: [Batch.Variable]] = [:]
        for (g, v) in members {
            let shape =
                [2] + (variables[v].levels != nil ? [selectedLevelCount(arrays[v])] : []) + [grid.height, grid.width]
            groups[g, default: []].append(
                Batch.Variable(name: variables[v].name, tensor: try Tensor(shape: shape, storage: both[v]))
            )
        }
        let (t0, t1) = timestamps(ofWindow: i)
        let species = groups[.species].map { $0.map(\.name) }.flatMap { $0.isEmpty ? nil : $0 }
        let levels = members.contains { variables[$0.variable].levels != nil } ? pressureLevels : nil
        return try Batch(
            metadata: .init(
                latitudes: grid.latitude.values,
                longitudes: grid.longitude.values,
                timestamps: [t0, t1],
                pressureLevels: levels,
                speciesList: species
            ),
            groups: groups
        )
    }

    /// Order within a group: the published order, then species keys numerically, then names.
    static func order(_ name: String, in group: VariableGroup) -> (Int, Int, String) {
        (group.publishedVariables.firstIndex(of: name) ?? Int.max, group == .species ? name.count : 0, name)
    }
}
