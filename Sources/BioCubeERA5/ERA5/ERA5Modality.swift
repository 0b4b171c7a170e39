public import BioCubeCore
import Foundation

/// ERA5 reanalysis from NetCDF files (single files or CDS zip downloads), as a `Modality`.
///
/// Variables are merged across files by name: files that cover different time ranges of
/// one variable (e.g. `era5-climate-energy-moisture-0.nc` and `-1.nc`) are read as one
/// series; two files providing the same variable at the same step is an error naming both.
/// Groups come from a `GroupTable` (variables with levels → `atmospheric_variables`;
/// unknown names → `misc_variables`, reported).
public final class ERA5Modality: Modality, Sendable {
    public var name: String { "era5" }
    /// The files read, in the order given (zip members expanded).
    package let files: [ERA5File]
    /// The step cadence used to match time slices (calendar month or exact time).
    package let cadence: Cadence
    /// Where problems (missing steps, duplicate slices, uncovered cells) are reported.
    public let problems: ProblemLog
    private let groupTable: GroupTable
    private let scratch: String?

    /// Opens every path (`.nc` files, or `.zip` CDS downloads whose `.nc` members are read
    /// as one source). Unusable variables are reported to `problems`.
    public convenience init(
        paths: [String],
        cadence: Cadence = .monthly,
        groupTable: GroupTable = .published,
        problems: ProblemLog = ProblemLog()
    ) throws {
        try self.init(
            paths: paths,
            cadence: cadence,
            groupTable: groupTable,
            problems: problems,
            scratchRoot: NSTemporaryDirectory()
        )
    }

    /// As above, extracting zip members below `scratchRoot` into a folder named like BioCube's
    /// temporary files (`.biocube-era5.<host>.<pid>.<random>.tmp`): it is removed when the
    /// modality goes away or its opening fails, and a later opening removes those of this
    /// host's ended processes (a killed run's).
    package init(
        paths: [String],
        cadence: Cadence,
        groupTable: GroupTable,
        problems: ProblemLog,
        scratchRoot: String
    ) throws {
        self.cadence = cadence
        self.problems = problems
        self.groupTable = groupTable
        var opened: [ERA5File] = []
        var scratchDir: String? = nil
        do {
            for path in paths {
                if ZipReader.looksLikeZip(path) {
                    if scratchDir == nil { Self.removeStaleScratch(in: scratchRoot) }
                    let dir = scratchDir ?? scratchRoot + "/" + TemporaryName.fresh(for: "biocube-era5")
                    if scratchDir == nil { LiveTemporaryFiles.track(dir, folder: true) }
                    scratchDir = dir
                    let zip = try ZipReader(path: path)
                    let stem = (path as NSString).lastPathComponent
                    let members = try zip.extractAll(withSuffix: ".nc", into: dir + "/" + stem)
                    guard !members.isEmpty else {
                        throw BioCubeError(
                            .invalidArgument,
                            "\(path): zip archive holds no .nc file (members: \(zip.entries.map(\.name).joined(separator: ", ")))"
                        )
                    }
                    opened += try members.map { try ERA5File(path: $0) }
                } else {
                    opened.append(try ERA5File(path: path))
                }
            }
        } catch {
            if let scratchDir {
                try? FileManager.default.removeItem(atPath: scratchDir)
                LiveTemporaryFiles.untrack(scratchDir)
            }
            throw error
        }
        files = opened
        scratch = scratchDir
        for f in files {
            for u in f.unusable {
                problems.report(
                    Problem(.warning, .skippedVariable, file: f.path, variable: u.name, message: "skipped: \(u.reason)")
                )
            }
            for s in f.slowPath {
                problems.report(
                    Problem(
                        .info,
                        .slowRead,
                        file: f.path,
                        variable: s.name,
                        message: "read through libnetcdf, one chunk at a time under its lock (slower): \(s.reason)"
                    )
                )
            }
        }
    }

    deinit {
        if let scratch {
            try? FileManager.default.removeItem(atPath: scratch)
            LiveTemporaryFiles.untrack(scratch)
        }
    }

    /// Removes zip-extraction folders under `root` left by this host's ended processes.
    static func removeStaleScratch(in root: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        where name.hasPrefix(".biocube-era5.") && TemporaryName.isStale(name, in: root) {
            try? FileManager.default.removeItem(atPath: root + "/" + name)
        }
    }

    /// Every variable, in first-seen order, with its groups, levels and units.
    ///
    /// A variable is identified by its name *and* whether it has pressure levels: surface
    /// geopotential `z` and geopotential `z` on pressure levels are two variables (in
    /// `surface_variables` and `atmospheric_variables`).
    public func variables() throws -> [VariableDescriptor] {
        var seen: [String: VariableDescriptor] = [:]
        var order: [String] = []
        for f in files {
            for v in f.variables {
                let key = ERA5Modality.key(v.name, hasLevels: v.levels != nil)
                if let existing = seen[key] {
                    if existing.levels != v.levels {
                        throw BioCubeError(
                            .invalidMetadata,
                            "\(f.path): variable '\(v.name)' has levels \(v.levels ?? []) here but \(existing.levels ?? []) in another file"
                        )
                    }
                    continue
                }
                let (groups, known) = groupTable.groups(for: v.name, hasLevels: v.levels != nil)
                if !known {
                    problems.report(
                        Problem(
                            .warning,
                            .ungroupedVariable,
                            file: f.path,
                            variable: v.name,
                            message: "not in the group table: exported in misc_variables"
                        )
                    )
                }
                seen[key] = VariableDescriptor(
                    name: v.name,
                    groups: groups,
                    levels: v.levels,
                    units: v.units,
                    longName: v.longName
                )
                order.append(key)
            }
        }
        return order.compactMap { seen[$0] }
    }

    private static func key(_ name: String, hasLevels: Bool) -> String { hasLevels ? name + "@levels" : name }

    /// The files providing `variable` (same name and level-ness), with its entry in each.
    private func sources(of variable: VariableDescriptor) -> [(file: ERA5File, variable: ERA5File.Variable)] {
        files.compactMap { f in
            f.variables.first { $0.name == variable.name && ($0.levels == nil) == (variable.levels == nil) }.map {
                (f, $0)
            }
        }
    }

    /// The time stamps of the files providing `variable`.
    public func timeStamps(of variable: VariableDescriptor) -> [UTCDateTime]? {
        sources(of: variable).flatMap(\.file.times)
    }

    /// The largest number of time slices one storage chunk of `variable` spans in any file
    /// providing it (1 for one field per chunk, contiguous and netCDF-3 files), at most 64.
    public func preferredStepBlock(for variable: VariableDescriptor) -> Int {
        min(64, sources(of: variable).map(\.variable.timeSlicesPerChunk).max() ?? 1)
    }

    /// Advises the kernel to read the chunks (or records) of `variable` at `steps` from every
    /// file providing it.
    public func prefetch(_ variable: VariableDescriptor, at steps: [UTCDateTime]) {
        for (f, v) in sources(of: variable) {
            let slices = steps.flatMap { f.slices(at: $0, cadence: cadence) }
            guard let low = slices.min(), let high = slices.max() else { continue }
            f.prefetch(v, slices: low..<(high + 1))
        }
    }

    /// The variable at `step` on `grid`. A step no file covers gives a NaN tensor and a
    /// report entry (never an error, never another month's data); several slices in the
    /// step's month: the first is used and the others reported.
    public func read(_ variable: VariableDescriptor, at step: UTCDateTime, onto grid: Grid) throws -> Tensor {
        var hits: [(ERA5File, ERA5File.Variable, [Int])] = []
        var provider: String? = nil
        for (f, v) in sources(of: variable) {
            provider = provider ?? f.path
            let s = f.slices(at: step, cadence: cadence)
            if !s.isEmpty { hits.append((f, v, s)) }
        }
        guard let provider else {
            throw BioCubeError(
                .notFound,
                "no ERA5 file provides variable '\(variable.name)' (files: \(files.map(\.path).joined(separator: ", ")))"
            )
        }
        let planes = variable.levels?.count
        guard let (file, v, slices) = hits.first else {
            problems.report(
                Problem(
                    .warning,
                    .missingSteps,
                    file: provider,
                    variable: variable.name,
                    step: step.description,
                    message: "no time slice for this step: NaN"
                )
            )
            let shape = planes.map { [$0, grid.height, grid.width] } ?? [grid.height, grid.width]
            return Tensor(shape: shape, repeating: .nan)
        }
        if hits.count > 1 {
            throw BioCubeError(
                .invalidArgument,
                "variable '\(variable.name)' at \(step) is provided by \(hits[0].0.path) and \(hits[1].0.path): choose one source"
            )
        }
        if slices.count > 1 {
            problems.report(
                Problem(
                    .warning,
                    .multipleSlices,
                    file: file.path,
                    variable: variable.name,
                    step: step.description,
                    message:
                        "\(slices.count) time slices fall in this step (\(slices.map { file.times[$0].description }.joined(separator: ", "))): the first is used"
                )
            )
        }
        let mapping = try file.mapping(onto: grid)
        if mapping.uncoveredCells > 0 {
            problems.report(
                Problem(
                    .warning,
                    .partialCoverage,
                    file: file.path,
                    variable: variable.name,
                    message:
                        "covers only part of the grid: \(mapping.uncoveredCells) of \(grid.cellCount) cells are NaN"
                )
            )
        }
        var order: [Int]? = nil
        if let wanted = variable.levels, let have = v.levels, wanted != have {
            order = try wanted.map { level in
                guard let i = have.firstIndex(where: { abs($0 - level) < 1e-6 }) else {
                    throw BioCubeError(
                        .notFound,
                        "\(file.path): variable '\(v.name)' has no level \(level) hPa (levels: \(have))"
                    )
                }
                return i
            }
        }
        return try file.read(v, slice: slices[0], onto: grid, levelOrder: order)
    }
}
