public import BioCubeCore
import BioCubeParquet
import Dispatch
import Foundation
import Synchronization

/// The species occurrence table (`Species/europe_species.parquet`) as a `Modality`: one
/// variable per species in `species_variables`, whose value in a cell at a step is the sum
/// of `Distribution` over that species, cell and step (calendar month, or the `n`-hour slot).
///
/// The table is read once, row group by row group and only the five needed columns; the
/// usable rows are grouped by step (16 bytes each, kept in a scratch file past 16 MiB, so
/// memory does not grow with the span), and a step's rows are grouped by species when the
/// step is first read.
/// Species keys stored as strings or as integers are both normalised to the key's decimal
/// string (`SpeciesKey`). Rows with a null or unusable key, time, coordinate or value are
/// counted and reported, as are rows that fall outside the grid asked for. Cells without
/// any row are NaN: zero-filling is an export policy.
public final class SpeciesModality: Modality, Sendable {
    public var name: String { "species" }
    /// The file read.
    public let path: String
    /// The step length rows are bucketed by.
    public let cadence: Cadence
    /// The species, in variable order (by key, or as the caller listed them).
    package let species: [SpeciesKey]
    /// Rows read, and rows skipped because a needed value was null or unusable.
    package let rowCount: Int, skippedRows: Int
    /// Where problems are reported.
    public let problems: ProblemLog
    /// The first and last step that has rows (nil for an empty table).
    package let stepRange: ClosedRange<UTCDateTime>?

    /// The usable rows, by step (spilled to a scratch file past a few megabytes).
    let rows: OccurrenceSpill
    private let offGridCache = Locked<[Grid: Int]>([:])

    /// The columns the table must have (matched case-insensitively).
    package static let requiredColumns = ["Species", "Latitude", "Longitude", "Timestamp", "Distribution"]

    /// Reads `path` once.
    /// - Parameters:
    ///   - path: the Parquet file.
    ///   - species: the species to expose, in this order; `nil` exposes every key found,
    ///     ordered numerically. A listed key with no rows gives NaN planes and a report.
    ///   - cadence: `.monthly` (calendar months) or `.hours(n)`.
    ///   - problems: where rows skipped, off the grid or missing are reported.
    ///   - maxConcurrency: threads decoding a row group's columns.
    public convenience init(
        path: String,
        species: [String]? = nil,
        cadence: Cadence = .monthly,
        problems: ProblemLog = ProblemLog(),
        maxConcurrency: Int = 2
    ) throws {
        try self.init(
            path: path,
            species: species,
            cadence: cadence,
            problems: problems,
            maxConcurrency: maxConcurrency,
            stagingLimit: OccurrenceSpill.Writer.defaultStagingLimit
        )
    }

    /// Reads `path` once, keeping at most `stagingLimit` bytes of rows in memory while reading.
    init(
        path: String,
        species: [String]?,
        cadence: Cadence,
        problems: ProblemLog,
        maxConcurrency: Int,
        stagingLimit: Int
    ) throws {
        self.path = path
        self.cadence = cadence
        self.problems = problems
        let file = try ParquetFile(path: path)
        var index: [String: Int] = [:]
        for name in Self.requiredColumns {
            guard let i = file.columns.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw BioCubeError(
                    .invalidMetadata,
                    "\(path): the species table has no '\(name)' column (columns: \(file.columns.map(\.name).joined(separator: ", ")))"
                )
            }
            index[name] = i
        }
        let speciesColumn = file.columns[index["Species"]!]
        switch speciesColumn.physicalType {
        case .byteArray, .int32, .int64: break
        default:
            throw BioCubeError(
                .unsupported,
                "\(path): column '\(speciesColumn.name)' is \(speciesColumn.physicalType); species keys must be strings or integers"
            )
        }

        let timeColumn = file.columns[index["Timestamp"]!]
        switch (timeColumn.physicalType, timeColumn.logicalType) {
        case (_, .timestamp), (.int96, _), (.byteArray, _), (.int32, .date): break
        default:
            throw BioCubeError(
                .unsupported,
                "\(path): column '\(timeColumn.name)' is \(timeColumn.physicalType) (\(timeColumn.logicalType)); expected a timestamp, a date or a date string"
            )
        }

        var keys: [SpeciesKey] = []
        var keyIndex: [SpeciesKey: Int32] = [:]
        var rawStringIndex: [[UInt8]: Int32] = [:]
        var rawIntIndex: [Int64: Int32] = [:]
        var spill = OccurrenceSpill.Writer(purpose: "the occurrences of \(path)", stagingLimit: stagingLimit)
        var skipped = (key: 0, time: 0, coordinate: 0, value: 0)
        var lowStep = Int64.max
        var highStep = Int64.min
        var timeCache: [Int64: Int64] = [:]
        var stringTimeCache: [[UInt8]: Int64?] = [:]

        func speciesIndex(_ key: SpeciesKey) -> Int32 {
            if let i = keyIndex[key] { return i }
            let i = Int32(keys.count)
            keys.append(key)
            keyIndex[key] = i
            return i
        }

        for group in 0..<file.rowGroupSizes.count {
            // The five columns of the row group decode concurrently (memory: one row group).
            let columns = try file.read(
                columns: Self.requiredColumns.map { index[$0]! },
                rowGroup: group,
                dictionaryIndices: [index["Species"]!, index["Timestamp"]!],
                maxConcurrency: maxConcurrency
            )
            let speciesData = columns[0]
            let timeData = columns[3]
            let lat = try Self.doubles(file, columns[1])
            let lon = try Self.doubles(file, columns[2])
            let dist = try Self.doubles(file, columns[4])
            let n = speciesData.count
            // Per-row species index (-1: unusable). A dictionary-encoded column is resolved
            // once per dictionary entry; otherwise consecutive equal keys are resolved once.
            var speciesOf = [Int32](repeating: -1, count: n)
            func resolve(_ raw: SpeciesKey?) -> Int32 { raw.map(speciesIndex) ?? -1 }
            func keyOf(_ bytes: ArraySlice<UInt8>) -> Int32 {
                let k = Array(bytes)
                if let known = rawStringIndex[k] { return known }
                let i = resolve(SpeciesKey(String(decoding: k, as: UTF8.self)))
                rawStringIndex[k] = i
                return i
            }
            func keyOf(_ int: Int64) -> Int32 {
                if let known = rawIntIndex[int] { return known }
                let i = resolve(SpeciesKey(int))
                rawIntIndex[int] = i
                return i
            }
            if let dictionary = speciesData.dictionary, let indices = speciesData.dictionaryIndices {
                let perEntry: [Int32]
                switch dictionary {
                case .bytes(let d): perEntry = d.map(keyOf)
                case .int64(let d): perEntry = d.map(keyOf)
                case .int32(let d): perEntry = d.map { keyOf(Int64($0)) }
                default: perEntry = []
                }
                Self.mapIndices(
                    indices,
                    through: perEntry,
                    validity: speciesData.validity,
                    into: &speciesOf,
                    missing: -1
                )
            } else {
                switch speciesData.values {
                case .bytes(let v):
                    var last: ArraySlice<UInt8>? = nil
                    var lastIndex: Int32 = -1
                    for r in 0..<n where speciesData.isValid(r) {
                        let b = v[r]
                        if b == last {
                            speciesOf[r] = lastIndex
                            continue
                        }
                        lastIndex = keyOf(b)
                        last = b
                        speciesOf[r] = lastIndex
                    }
                case .int64, .int32:
                    let ints: [Int64]
                    if case .int64(let v) = speciesData.values {
                        ints = v
                    } else if case .int32(let v) = speciesData.values {
                        ints = v.map(Int64.init)
                    } else {
                        ints = []
                    }
                    var last = Int64.min
                    var lastIndex: Int32 = -1
                    for r in 0..<n where speciesData.isValid(r) {
                        if ints[r] == last {
                            speciesOf[r] = lastIndex
                            continue
                        }
                        lastIndex = keyOf(ints[r])
                        last = ints[r]
                        speciesOf[r] = lastIndex
                    }
                default: break
                }
            }
            // Per-row step key (Int64.min: unusable), resolved per dictionary entry when possible.
            let noStep = Int64.min
            var stepOf = [Int64](repeating: noStep, count: n)
            func stepOfNanos(_ ns: Int64) -> Int64 {
                if let known = timeCache[ns] { return known }
                let k = Self.stepKey(UTCDateTime(secondsSince1970: ns.floorDivided(by: 1_000_000_000)), cadence)
                timeCache[ns] = k
                return k
            }
            func stepOfText(_ bytes: ArraySlice<UInt8>) -> Int64 {
                let k = Array(bytes)
                if let known = stringTimeCache[k] { return known ?? noStep }
                let step = (try? UTCDateTime(parsing: String(decoding: k, as: UTF8.self))).map {
                    Self.stepKey($0, cadence)
                }
                stringTimeCache[k] = step
                return step ?? noStep
            }
            if let dictionary = timeData.dictionary, let indices = timeData.dictionaryIndices,
                let entries = ParquetColumnData(descriptor: timeData.descriptor, values: dictionary, validity: nil)
                    .timestampNanoseconds
                    ?? Self.dayNanoseconds(dictionary, timeData.descriptor)
            {
                Self.mapIndices(
                    indices,
                    through: entries.map { $0.map(stepOfNanos) ?? noStep },
                    validity: timeData.validity,
                    into: &stepOf,
                    missing: noStep
                )
            } else if case .bytes(let d)? = timeData.dictionary, let indices = timeData.dictionaryIndices {
                Self.mapIndices(
                    indices,
                    through: d.map(stepOfText),
                    validity: timeData.validity,
                    into: &stepOf,
                    missing: noStep
                )
            } else if let nanos = timeData.timestampNanoseconds
                ?? Self.dayNanoseconds(timeData.values, timeData.descriptor, validity: timeData.validity)
            {
                var last = Int64.min
                var lastKey = noStep
                for r in 0..<n {
                    guard let ns = nanos[r] else { continue }
                    if ns != last {
                        lastKey = stepOfNanos(ns)
                        last = ns
                    }
                    stepOf[r] = lastKey
                }
            } else if case .bytes(let v) = timeData.values {
                for r in 0..<n where timeData.isValid(r) { stepOf[r] = stepOfText(v[r]) }
            }
            for r in 0..<n {
                let s = speciesOf[r]
                guard s >= 0 else {
                    skipped.key += 1
                    continue
                }
                let step = stepOf[r]
                guard step != noStep else {
                    skipped.time += 1
                    continue
                }
                let la = lat[r]
                let lo = lon[r]
                guard la.isFinite, lo.isFinite else {
                    skipped.coordinate += 1
                    continue
                }
                let d = dist[r]
                guard d.isFinite else {
                    skipped.value += 1
                    continue
                }
                lowStep = min(lowStep, step)
                highStep = max(highStep, step)
                try spill.append(
                    OccurrenceSpill.Record(species: s, latitude: Float(la), longitude: Float(lo), value: Float(d)),
                    step: step
                )
            }
        }

        self.rowCount = file.rowCount
        self.skippedRows = skipped.key + skipped.time + skipped.coordinate + skipped.value
        for (what, count) in [
            ("a null or non-numeric species key", skipped.key), ("a null or unreadable timestamp", skipped.time),
            ("a null or non-finite latitude/longitude", skipped.coordinate),
            ("a null or non-finite Distribution", skipped.value),
        ]
        where count > 0 {
            problems.report(
                Problem(
                    .warning,
                    .skippedRows,
                    file: path,
                    message: "\(count) of \(file.rowCount) rows skipped: \(what)"
                )
            )
        }
        self.stepRange =
            lowStep <= highStep ? Self.step(fromKey: lowStep, cadence)...Self.step(fromKey: highStep, cadence) : nil

        // Expose species by key, or as listed (remapping the indices met while reading).
        var remap = [Int32](repeating: -1, count: keys.count)
        if let species {
            var chosen: [SpeciesKey] = []
            for text in species {
                guard let k = SpeciesKey(text) else {
                    throw BioCubeError(
                        .invalidArgument,
                        "species '\(text)' is not a GBIF species key (a non-negative integer)"
                    )
                }
                if let old = keyIndex[k] {
                    remap[Int(old)] = Int32(chosen.count)
                } else {
                    problems.report(
                        Problem(
                            .warning,
                            .noRows,
                            file: path,
                            variable: k.value,
                            message: "no rows for this species: its planes are NaN"
                        )
                    )
                }
                chosen.append(k)
            }
            self.species = chosen
        } else {
            let order = keys.indices.sorted { keys[$0] < keys[$1] }
            for (newIndex, old) in order.enumerated() { remap[old] = Int32(newIndex) }
            self.species = order.map { keys[$0] }
        }
        self.rows = try spill.finish(speciesCount: self.species.count, remap: remap)
    }

    /// One variable per species, in `species` order, in `species_variables`.
    public func variables() throws -> [VariableDescriptor] {
        species.map { VariableDescriptor(name: $0.value, groups: [.species], units: "occurrences") }
    }

    /// The summed `Distribution` of one species at `step` on `grid`, `(H, W)`; NaN where no row falls.
    public func read(_ variable: VariableDescriptor, at step: UTCDateTime, onto grid: Grid) throws -> Tensor {
        guard let key = SpeciesKey(variable.name), let s = species.firstIndex(of: key) else {
            throw BioCubeError(.notFound, "\(path): species '\(variable.name)' is not among this table's variables")
        }
        try reportOffGrid(grid)
        var plane = [Float](repeating: .nan, count: grid.cellCount)
        let stepKey = Self.stepKey(step, cadence)
        if rows.stepKeys.contains(stepKey) {
            let rows = try self.rows.step(stepKey)
            let width = grid.width
            plane.withUnsafeMutableBufferPointer { p in
                for i in rows.rows(of: s) {
                    guard let c = grid.cell(latitude: Double(rows.latitude[i]), longitude: Double(rows.longitude[i]))
                    else { continue }
                    let o = c.row * width + c.column
                    p[o] = p[o].isNaN ? rows.value[i] : p[o] + rows.value[i]
                }
            }
        }
        return try Tensor(shape: [grid.height, grid.width], storage: plane)
    }

    /// `species_taxonomy`: the rank values of the stored species, from the table's rank
    /// columns (read on demand, once per build whose sources changed).
    public func storeAttributes(for variables: [VariableDescriptor]) throws -> [String: JSONValue] {
        let stored = Set(variables.map(\.name))
        guard !stored.isEmpty else { return [:] }
        var taxonomy: SpeciesTaxonomy
        do { taxonomy = try SpeciesTaxonomy.read(path: path) } catch let e as BioCubeError {
            throw e.adding(file: path)
        }
        taxonomy.bySpecies = taxonomy.bySpecies.filter { stored.contains($0.key) }
        let json: JSONValue
        do { json = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(taxonomy)) } catch {
            throw BioCubeError(.invalidMetadata, "\(path): cannot encode the taxonomy: \(error)", cause: error)
        }
        return ["species_taxonomy": json]
    }

    /// The number of distinct steps that have rows.
    package var stepCount: Int { rows.stepKeys.count }

    /// The usable rows that fall outside `grid` or off its lattice (reported once per grid).
    @discardableResult
    package func offGridRows(on grid: Grid) -> Int {
        try? reportOffGrid(grid)
        return offGridCache.withLock { $0[grid] ?? 0 }
    }

    /// Counts (once per grid) the rows that fall outside `grid`, and reports them.
    private func reportOffGrid(_ grid: Grid) throws {
        let known = offGridCache.withLock { $0[grid] != nil }
        if known { return }
        var off = 0
        var total = 0
        try rows.forEachStep { step in
            total += step.value.count
            for i in step.value.indices
            where grid.cell(latitude: Double(step.latitude[i]), longitude: Double(step.longitude[i])) == nil {
                off += 1
            }
        }
        let first = offGridCache.withLock { cache -> Bool in
            if cache[grid] != nil { return false }
            cache[grid] = off
            return true
        }
        if first && off > 0 {
            problems.report(
                Problem(
                    .warning,
                    .offGrid,
                    file: path,
                    message:
                        "\(off) of \(total) usable rows lie outside the \(grid.height)×\(grid.width) grid (or off its 0.25° lattice) and are ignored"
                )
            )
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
        case .monthly:
            (try? UTCDateTime(year: Int(k.floorDivided(by: 12)), month: Int(k - k.floorDivided(by: 12) * 12) + 1))
                ?? UTCDateTime(secondsSince1970: 0)
        case .hours(let n): UTCDateTime(secondsSince1970: k * Int64(n) * 3600)
        }
    }

    /// A numeric column of one row group as doubles, NaN for nulls (skipped like non-finite values).
    static func doubles(_ file: ParquetFile, _ d: ParquetColumnData) throws -> [Double] {
        var out: [Double]
        switch d.values {
        case .double(let v): out = v
        case .float(let v): out = v.map(Double.init)
        case .int64(let v): out = v.map(Double.init)
        case .int32(let v): out = v.map(Double.init)
        default:
            throw BioCubeError(
                .unsupported,
                "\(file.path): column '\(d.descriptor.name)' is \(d.descriptor.physicalType); expected numbers"
            )
        }
        if let validity = d.validity { for i in out.indices where !validity[i] { out[i] = .nan } }
        return out
    }

    /// DATE (INT32 days) values as nanoseconds since 1970; nil for other columns.
    static func dayNanoseconds(
        _ values: ParquetColumnData.Values,
        _ descriptor: ParquetColumnDescriptor,
        validity: [Bool]? = nil
    ) -> [Int64?]? {
        guard case .int32(let days) = values, descriptor.logicalType == .date else { return nil }
        return days.indices.map { (validity?[$0] ?? true) ? Int64(days[$0]) * 86_400_000_000_000 : nil }
    }

    /// `out[r] = table[indices[r]]` for valid rows (`missing` for nulls).
    static func mapIndices<T>(
        _ indices: [UInt32],
        through table: [T],
        validity: [Bool]?,
        into out: inout [T],
        missing: T
    ) {
        out.withUnsafeMutableBufferPointer { o in
            indices.withUnsafeBufferPointer { idx in
                table.withUnsafeBufferPointer { t in
                    for r in 0..<min(o.count, idx.count) {
                        let i = Int(idx[r])
                        o[r] = (validity?[r] ?? true) && i < t.count ? t[i] : missing
                    }
                }
            }
        }
    }
}

extension Int64 {
    /// Floor division (rounds toward −∞, unlike `/`).
    fileprivate func floorDivided(by d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
