import BioCubeCore
import Dispatch
import Synchronization

/// The species occurrence table (`Species/europe_species.parquet`) as a ``Modality``: one
/// variable per species in `species_variables`, whose value in a cell at a step is the sum
/// of `Distribution` over that species, cell and step (calendar month, or the `n`-hour slot).
///
/// The table is read once, row group by row group and only the five needed columns; rows
/// are bucketed by species and step, so serving any step later costs only that bucket.
/// Species keys stored as strings or as integers are both normalised to the key's decimal
/// string (``SpeciesKey``). Rows with a null or unusable key, time, coordinate or value are
/// counted and reported, as are rows that fall outside the grid asked for. Cells without
/// any row are NaN: zero-filling is an export policy.
public final class SpeciesModality: Modality, Sendable {
    public var name: String { "species" }
    /// The file read.
    public let path: String
    /// The step length rows are bucketed by.
    public let cadence: Cadence
    /// The species, in variable order (by key, or as the caller listed them).
    public let species: [SpeciesKey]
    /// Rows read, and rows skipped because a needed value was null or unusable.
    public let rowCount: Int, skippedRows: Int
    /// Where problems are reported.
    public let problems: ProblemLog
    /// The first and last step that has rows (nil for an empty table).
    public let stepRange: ClosedRange<UTCDateTime>?

    /// Per (species index, step key): the rows' coordinates and values.
    private let buckets: [Int64: Bucket]
    private let offGridCache = Mutex<[Grid: Int]>([:])

    struct Bucket: Sendable {
        var latitude: [Float] = []
        var longitude: [Float] = []
        var value: [Float] = []
    }

    /// The columns the table must have (matched case-insensitively).
    public static let requiredColumns = ["Species", "Latitude", "Longitude", "Timestamp", "Distribution"]

    /// Reads `path` once.
    /// - Parameters:
    ///   - species: the species to expose, in this order; `nil` exposes every key found,
    ///     ordered numerically. A listed key with no rows gives NaN planes and a report.
    ///   - cadence: `.monthly` (calendar months) or `.hours(n)`.
    ///   - maxConcurrency: threads decoding a row group's columns.
    public init(path: String, species: [String]? = nil, cadence: Cadence = .monthly, problems: ProblemLog = ProblemLog(),
                maxConcurrency: Int = 2) throws {
        self.path = path
        self.cadence = cadence
        self.problems = problems
        let file = try ParquetFile(path: path)
        var index: [String: Int] = [:]
        for name in Self.requiredColumns {
            guard let i = file.columns.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw BioCubeError(.invalidMetadata, "\(path): the species table has no '\(name)' column (columns: \(file.columns.map(\.name).joined(separator: ", ")))")
            }
            index[name] = i
        }
        let speciesColumn = file.columns[index["Species"]!]
        switch speciesColumn.physicalType {
        case .byteArray, .int32, .int64: break
        default: throw BioCubeError(.unsupported, "\(path): column '\(speciesColumn.name)' is \(speciesColumn.physicalType); species keys must be strings or integers")
        }

        let timeColumn = file.columns[index["Timestamp"]!]
        switch (timeColumn.physicalType, timeColumn.logicalType) {
        case (_, .timestamp), (.int96, _), (.byteArray, _), (.int32, .date): break
        default:
            throw BioCubeError(.unsupported, "\(path): column '\(timeColumn.name)' is \(timeColumn.physicalType) (\(timeColumn.logicalType)); expected a timestamp, a date or a date string")
        }

        var keys: [SpeciesKey] = []
        var keyIndex: [SpeciesKey: Int32] = [:]
        var rawStringIndex: [[UInt8]: Int32] = [:]
        var rawIntIndex: [Int64: Int32] = [:]
        var bucketIndex: [Int64: Int] = [:]
        var bucketList: [Bucket] = []
        var skipped = (key: 0, time: 0, coordinate: 0, value: 0)
        var lowStep = Int64.max, highStep = Int64.min
        var timeCache: [Int64: Int64] = [:]
        var stringTimeCache: [[UInt8]: Int64?] = [:]

        func speciesIndex(_ key: SpeciesKey) -> Int32 {
            if let i = keyIndex[key] { return i }
            let i = Int32(keys.count)
            keys.append(key); keyIndex[key] = i
            return i
        }

        for group in 0..<file.rowGroupSizes.count {
            // The five columns of the row group decode concurrently (memory: one row group).
            let columns = try Self.decode(file, Self.requiredColumns.map { index[$0]! }, rowGroup: group, threads: maxConcurrency)
            let speciesData = columns[0], timeData = columns[3]
            let lat = try Self.doubles(file, columns[1]), lon = try Self.doubles(file, columns[2]), dist = try Self.doubles(file, columns[4])
            var nanos = timeData.timestampNanoseconds
            if nanos == nil, case .int32(let days) = timeData.values {
                nanos = days.indices.map { timeData.isValid($0) ? Int64(days[$0]) * 86_400_000_000_000 : nil }
            }
            let n = speciesData.count
            // Per-row species index (-1: unusable), consecutive equal keys resolved once.
            var speciesOf = [Int32](repeating: -1, count: n)
            switch speciesData.values {
            case .bytes(let v):
                var last: [UInt8]? = nil, lastIndex: Int32 = -1
                for r in 0..<n where speciesData.isValid(r) {
                    if v[r] == last { speciesOf[r] = lastIndex; continue }
                    let i: Int32
                    if let known = rawStringIndex[v[r]] { i = known } else {
                        i = SpeciesKey(String(decoding: v[r], as: UTF8.self)).map(speciesIndex) ?? -1
                        rawStringIndex[v[r]] = i
                    }
                    speciesOf[r] = i; last = v[r]; lastIndex = i
                }
            case .int64, .int32:
                let ints: [Int64]
                if case .int64(let v) = speciesData.values { ints = v } else if case .int32(let v) = speciesData.values { ints = v.map(Int64.init) } else { ints = [] }
                var last = Int64.min, lastIndex: Int32 = -1
                for r in 0..<n where speciesData.isValid(r) {
                    if ints[r] == last { speciesOf[r] = lastIndex; continue }
                    let i: Int32
                    if let known = rawIntIndex[ints[r]] { i = known } else {
                        i = SpeciesKey(ints[r]).map(speciesIndex) ?? -1
                        rawIntIndex[ints[r]] = i
                    }
                    speciesOf[r] = i; last = ints[r]; lastIndex = i
                }
            default: break
            }
            // Per-row step key (nil: unusable).
            var stepOf = [Int64?](repeating: nil, count: n)
            if let nanos {
                var last = Int64.min, lastKey: Int64? = nil
                for r in 0..<n {
                    guard let ns = nanos[r] else { continue }
                    if ns == last { stepOf[r] = lastKey; continue }
                    let k: Int64
                    if let known = timeCache[ns] { k = known } else {
                        k = Self.stepKey(UTCDateTime(secondsSince1970: ns.floorDivided(by: 1_000_000_000)), cadence)
                        timeCache[ns] = k
                    }
                    stepOf[r] = k; last = ns; lastKey = k
                }
            } else if case .bytes(let v) = timeData.values {
                for r in 0..<n where timeData.isValid(r) {
                    if let k = stringTimeCache[v[r]] { stepOf[r] = k; continue }
                    let k = (try? UTCDateTime(parsing: String(decoding: v[r], as: UTF8.self))).map { Self.stepKey($0, cadence) }
                    stringTimeCache[v[r]] = k
                    stepOf[r] = k
                }
            }
            var lastBucketKey = Int64.min, lastBucket = -1
            for r in 0..<n {
                let s = speciesOf[r]
                guard s >= 0 else { skipped.key += 1; continue }
                guard let step = stepOf[r] else { skipped.time += 1; continue }
                guard let la = lat[r], let lo = lon[r], la.isFinite, lo.isFinite else { skipped.coordinate += 1; continue }
                guard let d = dist[r], d.isFinite else { skipped.value += 1; continue }
                let bucketKey = Int64(s) << 40 | (step & ((1 << 40) - 1))
                if bucketKey != lastBucketKey {
                    lowStep = min(lowStep, step); highStep = max(highStep, step)
                    if let i = bucketIndex[bucketKey] { lastBucket = i } else {
                        lastBucket = bucketList.count
                        bucketIndex[bucketKey] = lastBucket
                        bucketList.append(Bucket())
                    }
                    lastBucketKey = bucketKey
                }
                bucketList[lastBucket].append(Float(la), Float(lo), Float(d))
            }
        }
        var buckets: [Int64: Bucket] = [:]
        buckets.reserveCapacity(bucketIndex.count)
        for (key, i) in bucketIndex { buckets[key] = bucketList[i] }
        bucketList.removeAll()

        self.rowCount = file.rowCount
        self.skippedRows = skipped.key + skipped.time + skipped.coordinate + skipped.value
        for (what, count) in [("a null or non-numeric species key", skipped.key), ("a null or unreadable timestamp", skipped.time),
                              ("a null or non-finite latitude/longitude", skipped.coordinate), ("a null or non-finite Distribution", skipped.value)]
            where count > 0 {
            problems.report(Problem(file: path, message: "\(count) of \(file.rowCount) rows skipped: \(what)"))
        }
        self.stepRange = lowStep <= highStep ? Self.step(fromKey: lowStep, cadence)...Self.step(fromKey: highStep, cadence) : nil

        // Expose species by key, or as listed (remapping bucket indices).
        if let species {
            var chosen: [SpeciesKey] = []
            var remap: [Int32: Int32] = [:]
            for text in species {
                guard let k = SpeciesKey(text) else {
                    throw BioCubeError(.invalidArgument, "species '\(text)' is not a GBIF species key (a non-negative integer)")
                }
                if let old = keyIndex[k] { remap[old] = Int32(chosen.count) } else {
                    problems.report(Problem(file: path, variable: k.value, message: "no rows for this species: its planes are NaN"))
                }
                chosen.append(k)
            }
            self.species = chosen
            var kept: [Int64: Bucket] = [:]
            for (key, bucket) in buckets { if let s = remap[Int32(key >> 40)] { kept[Int64(s) << 40 | (key & ((1 << 40) - 1))] = bucket } }
            self.buckets = kept
        } else {
            let order = keys.indices.sorted { keys[$0] < keys[$1] }
            var remap = [Int32](repeating: 0, count: keys.count)
            for (newIndex, old) in order.enumerated() { remap[old] = Int32(newIndex) }
            self.species = order.map { keys[$0] }
            var kept: [Int64: Bucket] = [:]
            kept.reserveCapacity(buckets.count)
            for (key, bucket) in buckets { kept[Int64(remap[Int(key >> 40)]) << 40 | (key & ((1 << 40) - 1))] = bucket }
            self.buckets = kept
        }
    }

    /// One variable per species, in ``species`` order, in `species_variables`.
    public func variables() throws -> [VariableDescriptor] {
        species.map { VariableDescriptor(name: $0.value, groups: [.species], units: "occurrences") }
    }

    /// The summed `Distribution` of one species at `step` on `grid`, `(H, W)`; NaN where no row falls.
    public func read(_ variable: VariableDescriptor, at step: UTCDateTime, onto grid: Grid) throws -> Tensor {
        guard let key = SpeciesKey(variable.name), let s = species.firstIndex(of: key) else {
            throw BioCubeError(.notFound, "\(path): species '\(variable.name)' is not among this table's variables")
        }
        reportOffGrid(grid)
        var plane = [Float](repeating: .nan, count: grid.cellCount)
        if let bucket = buckets[Int64(s) << 40 | (Self.stepKey(step, cadence) & ((1 << 40) - 1))] {
            let width = grid.width
            plane.withUnsafeMutableBufferPointer { p in
                for i in bucket.value.indices {
                    guard let c = grid.cell(latitude: Double(bucket.latitude[i]), longitude: Double(bucket.longitude[i])) else { continue }
                    let o = c.row * width + c.column
                    p[o] = p[o].isNaN ? bucket.value[i] : p[o] + bucket.value[i]
                }
            }
        }
        return try Tensor(shape: [grid.height, grid.width], storage: plane)
    }

    /// The number of distinct steps that have rows.
    public var stepCount: Int { Set(buckets.keys.map { $0 & ((1 << 40) - 1) }).count }

    /// The usable rows that fall outside `grid` or off its lattice (reported once per grid).
    @discardableResult
    public func offGridRows(on grid: Grid) -> Int {
        reportOffGrid(grid)
        return offGridCache.withLock { $0[grid] ?? 0 }
    }

    /// Counts (once per grid) the rows that fall outside `grid`, and reports them.
    private func reportOffGrid(_ grid: Grid) {
        let known = offGridCache.withLock { $0[grid] != nil }
        if known { return }
        var off = 0, total = 0
        for bucket in buckets.values {
            total += bucket.value.count
            for i in bucket.value.indices where grid.cell(latitude: Double(bucket.latitude[i]), longitude: Double(bucket.longitude[i])) == nil { off += 1 }
        }
        let first = offGridCache.withLock { cache -> Bool in
            if cache[grid] != nil { return false }
            cache[grid] = off
            return true
        }
        if first && off > 0 {
            problems.report(Problem(file: path, message: "\(off) of \(total) usable rows lie outside the \(grid.height)×\(grid.width) grid (or off its 0.25° lattice) and are ignored"))
        }
    }

    // MARK: - Helpers

    static func stepKey(_ t: UTCDateTime, _ cadence: Cadence) -> Int64 {
        switch cadence {
        case .monthly: Int64(t.year) * 12 + Int64(t.month - 1)
        case .hours(let n): t.secondsSince1970.floorDivided(by: Int64(n) * 3600)
        }
    }

    static func step(fromKey k: Int64, _ cadence: Cadence) -> UTCDateTime {
        switch cadence {
        case .monthly: (try? UTCDateTime(year: Int(k.floorDivided(by: 12)), month: Int(k - k.floorDivided(by: 12) * 12) + 1))
            ?? UTCDateTime(secondsSince1970: 0)
        case .hours(let n): UTCDateTime(secondsSince1970: k * Int64(n) * 3600)
        }
    }

    /// Decodes several columns of one row group, on up to two threads.
    static func decode(_ file: ParquetFile, _ columns: [Int], rowGroup: Int, threads: Int) throws -> [ParquetColumnData] {
        let results = Mutex([Result<ParquetColumnData, any Error>?](repeating: nil, count: columns.count))
        let next = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, columns.count))) { _ in
            while true {
                let k = next.withLock { n -> Int in defer { n += 1 }; return n }
                guard k < columns.count else { return }
                let r = Result { try file.read(column: columns[k], rowGroup: rowGroup) }
                results.withLock { $0[k] = r }
            }
        }
        return try results.withLock { $0 }.map { try $0!.get() }
    }

    /// A numeric column of one row group as optional doubles (nil for nulls).
    static func doubles(_ file: ParquetFile, _ d: ParquetColumnData) throws -> [Double?] {
        switch d.values {
        case .double(let v): return v.indices.map { d.isValid($0) ? v[$0] : nil }
        case .float(let v): return v.indices.map { d.isValid($0) ? Double(v[$0]) : nil }
        case .int64(let v): return v.indices.map { d.isValid($0) ? Double(v[$0]) : nil }
        case .int32(let v): return v.indices.map { d.isValid($0) ? Double(v[$0]) : nil }
        default:
            throw BioCubeError(.unsupported, "\(file.path): column '\(d.descriptor.name)' is \(d.descriptor.physicalType); expected numbers")
        }
    }
}

extension SpeciesModality.Bucket {
    mutating func append(_ la: Float, _ lo: Float, _ v: Float) {
        latitude.append(la); longitude.append(lo); value.append(v)
    }
}

extension Int64 {
    /// Floor division (rounds toward −∞, unlike `/`).
    fileprivate func floorDivided(by d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
