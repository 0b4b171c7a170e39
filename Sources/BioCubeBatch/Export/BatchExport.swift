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
    /// Normalisation after the missing-value policy (nil: values as stored).
    public var normalisation: BatchNormalisation?
    /// Only windows whose selected variables all have data at both steps (by the coverage
    /// the build recorded); the others are not written.
    public var skipsIncompleteWindows = false
    /// What setting the export up found worth knowing (for example taxonomy ranks a daily
    /// export cannot fill); empty for an export made from a sampler and an exporter.
    public internal(set) var problems: [Problem] = []
    /// Write the files back to the disk (`syncfs`) before `export.json` vouches for them, so
    /// a power cut cannot leave an empty file the next run would keep. On by default; it
    /// costs the time the disk needs for what is still cached (Documentation/Benchmarks.md).
    public var synchronizesToDisk = true

    /// What happened.
    public struct Summary: Sendable {
        /// Windows in range, written now, and kept from an earlier run of the same export.
        public var windows = 0, written = 0, skipped = 0
        /// Files that were present under a window's name but not written by this same
        /// export (another store, policy, format, selection or region; changed or unknown
        /// files), written again.
        public var replaced = 0
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
        try FileIO.createDirectories(directory)
        // Temporary files an interrupted run of this host left (`kill -9`) are removed.
        for name in FileIO.contents(ofDirectory: directory) where TemporaryName.isStale(name, in: directory) {
            try? FileIO.removeItem(directory + "/" + name)
        }
        var summary = Summary()
        let windows = (0..<sampler.count).filter { !skipsIncompleteWindows || sampler.windowIsComplete($0) }
        summary.windows = windows.count
        // The file name depends only on the timestamps: check which exist without reading data.
        var names = [String](repeating: "", count: sampler.count)
        for i in windows {
            let (a, b) = sampler.timestamps(ofWindow: i)
            let probe = try Batch(metadata: .init(latitudes: [], longitudes: [], timestamps: [a, b]), groups: [:])
            names[i] = exporter.name(for: probe)
        }
        // Only files an earlier run of this same export wrote (and nobody changed since) are
        // kept; anything else under a window's name is written again.
        let identity = try self.identity()
        let earlier = ExportManifest.load(directory)
        let trusted = earlier?.identity == identity ? earlier!.files : [:]
        var kept: [String: ExportManifest.FileStamp] = [:]
        var todo: [Int] = []
        for i in windows {
            let name = names[i]
            let stamp = ExportManifest.FileStamp(directory + "/" + name)
            if let stamp, trusted[name] == stamp {
                kept[name] = stamp
            } else {
                if stamp != nil { summary.replaced += 1 }
                todo.append(i)
            }
        }
        summary.skipped = windows.count - todo.count
        // The manifest describes this export before anything is written: an interrupted run
        // leaves a manifest that trusts only the files it lists.
        var manifest = ExportManifest(identity: identity, files: kept)
        try manifest.write(directory, describing: self, windows: windows.count)
        progress(.planned(windows: windows.count, toDo: todo.count))
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
        let exporter = self.exporter
        let missing = self.missing
        let outputDirectory = self.directory
        let normalisation = self.normalisation
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
                                var ready = try missing.apply(to: batch)
                                if let normalisation { ready = try normalisation.apply(to: ready) }
                                try exporter.write(ready, to: path)
                                return FileIO.attributes(path)?.size ?? 0
                            }
                        )
                    )
                }
            }
            try await settle(keeping: 0)
        } catch {
            for p in pending { _ = try? await p.task.value }
            throw error
        }
        summary.written = done
        // The files reach the disk before the manifest vouches for them, and the manifest after.
        if synchronizesToDisk { try FileIO.synchronizeFileSystem(of: directory) }
        for i in windows {
            let name = names[i]
            manifest.files[name] = ExportManifest.FileStamp(directory + "/" + name)
        }
        try manifest.write(directory, describing: self, windows: windows.count)
        if synchronizesToDisk { try FileIO.synchronizeFileSystem(of: directory) }
        return summary
    }
}
