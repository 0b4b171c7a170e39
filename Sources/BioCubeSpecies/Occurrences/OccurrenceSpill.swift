import BioCubeCore
import Synchronization

/// The usable rows of an occurrence table grouped by time step, in memory bounded by a
/// constant whatever the span: rows are staged per step and, once more than
/// ``Writer/stagingLimit`` bytes are staged, appended step by step to an anonymous
/// ``ScratchFile``. A step's rows are read back (and grouped by species) when first asked
/// for, and a few recent steps are kept, so a builder walking steps in order reads each
/// step once.
final class OccurrenceSpill: Sendable {
    /// One usable row: 16 bytes.
    struct Record: Sendable {
        var species: Int32
        var latitude: Float
        var longitude: Float
        var value: Float
    }

    /// One step's rows grouped by species: species `s` owns `starts[s]..<starts[s + 1]`.
    struct Step: Sendable {
        var latitude: [Float] = []
        var longitude: [Float] = []
        var value: [Float] = []
        var starts: [Int32] = [0]

        func rows(of species: Int) -> Range<Int> {
            species + 1 < starts.count ? Int(starts[species])..<Int(starts[species + 1]) : 0..<0
        }
    }

    private struct Segment: Sendable {
        var offset: Int64
        var count: Int
    }

    /// Collects records (single owner), then becomes an ``OccurrenceSpill``.
    struct Writer {
        /// Bytes staged in memory before they go to the scratch file.
        static let defaultStagingLimit = 16 << 20
        let stagingLimit: Int
        private var staged: [Int64: [Record]] = [:]
        private var stagedCount = 0
        private var segments: [Int64: [Segment]] = [:]
        private var file: ScratchFile?
        private var end: Int64 = 0
        private let purpose: String

        init(purpose: String, stagingLimit: Int = defaultStagingLimit) {
            self.purpose = purpose
            self.stagingLimit = stagingLimit
        }

        mutating func append(_ record: Record, step: Int64) throws {
            staged[step, default: []].append(record)
            stagedCount += 1
            if stagedCount * MemoryLayout<Record>.stride >= stagingLimit { try flush() }
        }

        /// Appends every staged step to the scratch file.
        private mutating func flush() throws {
            let file = try self.file ?? ScratchFile(purpose: purpose)
            self.file = file
            for (step, records) in staged {
                try records.withUnsafeBytes { try file.write($0, at: end) }
                segments[step, default: []].append(Segment(offset: end, count: records.count))
                end += Int64(records.count * MemoryLayout<Record>.stride)
            }
            staged.removeAll(keepingCapacity: false)
            stagedCount = 0
        }

        /// The finished spill; `remap[old]` is a record's species index in the result (-1: dropped).
        consuming func finish(speciesCount: Int, remap: [Int32]) throws -> OccurrenceSpill {
            if file != nil, stagedCount > 0 { try flush() }
            return OccurrenceSpill(
                file: file,
                segments: segments,
                resident: staged,
                speciesCount: speciesCount,
                remap: remap
            )
        }
    }

    private let file: ScratchFile?
    private let segments: [Int64: [Segment]]
    /// Steps never spilled (the whole table when it fits the staging limit).
    private let resident: [Int64: [Record]]
    private let speciesCount: Int
    private let remap: [Int32]
    private let recent = Locked<[(key: Int64, step: Step)]>([])
    /// Steps kept grouped (a builder works on a few steps at once).
    static let recentCapacity = 8

    private init(
        file: ScratchFile?,
        segments: [Int64: [Segment]],
        resident: [Int64: [Record]],
        speciesCount: Int,
        remap: [Int32]
    ) {
        self.file = file
        self.segments = segments
        self.resident = resident
        self.speciesCount = speciesCount
        self.remap = remap
        self.stepKeys = Set(segments.keys).union(resident.keys)
    }

    /// Whether the rows went to a scratch file.
    var spilled: Bool { file != nil }

    /// The step keys that have rows.
    let stepKeys: Set<Int64>

    /// The rows of step `key`, grouped by species (cached for a few steps).
    func step(_ key: Int64) throws -> Step {
        if let hit = recent.withLock({ list -> Step? in
            guard let i = list.firstIndex(where: { $0.key == key }) else { return nil }
            let entry = list.remove(at: i)
            list.append(entry)
            return entry.step
        }) {
            return hit
        }
        let grouped = try load(key)
        recent.withLock { list in
            if !list.contains(where: { $0.key == key }) { list.append((key, grouped)) }
            if list.count > Self.recentCapacity { list.removeFirst(list.count - Self.recentCapacity) }
        }
        return grouped
    }

    /// Calls `body` with every step's rows (uncached: for one pass over the whole table).
    func forEachStep(_ body: (Step) throws -> Void) throws {
        for key in stepKeys.sorted() { try body(load(key)) }
    }

    /// Reads a step's records and groups them by (remapped) species with a counting sort.
    private func load(_ key: Int64) throws -> Step {
        var records = resident[key] ?? []
        if let file, let parts = segments[key] {
            let total = parts.reduce(records.count) { $0 + $1.count }
            records.reserveCapacity(total)
            for part in parts {
                let chunk = try [Record](unsafeUninitializedCapacity: part.count) { buffer, initialized in
                    try file.read(into: UnsafeMutableRawBufferPointer(buffer), at: part.offset)
                    initialized = part.count
                }
                records.append(contentsOf: chunk)
            }
        }
        var counts = [Int32](repeating: 0, count: speciesCount + 1)
        for r in records {
            let s = remap[Int(r.species)]
            if s >= 0 { counts[Int(s) + 1] += 1 }
        }
        for s in 0..<speciesCount { counts[s + 1] += counts[s] }
        let n = Int(counts[speciesCount])
        var step = Step(
            latitude: [Float](repeating: 0, count: n),
            longitude: [Float](repeating: 0, count: n),
            value: [Float](repeating: 0, count: n),
            starts: counts
        )
        var next = counts
        for r in records {
            let s = Int(remap[Int(r.species)])
            guard s >= 0 else { continue }
            let o = Int(next[s])
            next[s] += 1
            step.latitude[o] = r.latitude
            step.longitude[o] = r.longitude
            step.value[o] = r.value
        }
        return step
    }
}
