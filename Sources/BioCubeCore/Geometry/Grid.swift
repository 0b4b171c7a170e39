/// A regular latitude/longitude grid: the target lattice every modality is aligned to.
///
/// Either axis may ascend or descend. Cells are addressed `[lat, lon]`, row-major, so a
/// plane of the grid is a contiguous `height × width` buffer.
public struct Grid: Hashable, Sendable, Codable {
    /// The latitude axis (degrees north).
    public var latitude: GridAxis
    /// The longitude axis (degrees east).
    public var longitude: GridAxis

    /// Creates a grid from its two axes.
    public init(latitude: GridAxis, longitude: GridAxis) {
        self.latitude = latitude
        self.longitude = longitude
    }

    /// The monthly BioCube grid: latitude 32 → 72 ascending (161), longitude −25 → 45 (281), 0.25°.
    public static let europe025 = Grid(
        latitude: GridAxis(unchecked: 32, step: 0.25, count: 161),
        longitude: GridAxis(unchecked: -25, step: 0.25, count: 281)
    )

    /// The 6-hourly grid of the older daily pipeline: latitude 72 → 34 descending (153),
    /// longitude −30 → 50 (321), 0.25°.
    public static let europe6Hourly = Grid(
        latitude: GridAxis(unchecked: 72, step: -0.25, count: 153),
        longitude: GridAxis(unchecked: -30, step: 0.25, count: 321)
    )

    /// A global 0.25° grid: latitude −90 → 90 (721), longitude −180 → 179.75 (1440).
    public static let global025 = Grid(
        latitude: GridAxis(unchecked: -90, step: 0.25, count: 721),
        longitude: GridAxis(unchecked: -180, step: 0.25, count: 1440)
    )

    /// Number of latitude rows.
    public var height: Int { latitude.count }
    /// Number of longitude columns.
    public var width: Int { longitude.count }
    /// Number of cells in one plane.
    public var cellCount: Int { height * width }

    /// The grid restricted to the given index ranges.
    public func subgrid(latitudes: Range<Int>, longitudes: Range<Int>) -> Grid {
        Grid(latitude: latitude.slice(latitudes), longitude: longitude.slice(longitudes))
    }

    /// Maps a longitude into this grid's convention (e.g. 350 → −10 for a −25…45 grid); a
    /// longitude off the grid in either convention comes back unchanged up to whole turns.
    public func normalisedLongitude(_ lon: Double) -> Double {
        let bounds = longitude.bounds
        var l = lon
        if l < bounds.lowerBound - longitude.defaultTolerance {
            l += 360 * ((bounds.lowerBound - l) / 360).rounded(.up)
        }
        if l > bounds.upperBound + longitude.defaultTolerance {
            l -= 360 * ((l - bounds.upperBound) / 360).rounded(.up)
        }
        return l
    }

    /// The `(row, column)` of the cell at exactly this coordinate (within a thousandth of a
    /// step), accepting longitudes in `0…360` or `−180…180`; `nil` when off the grid or off the lattice.
    public func cell(latitude lat: Double, longitude lon: Double) -> (row: Int, column: Int)? {
        guard let r = latitude.index(of: lat), let c = longitude.index(of: normalisedLongitude(lon)) else { return nil }
        return (r, c)
    }
}

extension Grid {
    /// The name of the preset this grid equals (`europe025`, `europe6h`, `global025`; what
    /// ``init(named:)`` accepts), or nil for any other grid.
    public var presetName: String? {
        switch self {
        case .europe025: "europe025"
        case .europe6Hourly: "europe6h"
        case .global025: "global025"
        default: nil
        }
    }

    /// The preset's name, else a description of the axes (`lat 40…50 step 0.5, lon …`), for
    /// records and messages.
    public var label: String {
        if let presetName { return presetName }
        func axis(_ a: GridAxis) -> String { "\(a.first)…\(a.last) step \(a.step)" }
        return "lat \(axis(latitude)), lon \(axis(longitude))"
    }

    /// Looks up a grid preset by name: `europe025`, `europe6h` or `global025`.
    public init(named name: String) throws {
        switch name.lowercased() {
        case "europe025", "europe-025", "monthly": self = .europe025
        case "europe6h", "europe-6h", "europe6hourly", "6h": self = .europe6Hourly
        case "global025", "global": self = .global025
        default:
            throw BioCubeError(.invalidArgument, "unknown grid '\(name)' (known: europe025, europe6h, global025)")
        }
    }
}
