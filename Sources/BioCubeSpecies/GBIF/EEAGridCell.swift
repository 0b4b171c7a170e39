import BioCubeCore

/// A cell of the EEA reference grid, as GBIF occurrence cubes name it: `10kmE395N243` is
/// the 10 km cell whose lower-left corner lies 3 950 km east and 2 430 km north of the
/// EPSG:3035 origin.
package struct EEAGridCell: Hashable, Sendable, CustomStringConvertible {
    /// Cell size in metres (1 km, 10 km, 100 km, …).
    package let size: Double
    /// Lower-left corner in EPSG:3035 metres.
    package let easting: Double, northing: Double

    /// Parses a cell code such as `10kmE395N243` or `1kmE3955N2434`; nil when malformed.
    package init?(code: String) {
        let s = Substring(code.trimmingCharacters(in: " \t"))
        guard let km = s.range(of: "km"), let eIndex = s.firstIndex(of: "E"), let nIndex = s.firstIndex(of: "N"),
            km.upperBound == eIndex, eIndex < nIndex
        else { return nil }
        let sizeText = s[..<km.lowerBound]
        let eText = s[s.index(after: eIndex)..<nIndex]
        let nText = s[s.index(after: nIndex)...]
        guard let size = Double(sizeText), size > 0, let e = Int(eText), let n = Int(nText), e >= 0, n >= 0 else {
            return nil
        }
        self.size = size * 1000
        easting = Double(e) * self.size
        northing = Double(n) * self.size
    }

    /// The cell centre in EPSG:3035 metres.
    package var centre: (easting: Double, northing: Double) { (easting + size / 2, northing + size / 2) }

    /// The cell centre in WGS84 / ETRS89 degrees (the two agree to well under a metre here).
    package var centreLongitudeLatitude: (longitude: Double, latitude: Double) {
        LambertAzimuthalEqualArea.etrs89Europe.inverse(easting: centre.easting, northing: centre.northing)
    }

    package var description: String {
        let km = size / 1000
        return "\(km == km.rounded() ? String(Int(km)) : String(km))kmE\(Int(easting / size))N\(Int(northing / size))"
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed())
    }
}
