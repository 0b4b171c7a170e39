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

    /// Writes the page and its step files; returns the number of bytes written.
    @discardableResult
    public func write(sampler: BatchSampler, to path: String, progress: (Int, Int) -> Void = { _, _ in }) async throws -> Int {
        let dataDir = String(path.dropLast((path as NSString).pathExtension.count + (path.hasSuffix(".") ? 0 : 1))) + "_files"
        try FileIO.createDirectories(dataDir)
        let rows = Array(Swift.stride(from: 0, to: sampler.grid.height, by: stride))
        let cols = Array(Swift.stride(from: 0, to: sampler.grid.width, by: stride))
        let lats = rows.map { sampler.grid.latitude[$0] }, lons = cols.map { sampler.grid.longitude[$0] }
        let steps = Array(sampler.steps)
        let vars = sampler.variables
        // Pass 1: per variable and level, the range over all steps.
        var lo = vars.map { [Float](repeating: .infinity, count: $0.levels?.count ?? 1) }
        var hi = vars.map { [Float](repeating: -.infinity, count: $0.levels?.count ?? 1) }
        for t in steps {
            let step = try await sampler.readStep(t)
            for (v, values) in step.enumerated() {
                let n = lo[v].count, plane = values.count / n
                for l in 0..<n {
                    for x in values[(l * plane)..<((l + 1) * plane)] where x.isFinite { lo[v][l] = min(lo[v][l], x); hi[v][l] = max(hi[v][l], x) }
                }
            }
        }
        // Pass 2: quantised step files.
        var bytes = 0
        let fullW = sampler.grid.width
        for (k, t) in steps.enumerated() {
            let step = try await sampler.readStep(t)
            var entries: [String] = []
            for (v, values) in step.enumerated() {
                let n = lo[v].count, plane = values.count / n
                var q = [UInt8]()
                q.reserveCapacity(n * rows.count * cols.count)
                for l in 0..<n {
                    let a = lo[v][l], range = hi[v][l] > a ? hi[v][l] - a : 1
                    for r in rows { for c in cols {
                        let x = values[l * plane + r * fullW + c]
                        q.append(x.isFinite ? UInt8(min(254, max(0, ((x - a) / range * 254).rounded()))) : 255)
                    } }
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
        let windows = (0..<sampler.count).map { i -> String in
            let (a, b) = sampler.timestamps(ofWindow: i)
            return "{\"steps\":[\(steps[i]),\(steps[i + 1])],\"times\":[\"\(a.description)\",\"\(b.description)\"]}"
        }
        let variables = vars.enumerated().map { v, sv in
            "{\"path\":\"\(sv.path)\",\"name\":\"\(sv.name)\",\"groups\":[\(sv.groups.map { "\"\($0.rawValue)\"" }.joined(separator: ","))],"
                + "\"levels\":\(sv.levels.map(jsonNumbers) ?? "null"),\"units\":\"\(sv.units ?? "")\","
                + "\"min\":[\(lo[v].map(finite).joined(separator: ","))],\"max\":[\(hi[v].map(finite).joined(separator: ","))]}"
        }
        let manifest = "{\"dataDir\":\"\((dataDir as NSString).lastPathComponent)\",\"latitudes\":\(jsonNumbers(lats)),\"longitudes\":\(jsonNumbers(lons)),"
            + "\"windows\":[\(windows.joined(separator: ","))],\"variables\":[\(variables.joined(separator: ","))]}"
        let page = Self.template.replacingOccurrences(of: "/*MANIFEST*/null", with: manifest)
        try FileIO.writeAtomically(path, Array(page.utf8))
        return bytes + page.utf8.count
    }
}
