package import BioCubeCore
import BioCubeNetCDF
import Foundation

/// One Copernicus Global Land NDVI product (10-daily, 1 km v3 or 300 m v2 NetCDF) aggregated
/// onto a grid: per cell, the mean NDVI of its valid vegetated pixels and their number.
///
/// A pixel belongs to the cell of its nearest grid point (a 0.25° cell spans ±0.125° around
/// it). It counts when its raw value is within the product's valid range (`valid_range`,
/// else 0…250: the codes above, 251–255, flag clouds, snow, water and missing data) and its
/// NDVI (`raw · scale_factor + add_offset`, 0.004 and −0.08 in these products) is at least
/// the vegetation threshold. The product's month comes from its file name
/// (`c_gls_NDVI300_202007110000_…`).
package struct NDVIProduct {
    let year: Int
    let month: Int
    let day: Int
    /// Per cell (row-major on the grid), the mean NDVI (NaN where no pixel counts).
    package let mean: [Double]
    /// Per cell, the pixels that count.
    package let pixels: [Int32]

    /// The date in a Copernicus Land file name: the 12 digits `YYYYMMDDhhmm` after `NDVI…_`.
    static func date(ofFileName name: String) -> (year: Int, month: Int, day: Int)? {
        let parts = name.split(separator: "_")
        for (i, p) in parts.enumerated() where p.uppercased().hasPrefix("NDVI") && i + 1 < parts.count {
            let d = parts[i + 1]
            guard d.count >= 8, d.allSatisfy(\.isNumber), let y = Int(d.prefix(4)),
                let m = Int(d.dropFirst(4).prefix(2)),
                let day = Int(d.dropFirst(6).prefix(2)), (1...12).contains(m), (1...31).contains(day),
                // A real calendar day (no 31 February).
                (try? UTCDateTime(year: y, month: m, day: day)) != nil
            else { continue }
            return (y, m, day)
        }
        return nil
    }

    /// Reads the product at `path` in strips of rows, keeping only pixels near `grid`.
    package init(path: String, grid: Grid, threshold: Double) throws {
        let name = (path as NSString).lastPathComponent
        guard let date = Self.date(ofFileName: name) else {
            throw BioCubeError(
                .invalidArgument,
                "cannot tell the product's date from its name (expected c_gls_NDVI…_YYYYMMDDhhmm_…)",
                file: path
            )
        }
        (year, month, day) = date
        let file = try NetCDFFile.open(path: path)
        let variables = try file.variables()
        func find(_ names: [String]) -> NetCDFVariable? {
            variables.first { v in names.contains(v.name.lowercased()) }
        }
        guard let ndvi = find(["ndvi"]), let latVar = find(["lat", "latitude"]),
            let lonVar = find(["lon", "longitude"])
        else {
            throw BioCubeError(
                .corruptData,
                "no NDVI, lat and lon variables (is this a Copernicus Land NDVI product?)",
                file: path
            )
        }
        let attrs = try file.attributes(of: ndvi)
        // The products store NDVI as bytes with `scale_factor` and `add_offset`; a float
        // variable without them holds physical values (-1…1); integers without them are
        // refused rather than guessed.
        let scale: Double
        let offset: Double
        var valid: ClosedRange<Double>
        switch (attrs["scale_factor"]?.number, attrs["add_offset"]?.number) {
        case (let sc?, let off?) where sc.isFinite && sc != 0 && off.isFinite:
            (scale, offset, valid) = (sc, off, 0...250)
        case (nil, nil) where !ndvi.type.isInteger:
            (scale, offset, valid) = (1, 0, -1...1)
        default:
            throw BioCubeError(
                .corruptData,
                "NDVI (\(ndvi.type)) lacks a usable scale_factor and add_offset; BioCube does not guess how to read its values",
                variable: "NDVI"
            ).adding(file: path)
        }
        if let given = attrs["valid_range"]?.numbers {
            guard given.count == 2, given[0].isFinite, given[1].isFinite, given[0] <= given[1] else {
                throw BioCubeError(
                    .corruptData,
                    "valid_range \(given) is not [low, high] with low ≤ high",
                    file: path,
                    variable: "NDVI"
                )
            }
            valid = given[0]...given[1]
        }
        let fill = attrs["_FillValue"]?.number
        // Dimensions by name, not by position: (time,) lat, lon.
        let latDim = latVar.dimensions.first ?? latVar.name
        let lonDim = lonVar.dimensions.first ?? lonVar.name
        guard ndvi.dimensions.count >= 2, Array(ndvi.dimensions.suffix(2)) == [latDim, lonDim] else {
            throw BioCubeError(
                .unsupported,
                "NDVI's dimensions are (\(ndvi.dimensions.joined(separator: ", "))); BioCube reads products laid out (time, \(latDim), \(lonDim)) as the service publishes them",
                file: path,
                variable: "NDVI"
            )
        }
        // Axis lengths come from the file's header: bound them before reading (a global 300 m
        // product has about 47 000 × 121 000 pixels).
        for v in [latVar, lonVar] where v.shape.reduce(1, *) > 1_000_000 {
            throw BioCubeError(
                .corruptData,
                "\(v.name) declares \(v.shape.reduce(1, *)) values, more than any NDVI product has",
                file: path,
                variable: v.name
            )
        }
        let lats = try file.readDoubles(latVar)
        let lons = try file.readDoubles(lonVar)
        let spatial = ndvi.shape.suffix(2)
        guard ndvi.shape.count >= 2, ndvi.shape.count <= 3, spatial.first == lats.count, spatial.last == lons.count,
            ndvi.shape.count == 2 || ndvi.shape[0] >= 1
        else {
            throw BioCubeError(
                .corruptData,
                "NDVI has shape \(ndvi.shape), lat \(lats.count) and lon \(lons.count) values",
                file: path
            )
        }
        // Pixel row/column → grid row/column (-1: not near the grid).
        func cells(_ values: [Double], _ axis: GridAxis, longitude: Bool) -> [Int32] {
            values.map { v in
                let x = longitude ? grid.normalisedLongitude(v) : v
                return axis.index(of: x, tolerance: abs(axis.step) / 2).map(Int32.init) ?? -1
            }
        }
        let rowCell = cells(lats, grid.latitude, longitude: false)
        let colCell = cells(lons, grid.longitude, longitude: true)
        guard let firstRow = rowCell.firstIndex(where: { $0 >= 0 }),
            let lastRow = rowCell.lastIndex(where: { $0 >= 0 }),
            let firstCol = colCell.firstIndex(where: { $0 >= 0 }), let lastCol = colCell.lastIndex(where: { $0 >= 0 })
        else {
            throw BioCubeError(.invalidArgument, "the product does not overlap the grid", file: path)
        }
        var sum = [Double](repeating: 0, count: grid.cellCount)
        var count = [Int32](repeating: 0, count: grid.cellCount)
        let width = lastCol - firstCol + 1
        let strip = max(1, min(lastRow - firstRow + 1, (16 << 20) / max(1, width)))
        var buffer = [Float](repeating: 0, count: strip * width)
        var r0 = firstRow
        while r0 <= lastRow {
            let n = min(strip, lastRow - r0 + 1)
            let start = (ndvi.shape.count == 3 ? [0] : []) + [r0, firstCol]
            let extent = (ndvi.shape.count == 3 ? [1] : []) + [n, width]
            try buffer.withUnsafeMutableBufferPointer { b in
                try file.readFloats(
                    ndvi,
                    start: start,
                    count: extent,
                    into: UnsafeMutableBufferPointer(rebasing: b[0..<(n * width)])
                )
            }
            buffer.withUnsafeBufferPointer { b in
                for i in 0..<n {
                    let gr = Int(rowCell[r0 + i])
                    guard gr >= 0 else { continue }
                    let rowBase = gr * grid.width
                    for j in 0..<width {
                        let gc = Int(colCell[firstCol + j])
                        guard gc >= 0 else { continue }
                        let raw = Double(b[i * width + j])
                        guard valid.contains(raw), raw != fill else { continue }
                        let v = raw * scale + offset
                        guard v >= threshold else { continue }
                        sum[rowBase + gc] += v
                        count[rowBase + gc] += 1
                    }
                }
            }
            r0 += n
        }
        mean = zip(sum, count).map { $1 > 0 ? $0 / Double($1) : .nan }
        pixels = count
    }
}
