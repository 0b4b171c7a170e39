import BioCubeBatch
public import BioCubeCore
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A step's completion record: which inputs each variable's chunk was built from, how many
/// cells have a value, and the problems met while reading the step.
struct StepMarker: Codable, Sendable, Equatable {
    struct Entry: Codable, Sendable, Equatable {
        var fingerprint: String
        var valid: Int
    }
    var step: String
    var variables: [String: Entry]
    var problems: [Problem]
}

/// The outcome of a build run.
public struct BuildSummary: Sendable {
    /// Steps in the store, steps this process owns, steps it built now, steps already complete.
    public var totalSteps = 0, ownedSteps = 0, builtSteps = 0, skippedSteps = 0
    /// Whether every step of the store is complete (and the coverage report written).
    public var complete = false
    /// Per variable (when complete): the steps with no value at all, and the fraction of
    /// NaN cells over all steps.
    public var coverage: [(variable: StoreVariable, emptySteps: [UTCDateTime], nanFraction: Double)] = []
    /// Problems of the sources and of every step (when complete), else of this run.
    public var problems: [Problem] = []
    /// Arrays the store's variable list held that this run did not build (added by hand or
    /// by an earlier build from other sources): kept, listed and untouched.
    public var keptVariables: [String] = []
}

extension CubeBuilder {
    static let stateFolder = ".biocube-build"

    var markerFolder: String { options.storePath + "/\(Self.stateFolder)/steps" }
    func markerPath(_ i: Int) -> String { markerFolder + "/\(i).json" }

    func readMarker(_ i: Int) -> StepMarker? {
        guard let bytes = try? FileIO.read(markerPath(i)) else { return nil }
        return try? JSONDecoder().decode(StepMarker.self, from: Data(bytes))
    }

    static func encodeSorted<T: Encodable>(_ value: T) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try e.encode(value))
    }

    static func json<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(encodeSorted(value)))
    }

    /// Builds this process's steps (skipping complete ones) and, when the whole store is
    /// then complete, writes the coverage report.
    public func run(progress: @escaping @Sendable (Event) -> Void = { _ in }) async throws -> BuildSummary {
        try checkOwnedOrEmpty()
        try FileIO.createDirectories(markerFolder)
        Self.removeStaleTemporaryFiles(in: options.storePath)
        var store = try CubeStore.openOrCreate(at: options.storePath)
        store.autoConsolidate = false
        try checkCompatible(store)
        try store.writeCoordinates(grid: grid, time: time, pressureLevels: pressureLevels)
        let used = Set(plansInOrder.flatMap(\.variable.groups))
        for g in Set(VariableGroup.published).union(used).sorted() { try store.createGroup(g.rawValue) }
        var arrays: [ZarrArray] = []
        for plan in plansInOrder {
            let v = plan.variable
            let shape = [time.count] + (v.levels.map { [$0.count] } ?? []) + [grid.height, grid.width]
            let chunk = [1] + (v.levels.map { [$0.count] } ?? []) + [grid.height, grid.width]
            var attrs: [String: JSONValue] = [
                "groups": .array(v.groups.map { .string($0.rawValue) }),
                "sources": .array(v.sources.map { .string($0) }),
            ]
            if let u = v.units { attrs["units"] = .string(u) }
            if let ln = plan.providers[0].descriptor.longName { attrs["long_name"] = .string(ln) }
            let meta = try ArrayMetadata(
                shape: shape,
                dataType: .float32,
                chunkShape: chunk,
                fillValue: nil,
                codecs: ZarrCodec.standard(level: options.compressionLevel),
                dimensionNames: CubeStore.dimensionNames(levels: v.levels != nil),
                attributes: attrs
            )
            arrays.append(try Self.prepareArray(&store, v.path, meta))
        }
        var root = try store.attributes(of: "")
        let kept = try keptVariables(store, root)
        root["variables"] = try Self.json(variables + kept)
        let newProvenance = try provenance()
        // What the sources record (the species taxonomy) is read again only when they changed.
        if root["provenance"] != newProvenance {
            for (key, value) in try sourceAttributes() { root[key] = value }
        }
        root["provenance"] = newProvenance
        root["selection"] = try (options.config.select ?? catalog.config.select).map(Self.json)
        root["left_out_sources"] = leftOutSources.isEmpty ? nil : .array(leftOutSources.map { .string($0) })
        root["complete"] = false
        root["coverage"] = nil
        root["problems"] = nil
        try store.setAttributes(root, of: "")
        try store.consolidateMetadata()

        // Work: owned steps whose marker is missing or stale for some variable, in blocks of
        // `stepBlock` steps; within a block each variable walks all its steps before the next
        // variable, so a source chunk spanning the block's steps is inflated once.
        let block = stepBlock
        let owned = (0..<time.count).filter { options.shard.owns($0, block: block) }
        // A marker is trusted only for chunks that are there and pass their checksum.
        var stale: [Int: [Int]] = [:]
        var bytes: [UInt8] = []
        for i in owned {
            let marker = readMarker(i)
            let chunk = { (p: Int) in [i] + Array(repeating: 0, count: arrays[p].shape.count - 1) }
            let todo = plansInOrder.indices.filter {
                marker?.variables[plansInOrder[$0].variable.path]?.fingerprint != plansInOrder[$0].fingerprint
                    || !arrays[$0].chunkIsIntact(chunk($0), buffer: &bytes)
            }
            if !todo.isEmpty { stale[i] = todo }
        }
        let stepsToDo = stale.keys.sorted()
        var blocks: [BlockProgress] = []
        var items: [(block: Int, plan: Int, steps: [Int])] = []
        for (_, steps) in Dictionary(grouping: stepsToDo, by: { $0 / block }).sorted(by: { $0.key < $1.key }) {
            let plansOfBlock = Set(steps.flatMap { stale[$0]! }).sorted()
            for p in plansOfBlock { items.append((blocks.count, p, steps.filter { stale[$0]!.contains(p) })) }
            blocks.append(BlockProgress(steps: steps, items: plansOfBlock.count))
        }
        progress(.planned(total: time.count, owned: owned.count, toDo: stepsToDo.count))
        let counter = Counter()
        let plans = plansInOrder
        let jobs = items
        let blockList = blocks
        let arraysByPlan = arrays
        let stepCount = stepsToDo.count
        let staleByStep = stale
        // Read-ahead on its own thread (the advice may wait for the disk's queue; the
        // workers must not): about four blocks' worth of fields ahead of the workers — four
        // steps of every variable when steps are independent, four variables when blocks
        // span 36 steps — so the disk reads while the cores decode (the advice costs page
        // cache, not process memory).
        let prefetcher = DispatchQueue(label: "biocube.build.prefetch")
        let lookahead = max(2, 4 * plans.count / block)
        let scheduled = Locked(-1)
        let prefetch = { @Sendable [self] (k: Int) in
            let range: Range<Int> = scheduled.withLock { last in
                let upper = min(jobs.count, k + 1)
                let r = min(last + 1, upper)..<upper
                last = max(last, k)
                return r
            }
            guard !range.isEmpty else { return }
            let work = range.map { (jobs[$0].plan, jobs[$0].steps.map { time[$0] }) }
            prefetcher.async {
                for (p, steps) in work {
                    for provider in plans[p].providers { provider.modality.prefetch(provider.descriptor, at: steps) }
                }
            }
        }
        prefetch(lookahead)
        try await concurrentForEach(count: jobs.count, maxConcurrency: max(1, options.jobs)) { [self] k in
            let (b, p, steps) = jobs[k]
            prefetch(k + lookahead)
            let plan = plans[p]
            var valid: [Int: Int] = [:]
            for i in steps {
                let step = time[i]
                let provider = plan.provider(for: step)
                var tensor: Tensor
                do { tensor = try provider.modality.read(provider.descriptor, at: step, onto: grid) } catch let e
                    as BioCubeError
                {
                    throw e.adding(file: provider.source, variable: plan.variable.path, step: step.dateString)
                }
                if plan.merges {
                    for other in plan.providers where other.source != provider.source && other.covers(step) {
                        let more: Tensor
                        do { more = try other.modality.read(other.descriptor, at: step, onto: grid) } catch let e
                            as BioCubeError
                        {
                            throw e.adding(file: other.source, variable: plan.variable.path, step: step.dateString)
                        }
                        guard more.shape == tensor.shape else {
                            throw BioCubeError(
                                .corruptData,
                                "\(other.source): \(plan.variable.name) at \(step.dateString) has shape \(more.shape), expected \(tensor.shape)"
                            )
                        }
                        tensor.withUnsafeMutableBufferPointer { p in
                            more.storage.withUnsafeBufferPointer { q in
                                for k in p.indices where p[k].isNaN { p[k] = q[k] }
                            }
                        }
                    }
                }
                let expected = (plan.variable.levels.map { [$0.count] } ?? []) + [grid.height, grid.width]
                guard tensor.shape == expected else {
                    throw BioCubeError(
                        .corruptData,
                        "\(provider.source): \(plan.variable.name) at \(step.dateString) has shape \(tensor.shape), expected \(expected)"
                    )
                }
                var n = 0
                tensor.storage.withUnsafeBufferPointer { b in for x in b where !x.isNaN { n += 1 } }
                try arraysByPlan[p].writeChunk(tensor.storage, at: [i] + Array(repeating: 0, count: expected.count))
                valid[i] = n
            }
            // The last variable of a block to land writes the block's step markers.
            guard let finished = blockList[b].record(plan: p, valid: valid) else { return }
            for i in blockList[b].steps {
                let step = time[i]
                var marker = readMarker(i) ?? StepMarker(step: step.description, variables: [:], problems: [])
                let rebuilt = Set(staleByStep[i]!.map { plans[$0].variable.name })
                marker.problems.removeAll { $0.variable.map(rebuilt.contains) ?? true }
                for (q, counts) in finished {
                    if let n = counts[i] {
                        marker.variables[plans[q].variable.path] = .init(fingerprint: plans[q].fingerprint, valid: n)
                    }
                }
                let stepText = step.description
                marker.problems += problems.problems.filter { $0.step == stepText }.map {
                    $0.relative(to: catalog.root)
                }
                marker.problems = Array(Set(marker.problems)).sorted { "\($0)" < "\($1)" }
                try FileIO.writeAtomically(markerPath(i), try Self.encodeSorted(marker))
                let done = counter.increment()
                progress(.stepDone(step, done: done, toDo: stepCount))
            }
        }

        var summary = BuildSummary()
        summary.totalSteps = time.count
        summary.ownedSteps = owned.count
        summary.builtSteps = stepCount
        summary.skippedSteps = owned.count - stepCount
        summary.keptVariables = kept.map(\.path)
        summary.problems = Array(
            Set(sourceProblems + problems.problems.filter { $0.step != nil }.map { $0.relative(to: catalog.root) })
        ).sorted { "\($0)" < "\($1)" }
        // What this process wrote reaches the disk before the store can be marked complete
        // (by this process or by the shard that finishes last).
        if options.synchronizesToDisk { try FileIO.synchronizeFileSystem(of: options.storePath) }
        if let final = try finalize(store, arrays) {
            summary.complete = true
            summary.coverage = final.coverage
            summary.problems = final.problems
            progress(.finalized)
        }
        return summary
    }

    var plansInOrder: [VariablePlan] { planList }

    /// Steps built together (see ``Modality/preferredStepBlock(for:)``): the largest any
    /// provider asks for; 1 when every source's steps are independent.
    var stepBlock: Int {
        planList.flatMap(\.providers).map { $0.modality.preferredStepBlock(for: $0.descriptor) }.max() ?? 1
    }

    /// The root attributes the sources record for the variables they provide to this
    /// store (``Modality/storeAttributes(for:)``), merged per key in catalog order.
    func sourceAttributes() throws -> [String: JSONValue] {
        var bySource: [String: (modality: any Modality, variables: [VariableDescriptor])] = [:]
        for plan in planList {
            for p in plan.providers {
                bySource[p.source, default: (p.modality, [])].variables.append(p.descriptor)
            }
        }
        var merged: [String: JSONValue] = [:]
        for s in catalog.sources {
            guard let (modality, variables) = bySource[s.path] else { continue }
            for (key, value) in try modality.storeAttributes(for: variables) {
                merged[key] = merged[key].map { $0.merging(value) } ?? value
            }
        }
        return merged
    }

    /// Entries of the store's variable list that this build does not produce but whose arrays
    /// are there: a store never loses what it holds. An entry whose array no longer fits the
    /// store's grid and time axis is refused, naming it.
    func keptVariables(_ store: CubeStore, _ root: [String: JSONValue]) throws -> [StoreVariable] {
        guard let list = root["variables"] else { return [] }
        let previous: [StoreVariable]
        do { previous = try JSONDecoder().decode([StoreVariable].self, from: JSONEncoder().encode(list)) } catch {
            throw BioCubeError(
                .invalidMetadata,
                "\(options.storePath): the store's \"variables\" attribute is unreadable (\(error)): fix or remove it",
                cause: error
            )
        }
        let planned = Set(variables.map(\.path))
        var kept: [StoreVariable] = []
        for v in previous where !planned.contains(v.path) && store.contains(v.path) {
            let array = try store.openArray(v.path)
            let expected = [time.count] + (v.levels.map { [$0.count] } ?? []) + [grid.height, grid.width]
            guard array.shape == expected else {
                throw BioCubeError(
                    .alreadyExists,
                    "\(options.storePath)/\(v.path): listed in the store but not built by this run, and its shape \(array.shape) does not fit this build's \(expected): remove the array (and its entry) or use another --store"
                )
            }
            if let l = v.levels, let p = pressureLevels, l != p {
                throw BioCubeError(
                    .alreadyExists,
                    "\(options.storePath)/\(v.path): listed in the store with pressure levels \(l), this build's are \(p): remove it or use another --store"
                )
            }
            kept.append(v)
        }
        return kept
    }

    /// Creates a variable array, or reuses an existing one with the same layout (keeping its
    /// chunks; only attributes are refreshed, without the coverage of an earlier build). A
    /// different layout replaces the array (its steps are rebuilt: their chunks are gone).
    static func prepareArray(_ store: inout CubeStore, _ path: String, _ meta: ArrayMetadata) throws -> ZarrArray {
        if store.contains(path), case .array(let old) = try store.node(at: path) {
            var sameLayout = old
            sameLayout.attributes = meta.attributes
            if sameLayout == meta {
                var kept = old.attributes
                kept["coverage"] = nil
                if kept != meta.attributes { try store.setAttributes(meta.attributes, of: path) }
                return try store.openArray(path)
            }
            return try store.createArray(path, metadata: meta, overwrite: true)
        }
        do { return try store.createArray(path, metadata: meta) } catch let e as BioCubeError
            where e.code == .alreadyExists
        {
            // Another shard created it at the same moment: it must have the same layout.
            return try prepareArray(&store, path, meta)
        }
    }

    /// Refuses a store that was built for another grid or time axis.
    /// The store folder must be new, empty, or one a build made (its state folder is the
    /// first thing a build writes; its root records the build's provenance): a build never
    /// writes into, or sweeps, a folder of the
    /// user's or a Zarr store another tool wrote, unless `BuildOptions.force` says so.
    func checkOwnedOrEmpty() throws {
        let path = options.storePath
        guard FileIO.exists(path), !options.force else { return }
        guard FileIO.isDirectory(path) else {
            throw BioCubeError(.alreadyExists, "exists and is not a folder: choose another store path", file: path)
        }
        let entries = FileIO.contents(ofDirectory: path)
        guard !entries.isEmpty, !entries.contains(Self.stateFolder) else { return }
        // A built store whose state folder was removed (to rebuild every step) still carries
        // the provenance its build recorded.
        if entries.contains("zarr.json"), (try? CubeStore.open(at: path).attributes(of: "")["provenance"]) != nil {
            return
        }
        let what = entries.contains("zarr.json") ? "a Zarr store BioCube did not build" : "a folder that is not a store"
        throw BioCubeError(
            .alreadyExists,
            "\(what) (\(entries.count) entries, no \(Self.stateFolder)): choose a new or empty store path, or force the build into it (biocube build --force; BuildOptions.force), which replaces its arrays of the same names",
            file: path
        )
    }

    func checkCompatible(_ store: CubeStore) throws {
        let attrs = try store.attributes(of: "")
        guard attrs["time_axis"] != nil || attrs["grid"] != nil else { return }
        let g = try? store.grid()
        let t = try? store.timeAxis()
        if g != grid || t != time {
            throw BioCubeError(
                .alreadyExists,
                "\(options.storePath): built for grid \(g.map { "\($0.height)×\($0.width)" } ?? "?") and \(t.map { "\($0.count) steps from \($0.start.dateString)" } ?? "?"), not \(grid.height)×\(grid.width) and \(time.count) steps from \(time.start.dateString): use another --store or remove it"
            )
        }
    }

    func provenance() throws -> JSONValue {
        var sources: [JSONValue] = []
        for s in catalog.sources {
            sources.append([
                "path": .string(s.path), "kind": .string(s.kind.rawValue), "size": .int(s.size),
                "modified": .double(s.modified),
            ])
        }
        var opts: [String: JSONValue] = [
            "grid": .string(options.gridName), "cadence": .string(options.cadence.description),
            "start": .string(time.start.description), "end": .string(time.end.description),
        ]
        if let r = options.region { opts["region"] = .string("\(r.south),\(r.north),\(r.west),\(r.east)") }
        return [
            "tool": .string("biocube (BioCube Swift SDK)"), "sources": .array(sources), "options": .object(opts),
            "config": try Self.json(options.config),
        ]
    }

    /// When every step has a current marker: per-variable coverage into each array's
    /// attributes, the summary and the problems into the root, `complete: true`.
    func finalize(
        _ store: CubeStore,
        _ arrays: [ZarrArray]
    ) throws -> (
        coverage: [(variable: StoreVariable, emptySteps: [UTCDateTime], nanFraction: Double)], problems: [Problem]
    )? {
        var markers: [StepMarker] = []
        for i in 0..<time.count {
            guard let m = readMarker(i),
                plansInOrder.allSatisfy({ m.variables[$0.variable.path]?.fingerprint == $0.fingerprint })
            else { return nil }
            markers.append(m)
        }
        var store = store
        store.autoConsolidate = false
        let cells = Double(grid.cellCount)
        var coverage: [(variable: StoreVariable, emptySteps: [UTCDateTime], nanFraction: Double)] = []
        var summaryJSON: [String: JSONValue] = [:]
        for (plan, array) in zip(plansInOrder, arrays) {
            let perStep = markers.map { $0.variables[plan.variable.path]!.valid }
            let levels = Double(plan.variable.levels?.count ?? 1)
            let empty = perStep.indices.filter { perStep[$0] == 0 }.map { time[$0] }
            let nan = 1 - Double(perStep.reduce(0, +)) / (cells * levels * Double(time.count))
            coverage.append((plan.variable, empty, nan))
            var attrs = array.metadata.attributes
            attrs["coverage"] = [
                "valid_cells": .array(perStep.map { .int(Int64($0)) }),
                "empty_steps": .array(empty.map { .string($0.description) }),
                "nan_fraction": .double(nan),
            ]
            try store.setAttributes(attrs, of: plan.variable.path)
            summaryJSON[plan.variable.path] = ["empty_steps": .int(Int64(empty.count)), "nan_fraction": .double(nan)]
        }
        var all = Set(sourceProblems)
        for m in markers { all.formUnion(m.problems) }
        let problems = all.sorted { "\($0)" < "\($1)" }
        var root = try store.attributes(of: "")
        root["coverage"] = .object(summaryJSON)
        root["problems"] = try Self.json(problems)
        root["complete"] = true
        try store.setAttributes(root, of: "")
        try store.consolidateMetadata()
        if options.synchronizesToDisk { try FileIO.synchronizeFileSystem(of: options.storePath) }
        return (coverage, problems)
    }

    /// Removes `.tmp` files left by writers that no longer run (their pid is in the name).
    static func removeStaleTemporaryFiles(in root: String) {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return }
        while let next = walker.nextObject() as? String {
            let name = (next as NSString).lastPathComponent
            // Only this host's files whose process has ended (see TemporaryName).
            if TemporaryName.isStale(name, in: FileIO.parent(of: root + "/" + next)) {
                _ = unlink(root + "/" + next)
            }
        }
    }
}

/// The variables of one block of steps still being built, and the valid-cell counts of
/// those that landed; the last to land gets them all.
final class BlockProgress: Sendable {
    let steps: [Int]
    private let state: Locked<(remaining: Int, valid: [Int: [Int: Int]])>
    init(steps: [Int], items: Int) {
        self.steps = steps
        state = Locked((items, [:]))
    }
    /// Records plan `p`'s counts per step; returns every plan's counts when it was the last.
    func record(plan p: Int, valid: [Int: Int]) -> [Int: [Int: Int]]? {
        state.withLock { s in
            s.valid[p] = valid
            s.remaining -= 1
            return s.remaining == 0 ? s.valid : nil
        }
    }
}

/// A thread-safe counter.
final class Counter: Sendable {
    private let value = Locked(0)
    func increment() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
}
