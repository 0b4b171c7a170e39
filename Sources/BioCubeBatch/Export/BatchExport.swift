public import BioCubeCore
import Foundation

/// Exports every window of a ``BatchSampler`` with a ``BatchExporter`` into a folder:
/// windows whose file already exists are skipped (files are written atomically, so an
/// existing one is complete), each store step is read once, and a manifest `export.json`
/// records the format, the missing-value policy, the store and the files.
public struct BatchExport: Sendable {
    /// The windows' source.
    package let sampler: BatchSampler
    /// The format.
    package let exporter: any BatchExporter
    /// The output folder.
    package let directory: String
    /// NaN handling before writing.
    package let missing: MissingValuePolicy
    /// What setting the export up found worth knowing (for example taxonomy ranks a daily
    /// export cannot fill); empty for an export made from a sampler and an exporter.
    public internal(set) var problems: [Problem] = []

    /// What happened.
    public struct Summary: Sendable {
        /// Windows in range, written now, and already present.
        public var windows = 0, written = 0, skipped = 0
        /// Bytes written now.
        public var bytes: Int64 = 0
    }

    /// Progress events.
    public enum Event: Sendable {
        case planned(windows: Int, toDo: Int)
        case written(name: String, done: Int, toDo: Int)
    }

    /// An export of `sampler`'s windows into `directory`.
    public init(sampler: BatchSampler, exporter: any BatchExporter, directory: String, missing: MissingValuePolicy) {
        self.sampler = sampler
        self.exporter = exporter
        self.directory = directory
        self.missing = missing
    }

    /// Writes the missing windows.
    public func run(progress: @escaping @Sendable (Event) -> Void = { _ in }) async throws -> Summary {
        _ = AllocatorTuning.applyOnce()
        try FileIO.createDirectories(directory)
        var summary = Summary()
        summary.windows = sampler.count
        // The file name depends only on the timestamps: check which exist without reading data.
        var names: [String] = []
        for i in 0..<sampler.count {
            let (a, b) = sampler.timestamps(ofWindow: i)
            let probe = try Batch(metadata: .init(latitudes: [], longitudes: [], timestamps: [a, b]), groups: [:])
            names.append(exporter.name(for: probe))
        }
        let todo = (0..<sampler.count).filter { !FileIO.exists(directory + "/" + names[$0]) }
        summary.skipped = sampler.count - todo.count
        progress(.planned(windows: sampler.count, toDo: todo.count))
        // Contiguous runs, so each run reads its steps once.
        var runs: [Range<Int>] = []
        for i in todo {
            if let last = runs.last, last.upperBound == i {
                runs[runs.count - 1] = last.lowerBound..<(i + 1)
            } else {
                runs.append(i..<(i + 1))
            }
        }
        // Writing overlaps reading the next steps: up to two windows are written at once
        // (serialising a window — copying into the page cache, the zip's CRC-32 — takes one
        // core about as long as reading a step takes two).
        let exporter = self.exporter, missing = self.missing, outputDirectory = self.directory
        var done = 0
        var pending: [(name: String, task: Task<Int64, any Error>)] = []
        func settle(keeping: Int) async throws {
            while pending.count > keeping {
                let p = pending.removeFirst()
                summary.bytes += try await p.task.value
                done += 1
                progress(.written(name: p.name, done: done, toDo: todo.count))
            }
        }
        do {
            for run in runs {
                try await sampler.forEachBatch(in: run) { i, batch in
                    try await settle(keeping: 1)
                    let name = names[i]
                    pending.append(
                        (
                            name,
                            Task {
                                let path = outputDirectory + "/" + name
                                try exporter.write(try missing.apply(to: batch), to: path)
                                return FileIO.attributes(path)?.size ?? 0
                            }
                        ))
                }
            }
            try await settle(keeping: 0)
        } catch {
            for p in pending { _ = try? await p.task.value }
            throw error
        }
        summary.written = done
        try writeManifest(names)
        return summary
    }

    private func writeManifest(_ names: [String]) throws {
        let manifest: JSONValue = [
            "format": .string(exporter.format),
            "missing": .string(missing.rawValue),
            "missing_policy": .string(
                missing == .zero
                    ? "NaN replaced by 0 in \(MissingValuePolicy.zeroFilledGroups.map(\.rawValue).sorted().joined(separator: ", ")); ERA5 groups keep NaN"
                    : "NaN kept wherever a source has no value"),
            "store": .string(sampler.storePath),
            "selection": (try? JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(sampler.selection)))
                ?? .null,
            "grid": ["latitudes": .int(Int64(sampler.grid.height)), "longitudes": .int(Int64(sampler.grid.width))],
            "windows": .int(Int64(names.count)),
            "files": .array(names.map { .string($0) }),
        ]
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileIO.writeAtomically(directory + "/export.json", Array(try e.encode(manifest)))
    }
}
