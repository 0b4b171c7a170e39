public import BioCubeBatch
import BioCubeCore
import Foundation

/// Writes an interactive viewer for a store: `OUT.html` (self-contained: script, styles and
/// the colour map inline; no network access) and `OUT_files/step-NNNN.js`, one compact data
/// file per store step that the page loads when a window needs it — so a 245-window store
/// gives a small page and files read on demand.
///
/// Each plane is kept at every `stride`-th cell and quantised to 8 bits over the
/// variable's (per level) range across all steps; 255 marks NaN. The page offers window,
/// group, variable, level and time step selectors, draws both steps with a shared viridis
/// colour bar, NaN in grey, coastlines from `lsm`, and shows the value under the pointer
/// (to within one quantisation step).
public struct HTMLViewer: Sendable {
    /// Keep every `stride`-th row and column.
    public var stride: Int
    /// A viewer writer.
    public init(stride: Int = 2) { self.stride = max(1, stride) }

    /// What the page shows: variables, steps (each read twice: once for the ranges, once
    /// for the data), windows as pairs of steps, and the grid.
    struct Source {
        var variables: [StoreVariable]
        var steps: [Int]
        var windows: [(steps: (Int, Int), times: (UTCDateTime, UTCDateTime))]
        var grid: Grid
        var read: (Int) async throws -> [[Float]]
    }

    /// Writes the page and its step files for a store; returns the number of bytes written.
    @discardableResult
    public func write(
        sampler: BatchSampler,
        to path: String,
        progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> Int {
        let steps = Array(sampler.steps)
        let windows = (0..<sampler.count).map { i in ((steps[i], steps[i + 1]), sampler.timestamps(ofWindow: i)) }
        // The arrays the sampler's selection uses, with the selected levels.
        let used = Array(Set(sampler.members.map(\.variable))).sorted()
        let variables = used.map { i -> StoreVariable in
            var v = sampler.variables[i]
            if v.levels != nil { v.levels = sampler.pressureLevels }
            return v
        }
        return try await write(
            Source(
                variables: variables,
                steps: steps,
                windows: windows,
                grid: sampler.grid,
                read: { t in
                    let all = try await sampler.readStep(t)
                    return used.map { all[$0] }
                }
            ),
            to: path,
            progress: progress
        )
    }

    /// Writes the page for a folder of exported batch files (`.pt`, `.safetensors`): window
    /// `i` is the `i`-th file in name order; its two steps become data files `2i` and `2i + 1`.
    @discardableResult
    public func write(
        batchFiles: [String],
        to path: String,
        progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> Int {
        guard let first = batchFiles.first else { throw BioCubeError(.notFound, "no batch files to view") }
        let head = try BatchFileReader.read(path: first)
        let variables = head.allVariables.map { g, v in
            StoreVariable(
                name: v.name,
                path: "\(g.rawValue)/\(v.name)",
                groups: [g],
                levels: v.tensor.shape.count == 4 ? head.metadata.pressureLevels : nil,
                units: nil,
                sources: [first]
            )
        }
        let grid = Grid(
            latitude: try GridAxis(
                first: head.metadata.latitudes[0],
                step: head.metadata.latitudes.count > 1
                    ? head.metadata.latitudes[1] - head.metadata.latitudes[0] : 0.25,
                count: head.metadata.latitudes.count
            ),
            longitude: try GridAxis(
                first: head.metadata.longitudes[0],
                step: head.metadata.longitudes.count > 1
                    ? head.metadata.longitudes[1] - head.metadata.longitudes[0] : 0.25,
                count: head.metadata.longitudes.count
            )
        )
        var windows: [(steps: (Int, Int), times: (UTCDateTime, UTCDateTime))] = []
        for (i, f) in batchFiles.enumerated() {
            let b = i == 0 ? head : try BatchFileReader.read(path: f)
            windows.append(((2 * i, 2 * i + 1), (b.metadata.timestamps[0], b.metadata.timestamps[1])))
        }
        let read: (Int) async throws -> [[Float]] = { k in
            let b = try BatchFileReader.read(path: batchFiles[k / 2])
            return try variables.map { v in
                guard let t = b.tensor(v.groups[0], v.name) else {
                    throw BioCubeError(.invalidMetadata, "\(batchFiles[k / 2]): no \(v.path) (the first file has it)")
                }
                let half = t.count / 2
                return Array(t.storage[((k % 2) * half)..<((k % 2 + 1) * half)])
            }
        }
        return try await write(
            Source(
                variables: variables,
                steps: Array(0..<(2 * batchFiles.count)),
                windows: windows,
                grid: grid,
                read: read
            ),
            to: path,
            progress: progress
        )
    }

    func write(_ source: Source, to path: String, progress: (Int, Int) -> Void) async throws -> Int {
        let dataDir =
            String(path.dropLast((path as NSString).pathExtension.count + (path.hasSuffix(".") ? 0 : 1))) + "_files"
        try FileIO.createDirectories(dataDir)
        let rows = Array(Swift.stride(from: 0, to: source.grid.height, by: stride))
        let cols = Array(Swift.stride(from: 0, to: source.grid.width, by: stride))
        let lats = rows.map { source.grid.latitude[$0] }
        let lons = cols.map { source.grid.longitude[$0] }
        let steps = source.steps
        let vars = source.variables
        // Pass 1: per variable and level, the range over all steps.
        var lo = vars.map { [Float](repeating: .infinity, count: $0.levels?.count ?? 1) }
        var hi = vars.map { [Float](repeating: -.infinity, count: $0.levels?.count ?? 1) }
        for t in steps {
            let step = try await source.read(t)
            for (v, values) in step.enumerated() {
                let n = lo[v].count
                let plane = values.count / n
                for l in 0..<n {
                    for x in values[(l * plane)..<((l + 1) * plane)] where x.isFinite {
                        lo[v][l] = min(lo[v][l], x)
                        hi[v][l] = max(hi[v][l], x)
                    }
                }
            }
        }
        // Pass 2: quantised step files.
        var bytes = 0
        let fullW = source.grid.width
        for (k, t) in steps.enumerated() {
            let step = try await source.read(t)
            var entries: [String] = []
            for (v, values) in step.enumerated() {
                let n = lo[v].count
                let plane = values.count / n
                var q = [UInt8]()
                q.reserveCapacity(n * rows.count * cols.count)
                for l in 0..<n {
                    let a = lo[v][l]
                    let range = hi[v][l] > a ? hi[v][l] - a : 1
                    for r in rows {
                        for c in cols {
                            let x = values[l * plane + r * fullW + c]
                            q.append(x.isFinite ? UInt8(min(254, max(0, ((x - a) / range * 254).rounded()))) : 255)
                        }
                    }
                }
                entries.append("\"\(vars[v].path)\":\"\(Data(q).base64EncodedString())\"")
            }
            let js = "BioCubeData.step(\(t),{" + entries.joined(separator: ",") + "});\n"
            try FileIO.writeAtomically(dataDir + "/step-\(String(format: "%04d", t)).js", Array(js.utf8))
            bytes += js.utf8.count
            progress(k + 1, steps.count)
        }
        // The manifest and the page.
        func jsonNumbers(_ v: [Double]) -> String { "[" + v.map { String($0) }.joined(separator: ",") + "]" }
        func finite(_ x: Float) -> String { x.isFinite ? String(x) : "null" }
        let windows = source.windows.map { w in
            "{\"steps\":[\(w.steps.0),\(w.steps.1)],\"times\":[\"\(w.times.0.description)\",\"\(w.times.1.description)\"]}"
        }
        let variables = vars.enumerated().map { v, sv in
            "{\"path\":\"\(sv.path)\",\"name\":\"\(sv.name)\",\"groups\":[\(sv.groups.map { "\"\($0.rawValue)\"" }.joined(separator: ","))],"
                + "\"levels\":\(sv.levels.map(jsonNumbers) ?? "null"),\"units\":\"\(sv.units ?? "")\","
                + "\"min\":[\(lo[v].map(finite).joined(separator: ","))],\"max\":[\(hi[v].map(finite).joined(separator: ","))]}"
        }
        let manifest =
            "{\"dataDir\":\"\((dataDir as NSString).lastPathComponent)\",\"latitudes\":\(jsonNumbers(lats)),\"longitudes\":\(jsonNumbers(lons)),"
            + "\"windows\":[\(windows.joined(separator: ","))],\"variables\":[\(variables.joined(separator: ","))]}"
        let page = Self.template.replacingOccurrences(of: "/*MANIFEST*/null", with: manifest)
        try FileIO.writeAtomically(path, Array(page.utf8))
        return bytes + page.utf8.count
    }
}
