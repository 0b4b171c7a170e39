public import BioCubeBatch
public import BioCubeCore
import Foundation

/// Renders one variable (and level) of a batch as a map image: the two time steps side by
/// side (north up) with a shared viridis colour bar, NaN cells in a distinct light grey,
/// latitude/longitude ticks every 10°, a title with variable, level, units and timestamps,
/// and coastlines traced from the land–sea mask (`surface_variables/lsm`) when the batch has it.
public struct MapRenderer: Sendable {
    /// Pixels per grid cell.
    public var scale: Int = 3
    /// The colour of cells without a value.
    package static let missingColor: (UInt8, UInt8, UInt8) = (205, 205, 205)
    /// The colour map.
    package var colormap: Colormap = .viridis

    /// A renderer.
    public init(scale: Int = 3) { self.scale = max(1, scale) }

    /// The largest image side and pixel count `render` makes.
    static let maxSide = 32_768, maxPixels = 100_000_000

    /// Layout constants (pixels).
    static let left = 44, top = 34, gap = 24, barHeight = 14, bottom = 70, right = 16

    /// Where cell (`row`, `column`) of panel `step` (0 or 1) is drawn: its top-left pixel.
    /// Rows are in the batch's latitude order; the image puts the northernmost row on top.
    package func pixel(row: Int, column: Int, step: Int, latitudes: [Double], width: Int) -> (x: Int, y: Int) {
        let height = latitudes.count
        let ascending = (latitudes.last ?? 0) > (latitudes.first ?? 0)
        let imageRow = ascending ? height - 1 - row : row
        return (Self.left + step * (width * scale + Self.gap) + column * scale, Self.top + imageRow * scale)
    }

    /// Renders `group/variable` (at `level`, hPa, for level variables).
    public func render(
        _ batch: Batch,
        group: VariableGroup,
        variable: String,
        level: Double? = nil,
        units: String? = nil
    ) throws -> RGBImage {
        guard let t = batch.tensor(group, variable) else {
            throw BioCubeError(
                .notFound,
                "the batch has no \(group.rawValue)/\(variable) (variables: \(batch[group].map(\.name).joined(separator: ", ")))"
            )
        }
        let lats = batch.metadata.latitudes
        let lons = batch.metadata.longitudes
        let h = lats.count
        let w = lons.count
        let plane = h * w
        var levelIndex = 0
        var levelText = ""
        if t.shape.count == 4 {
            let levels = batch.metadata.pressureLevels ?? []
            let wanted = level ?? levels.first ?? 0
            guard let i = levels.firstIndex(where: { abs($0 - wanted) < 1e-6 }) else {
                throw BioCubeError(
                    .invalidArgument,
                    "\(variable) has no level \(wanted) hPa (levels: \(levels.map { "\(Int($0))" }.joined(separator: ", ")))"
                )
            }
            levelIndex = i
            levelText = " \(Int(levels[i])) HPA"
        }
        let levelsCount = t.shape.count == 4 ? t.shape[1] : 1
        func value(_ s: Int, _ cell: Int) -> Float { t.storage[(s * levelsCount + levelIndex) * plane + cell] }
        var lo = Float.infinity
        var hi = -Float.infinity
        for s in 0..<2 {
            for c in 0..<plane {
                let v = value(s, c)
                if v.isFinite {
                    lo = min(lo, v)
                    hi = max(hi, v)
                }
            }
        }
        let range = hi > lo ? Double(hi - lo) : 1

        // The image size is checked before anything is allocated (a scale from the command
        // line can be anything).
        let (panelW, o1) = w.multipliedReportingOverflow(by: scale)
        let (panelH, o2) = h.multipliedReportingOverflow(by: scale)
        guard !o1, !o2, panelW <= Self.maxSide, panelH <= Self.maxSide,
            (2 * panelW + Self.left + Self.gap + Self.right) * (panelH + Self.top + Self.bottom) <= Self.maxPixels
        else {
            throw BioCubeError(
                .invalidArgument,
                "scale \(scale) makes a \(w)×\(h) map too large an image (at most \(Self.maxPixels / 1_000_000) million pixels): use a smaller scale"
            )
        }
        var image = RGBImage(
            width: Self.left + 2 * panelW + Self.gap + Self.right,
            height: Self.top + panelH + Self.bottom
        )
        let stamps = batch.metadata.timestampStrings
        image.text(
            "\(variable)\(levelText)\(units.map { " [\($0)]" } ?? "")  \(stamps.first ?? "") / \(stamps.last ?? "")",
            x: Self.left,
            y: 8,
            scale: 2
        )
        for s in 0..<2 {
            for r in 0..<h {
                for c in 0..<w {
                    let v = value(s, r * w + c)
                    let color = v.isFinite ? colormap.rgb(Double(v - lo) / range) : Self.missingColor
                    let p = pixel(row: r, column: c, step: s, latitudes: lats, width: w)
                    image.fill(x: p.x, y: p.y, w: scale, h: scale, color)
                }
            }
            // Coastlines: cell edges where the land-sea mask crosses 0.5.
            if let lsm = batch.tensor(.surface, "lsm"), scale >= 2 {
                for r in 0..<h {
                    for c in 0..<w {
                        let land = lsm.storage[s * plane + r * w + c] >= 0.5
                        let p = pixel(row: r, column: c, step: s, latitudes: lats, width: w)
                        if c + 1 < w, (lsm.storage[s * plane + r * w + c + 1] >= 0.5) != land {
                            image.fill(x: p.x + scale - 1, y: p.y, w: 1, h: scale, (0, 0, 0))
                        }
                        if r + 1 < h, (lsm.storage[s * plane + (r + 1) * w + c] >= 0.5) != land {
                            let q = pixel(row: r + 1, column: c, step: s, latitudes: lats, width: w)
                            image.fill(x: p.x, y: max(p.y, q.y), w: scale, h: 1, (0, 0, 0))
                        }
                    }
                }
            }
            // Frame and ticks every 10 degrees.
            let x0 = Self.left + s * (panelW + Self.gap)
            image.fill(x: x0 - 1, y: Self.top - 1, w: panelW + 2, h: 1, (0, 0, 0))
            image.fill(x: x0 - 1, y: Self.top + panelH, w: panelW + 2, h: 1, (0, 0, 0))
            image.fill(x: x0 - 1, y: Self.top - 1, w: 1, h: panelH + 2, (0, 0, 0))
            image.fill(x: x0 + panelW, y: Self.top - 1, w: 1, h: panelH + 2, (0, 0, 0))
            for (c, lon) in lons.enumerated() where lon.remainder(dividingBy: 10) == 0 {
                let p = pixel(row: 0, column: c, step: s, latitudes: lats, width: w)
                image.fill(x: p.x + scale / 2, y: Self.top + panelH, w: 1, h: 4, (0, 0, 0))
                let label = "\(Int(lon))"
                image.text(label, x: p.x + scale / 2 - RGBImage.textWidth(label) / 2, y: Self.top + panelH + 6)
            }
            if s == 0 {
                for (r, lat) in lats.enumerated() where lat.remainder(dividingBy: 10) == 0 {
                    let p = pixel(row: r, column: 0, step: 0, latitudes: lats, width: w)
                    image.fill(x: Self.left - 5, y: p.y + scale / 2, w: 4, h: 1, (0, 0, 0))
                    let label = "\(Int(lat))"
                    image.text(label, x: Self.left - 7 - RGBImage.textWidth(label), y: p.y + scale / 2 - 3)
                }
            }
        }
        // Shared colour bar with its range, and the NaN swatch.
        let barY = Self.top + panelH + 22
        let barW = max(1, 2 * panelW + Self.gap - 120)  // small maps: a short bar
        for x in 0..<barW {
            image.fill(
                x: Self.left + x,
                y: barY,
                w: 1,
                h: Self.barHeight,
                colormap.rgb(Double(x) / Double(max(1, barW - 1)))
            )
        }
        let loText = lo.isFinite ? String(format: "%.4g", lo) : "NO VALUES"
        let hiText = hi.isFinite ? String(format: "%.4g", hi) : ""
        image.text(loText, x: Self.left, y: barY + Self.barHeight + 4)
        image.text(hiText, x: Self.left + barW - RGBImage.textWidth(hiText), y: barY + Self.barHeight + 4)
        image.fill(x: Self.left + barW + 20, y: barY, w: 20, h: Self.barHeight, Self.missingColor)
        image.text("NAN", x: Self.left + barW + 46, y: barY + 4)
        return image
    }
}
