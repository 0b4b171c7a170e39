public import BioCubeCore
import Foundation

/// Copernicus Global Land NDVI products (10-daily, 1 km v3 or 300 m v2 NetCDF) → the monthly
/// 0.25° NDVI table in the published layout (`Country, Latitude, Longitude, NDVI_MM/YYYY…`,
/// `Land/Europe_ndvi_monthly_un_025.csv`), restricted to grid points inside the country
/// outlines.
///
/// Each cell's value is the mean of **every** valid vegetated pixel whose nearest grid point
/// it is (rules in the product reader: valid raw range, flags excluded, NDVI at or above the
/// vegetation threshold, 0.2 by default), written with four decimals; the number of pixels
/// goes to a companion table beside it (`…_pixels.tsv`, same rows and columns). The
/// original tooling instead took the one pixel nearest each 0.1° sample point, so a cell's
/// value rested on a handful of pixels (`Documentation/Sources.md` measures the difference).
///
/// An existing table is extended (`append`): its rows and months are kept byte for byte,
/// months it already has are not redone (reported), new months are appended as columns and
/// new cells as rows; the table and its companion are written atomically.
///
/// ```swift
/// let ingest = NDVIIngest(polygons: try .naturalEarth())
/// let summary = try ingest.write(products: paths, to: "Land/Europe_ndvi_monthly_un_025.csv", append: true)
/// ```
public struct NDVIIngest: Sendable {
    /// What a run did.
    public struct Summary: Sendable {
        /// Months added (`07/2020`, …), in order.
        public var added: [String] = []
        /// Months the table already had, left as they were.
        public var kept: [String] = []
        /// Cells with a value in the added months.
        public var cells = 0
        /// Pixels averaged in the added months.
        public var pixels = 0
    }

    let polygons: CountryPolygons
    let grid: Grid
    let threshold: Double

    /// An ingest onto `grid` inside `polygons`, counting pixels whose NDVI is at least
    /// `vegetationThreshold`.
    public init(polygons: CountryPolygons, grid: Grid = .europe025, vegetationThreshold: Double = 0.2) {
        self.polygons = polygons
        self.grid = grid
        self.threshold = vegetationThreshold
    }

    /// Aggregates `products` (one per month; a second product of a month is an error) and
    /// writes or extends the table at `path` and its companion. Without `append` an existing
    /// table is refused.
    public func write(products: [String], to path: String, append: Bool) throws -> Summary {
        if FileIO.exists(path) && !append {
            throw BioCubeError(.alreadyExists, "the table exists; extend it with --append", file: path)
        }
        let countsPath = Self.companionPath(of: path)
        var table = try CellTable(path: path, separator: ",", grid: grid)
        var counts = try CellTable(path: countsPath, separator: "\t", grid: grid)
        var summary = Summary()
        // Country of each grid point: the first outline (in file order) that holds it.
        var country = [String?](repeating: nil, count: grid.cellCount)
        for c in polygons.countries {
            for p in polygons.gridPoints(of: c, on: grid) where country[p.row * grid.width + p.column] == nil {
                country[p.row * grid.width + p.column] = c.name
            }
        }
        var seen: [String: String] = [:]
        let dated = try products.map { p -> (String, String) in
            guard let d = NDVIProduct.date(ofFileName: (p as NSString).lastPathComponent) else {
                throw BioCubeError(.invalidArgument, "cannot tell the product's date from its name", file: p)
            }
            let column = "NDVI_" + (d.month < 10 ? "0" : "") + "\(d.month)/\(d.year)"
            if let other = seen[column] {
                throw BioCubeError(
                    .invalidArgument,
                    "\(other) and this file are both for \(column.dropFirst(5)); give one product per month",
                    file: p
                )
            }
            seen[column] = p
            return (p, column)
        }.sorted { a, b in
            let x = a.1.dropFirst(5).split(separator: "/")
            let y = b.1.dropFirst(5).split(separator: "/")
            return (x[1], x[0]) < (y[1], y[0])
        }
        for (path, column) in dated {
            let month = String(column.dropFirst(5))
            if table.header.contains(column) {
                summary.kept.append(month)
                continue
            }
            // The companion must follow the table: a month it has and the table lacks means
            // the two were not written together (one restored, one not).
            guard !counts.header.contains(column) else {
                throw BioCubeError(
                    .corruptData,
                    "the pixel counts already have \(column) but the table does not: the two disagree; restore them together or remove the counts file",
                    file: countsPath
                )
            }
            let product = try NDVIProduct(path: path, grid: grid, threshold: threshold)
            var values: [Int: (country: String, text: String)] = [:]
            var pixels: [Int: (country: String, text: String)] = [:]
            for k in 0..<grid.cellCount where product.pixels[k] > 0 {
                guard let name = country[k] else { continue }
                values[k] = (name, String(format: "%.4f", product.mean[k]))
                pixels[k] = (name, "\(product.pixels[k])")
                summary.pixels += Int(product.pixels[k])
            }
            summary.cells += values.count
            table.addColumn(column, values: values)
            counts.addColumn(column, values: pixels)
            summary.added.append(month)
        }
        if !summary.added.isEmpty {
            try table.write()
            try counts.write()
        }
        return summary
    }

    /// The companion table of pixel counts: `…/Europe_ndvi_monthly_un_025_pixels.tsv`.
    static func companionPath(of path: String) -> String {
        let ns = path as NSString
        return ns.deletingPathExtension + "_pixels.tsv"
    }
}
