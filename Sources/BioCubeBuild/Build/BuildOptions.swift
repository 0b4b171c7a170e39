import BioCubeBatch
public import BioCubeCore

/// What `biocube build` should produce.
public struct BuildOptions: Sendable {
    /// The store to create or continue.
    public var storePath: String
    /// The target grid: a preset (`Grid.europe025`, the default) or any regular grid of
    /// your own.
    public var grid: Grid = .europe025
    /// The grid's preset name, or a description of its axes (`Grid.label`).
    public var gridName: String { grid.label }
    /// The time step.
    public var cadence: Cadence = .monthly
    /// First and last step; by default as ``timeAxis`` says.
    public var start: UTCDateTime?, end: UTCDateTime?
    /// Which sources' span sets the time axis when ``start`` or ``end`` is not given.
    public var timeAxis: TimeAxisRule = .sourcesThatDefineIt
    /// Restrict the grid to a region.
    public var region: Region?
    /// Concurrent steps in this process.
    public var jobs: Int = 2
    /// This process's share of the time steps (`--shard k/n`).
    public var shard: Shard = .whole
    /// Group overrides and source preferences.
    public var config: BuildConfig = .published
    /// zstd level of the variable chunks: 1 (the default) builds about twice as fast as 3
    /// for about a fifth more bytes on noisy reanalysis fields. A build refuses levels
    /// outside 1…22.
    public var compressionLevel: Int = 1
    /// Build even when some sources cannot be read (truncated, corrupt, not what their name
    /// says). Off by default: such a build stops with `unreadableSources` naming every file,
    /// since the store would silently lack their variables. When on, the store's root
    /// attribute `left_out_sources` lists them.
    public var allowUnreadableSources = false
    /// Build into a store folder that is neither new, empty, nor one a build made (a Zarr
    /// store another tool wrote, a folder of other files). Off by default: such a build
    /// stops before writing anything, so nothing of the user's is replaced or swept.
    public var force = false
    /// Write everything back to the disk (`syncfs`) before the store is marked complete, so
    /// a power cut after the build cannot leave chunks that lost their data. On by default;
    /// it costs the time the disk needs for what is still cached (about 16 % of a 72-month
    /// build, Documentation/Benchmarks.md). Off, a chunk damaged that way is still caught by
    /// its checksum and rebuilt by the next build.
    public var synchronizesToDisk = true

    /// Options for a store at `storePath`, everything else default.
    public init(storePath: String) { self.storePath = storePath }
}

/// Which sources' steps span a build's time axis when no start or end is given.
public enum TimeAxisRule: Sendable, Hashable {
    /// The span of the sources whose `definesTimeAxis` is true (ERA5 among
    /// the built-in ones), else of every source.
    case sourcesThatDefineIt
    /// The span of the sources of these kinds, else of every source.
    case kinds(Set<SourceKind>)
    /// The span of every source.
    case everySource
}

/// One of `count` deterministic partitions of the time steps: step `i` belongs to shard
/// `i mod count + 1`. Processes building every shard of one store at once produce the same
/// store as a single process.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// 1-based shard number.
    public let index: Int
    /// Number of shards.
    public let count: Int

    /// A shard; `index` in `1...count`.
    public init(index: Int, count: Int) throws {
        guard count >= 1, (1...count).contains(index) else {
            throw BioCubeError(.invalidArgument, "shard \(index)/\(count): expected k/n with 1 ≤ k ≤ n")
        }
        self.init(checked: index, count)
    }

    private init(checked index: Int, _ count: Int) {
        self.index = index
        self.count = count
    }

    /// The single shard that owns every step.
    public static let whole = Shard(checked: 1, 1)

    /// Parses `k/n`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            throw BioCubeError(.invalidArgument, "shard '\(text)' is not k/n (for example 2/4)")
        }
        try self.init(index: k, count: n)
    }

    /// Whether step `i` belongs to this shard when steps are built in blocks of `block`
    /// (whole blocks are dealt out in turn, so no two shards inflate the same source chunk).
    public func owns(_ i: Int, block: Int = 1) -> Bool { (i / max(1, block)) % count == index - 1 }

    public var description: String { "\(index)/\(count)" }
}
