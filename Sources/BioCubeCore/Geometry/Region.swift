import Foundation

/// A latitude/longitude bounding box, inclusive of its edges: the one box type of BioCube
/// (slicing a store or batches, the area of a CDS or GBIF download).
///
/// Written as text, a region is `NORTH,WEST,SOUTH,EAST`, the order of the Copernicus CDS
/// `area` (for example `72,-25,32,45`), or with named edges in any order
/// (`S=35,N=60,W=-10,E=30`), or by name (`europe`). ``indexRanges(on:)`` maps it to contiguous
/// index ranges of a ``Grid``; longitudes may be given in `0…360` or `−180…180`.
public struct Region: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Southern edge (degrees north).
    public var south: Double
    /// Northern edge (degrees north).
    public var north: Double
    /// Western edge (degrees east).
    public var west: Double
    /// Eastern edge (degrees east).
    public var east: Double

    /// Creates a region; the south edge must not lie north of the north edge, nor the
    /// west edge east of the east edge, and latitudes must lie in −90…90.
    public init(south: Double, north: Double, west: Double, east: Double) throws {
        guard [south, north, west, east].allSatisfy(\.isFinite) else {
            throw BioCubeError(.invalidArgument, "region edges must be finite numbers")
        }
        guard south <= north else {
            throw BioCubeError(.invalidArgument, "region south edge \(south) lies north of its north edge \(north)")
        }
        guard west <= east else {
            throw BioCubeError(.invalidArgument, "region west edge \(west) lies east of its east edge \(east)")
        }
        guard south >= -90, north <= 90 else {
            throw BioCubeError(.invalidArgument, "region latitudes \(south)…\(north) are outside −90…90")
        }
        guard west >= -360, east <= 360, east - west <= 360 else {
            throw BioCubeError(
                .invalidArgument,
                "region longitudes \(west)…\(east) are outside −360…360 or span more than 360°"
            )
        }
        self.south = south
        self.north = north
        self.west = west
        self.east = east
    }

    /// The BioCube Europe grid's extent: 32…72 °N, 25 °W…45 °E (the CDS area `72,-25,32,45`).
    public static let europe = Region(checked: 32, 72, -25, 45)

    private init(checked south: Double, _ north: Double, _ west: Double, _ east: Double) {
        self.south = south
        self.north = north
        self.west = west
        self.east = east
    }

    /// Parses `NORTH,WEST,SOUTH,EAST` (the CDS order, for example `72,-25,32,45`), named
    /// edges in any order (`S=32,N=72,W=-25,E=45`, also `south=…`), or `europe`.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "europe" {
            self = .europe
            return
        }
        let parts = trimmed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let expected =
            "region '\(text)': expected NORTH,WEST,SOUTH,EAST (the CDS order, e.g. 72,-25,32,45), S=…,N=…,W=…,E=… or europe"
        guard parts.count == 4 else { throw BioCubeError(.invalidArgument, expected) }
        if parts.allSatisfy({ $0.contains("=") }) {
            var edges: [Character: Double] = [:]
            for part in parts {
                let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                let name = pair.first?.lowercased() ?? ""
                guard pair.count == 2, ["n", "s", "w", "e", "north", "south", "west", "east"].contains(name),
                    let key = name.first, let value = Double(pair[1]), edges.updateValue(value, forKey: key) == nil
                else {
                    throw BioCubeError(.invalidArgument, expected)
                }
            }
            guard let s = edges["s"], let n = edges["n"], let w = edges["w"], let e = edges["e"] else {
                throw BioCubeError(.invalidArgument, expected)
            }
            try self.init(south: s, north: n, west: w, east: e)
            return
        }
        let numbers = parts.compactMap { Double($0) }
        guard numbers.count == 4 else { throw BioCubeError(.invalidArgument, expected) }
        do {
            try self.init(south: numbers[2], north: numbers[0], west: numbers[1], east: numbers[3])
        } catch let e as BioCubeError {
            throw BioCubeError(e.code, "\(e.message) (read as NORTH,WEST,SOUTH,EAST, the CDS order)", cause: e)
        }
    }

    /// The CDS `area` encoding: `[north, west, south, east]`.
    package var cdsArea: [Double] { [north, west, south, east] }

    /// This region widened by `margin` degrees on every side (latitudes kept within ±90).
    package func widened(by margin: Double) -> Region {
        Region(checked: max(-90, south - margin), min(90, north + margin), west - margin, east + margin)
    }

    /// `N 72, W -25, S 32, E 45` (the CDS order).
    public var description: String { "N \(north), W \(west), S \(south), E \(east)" }

    /// The index ranges of the grid cells inside this region.
    ///
    /// Throws `.invalidArgument` naming the region and the grid's extent when no cell lies inside.
    public func indexRanges(on grid: Grid) throws -> (latitude: Range<Int>, longitude: Range<Int>) {
        try indexRanges(
            latitudes: grid.latitude.values,
            longitudes: grid.longitude.values,
            tolerance: (grid.latitude.defaultTolerance, grid.longitude.defaultTolerance)
        )
    }

    /// The one rule that cuts coordinates to a region (a store's grid as
    /// ``indexRanges(on:)``, a batch's coordinates as `Batch.sliced(to:)`): the cells whose
    /// latitude lies in `south…north` and whose longitude lies in `west…east`, bounds inclusive
    /// within `tolerance`, the region's longitudes first moved into the coordinates' own
    /// convention (a region given as 355…360 cuts a −25…45 axis at −5…0). `latitudes` and
    /// `longitudes` are monotonic, as a grid's or a batch's.
    package func indexRanges(
        latitudes: [Double],
        longitudes: [Double],
        tolerance: (latitude: Double, longitude: Double)
    ) throws -> (latitude: Range<Int>, longitude: Range<Int>) {
        func inside(_ values: [Double], _ lo: Double, _ hi: Double, _ tol: Double) -> Range<Int>? {
            let hits = values.indices.filter { values[$0] >= lo - tol && values[$0] <= hi + tol }
            guard let first = hits.first, let last = hits.last else { return nil }
            return first..<(last + 1)
        }
        func extent(_ values: [Double]) -> String { "\(values.min() ?? .nan)…\(values.max() ?? .nan)" }
        guard let lat = inside(latitudes, south, north, tolerance.latitude) else {
            throw BioCubeError(
                .invalidArgument,
                "region \(self) holds no grid latitude (grid spans \(extent(latitudes)))"
            )
        }
        // The region's west moved into the longitudes' convention, its width kept.
        var w = west
        if let lo = longitudes.min(), let hi = longitudes.max() {
            if w < lo - tolerance.longitude { w += 360 * ((lo - w) / 360).rounded(.up) }
            if w > hi + tolerance.longitude { w -= 360 * ((w - hi) / 360).rounded(.up) }
        }
        guard let lon = inside(longitudes, w, w + (east - west), tolerance.longitude) else {
            throw BioCubeError(
                .invalidArgument,
                "region \(self) holds no grid longitude (grid spans \(extent(longitudes)))"
            )
        }
        return (lat, lon)
    }
}
