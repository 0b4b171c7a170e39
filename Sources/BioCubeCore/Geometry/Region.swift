import Foundation

/// A latitude/longitude bounding box, inclusive of its edges.
///
/// A region maps to contiguous index ranges of a ``Grid`` with ``indexRanges(on:)``;
/// longitudes may be given in `0…360` or `−180…180`.
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
        self.south = south; self.north = north; self.west = west; self.east = east
    }

    /// Parses `"S,N,W,E"` (for example `"35,60,-10,30"`).
    public init(parsing text: String) throws {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, let s = parts[0], let n = parts[1], let w = parts[2], let e = parts[3] else {
            throw BioCubeError(.invalidArgument, "region '\(text)' is not four numbers SOUTH,NORTH,WEST,EAST")
        }
        try self.init(south: s, north: n, west: w, east: e)
    }

    public var description: String { "lat \(south)…\(north), lon \(west)…\(east)" }

    /// The index ranges of the grid cells inside this region.
    ///
    /// Throws `.invalidArgument` naming the region and the grid's extent when no cell lies inside.
    public func indexRanges(on grid: Grid) throws -> (latitude: Range<Int>, longitude: Range<Int>) {
        let w = grid.normalisedLongitude(west)
        let e = w + (east - west)
        guard let lat = grid.latitude.indexRange(within: south, north) else {
            throw BioCubeError(.invalidArgument, "region \(self) holds no grid latitude (grid spans \(grid.latitude.bounds.lowerBound)…\(grid.latitude.bounds.upperBound))")
        }
        guard let lon = grid.longitude.indexRange(within: w, e) else {
            throw BioCubeError(.invalidArgument, "region \(self) holds no grid longitude (grid spans \(grid.longitude.bounds.lowerBound)…\(grid.longitude.bounds.upperBound))")
        }
        return (lat, lon)
    }
}
