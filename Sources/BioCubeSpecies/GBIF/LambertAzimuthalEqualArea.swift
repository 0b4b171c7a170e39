import Foundation

/// The Lambert azimuthal equal-area projection on an ellipsoid (Snyder, "Map Projections —
/// A Working Manual", 1987, §24), for EPSG:3035 (ETRS89-extended / LAEA Europe): the
/// projection of the EEA reference grid that GBIF occurrence cubes use.
package struct LambertAzimuthalEqualArea: Sendable {
    /// Semi-major axis (m) and flattening of the ellipsoid.
    package let a: Double, f: Double
    /// Latitude and longitude of the projection centre (degrees).
    package let latitudeOfOrigin: Double, centralMeridian: Double
    /// False easting and northing (m).
    package let falseEasting: Double, falseNorthing: Double

    private let e: Double, e2: Double, qp: Double, beta1: Double, rq: Double, d: Double

    /// EPSG:3035: GRS80, centre 52° N 10° E, false easting 4 321 000 m, false northing 3 210 000 m.
    package static let etrs89Europe = LambertAzimuthalEqualArea(
        a: 6_378_137,
        f: 1 / 298.257222101,
        latitudeOfOrigin: 52,
        centralMeridian: 10,
        falseEasting: 4_321_000,
        falseNorthing: 3_210_000
    )

    /// Creates a projection.
    package init(
        a: Double,
        f: Double,
        latitudeOfOrigin: Double,
        centralMeridian: Double,
        falseEasting: Double,
        falseNorthing: Double
    ) {
        self.a = a
        self.f = f
        self.latitudeOfOrigin = latitudeOfOrigin
        self.centralMeridian = centralMeridian
        self.falseEasting = falseEasting
        self.falseNorthing = falseNorthing
        let ecc2 = 2 * f - f * f
        let ecc = ecc2.squareRoot()
        func authalicQ(_ phi: Double) -> Double {
            let s = sin(phi)
            return (1 - ecc2) * (s / (1 - ecc2 * s * s) - 1 / (2 * ecc) * log((1 - ecc * s) / (1 + ecc * s)))
        }
        let phi1 = latitudeOfOrigin * .pi / 180
        let qPole = authalicQ(.pi / 2)
        let b1 = asin(authalicQ(phi1) / qPole)
        let radius = a * (qPole / 2).squareRoot()
        let m1 = cos(phi1) / (1 - ecc2 * sin(phi1) * sin(phi1)).squareRoot()
        e2 = ecc2
        e = ecc
        qp = qPole
        beta1 = b1
        rq = radius
        d = a * m1 / (radius * cos(b1))
    }

    private func q(_ phi: Double) -> Double {
        let s = sin(phi)
        return (1 - e2) * (s / (1 - e2 * s * s) - 1 / (2 * e) * log((1 - e * s) / (1 + e * s)))
    }

    /// Projects (longitude, latitude) in degrees to (easting, northing) in metres.
    package func forward(longitude: Double, latitude: Double) -> (easting: Double, northing: Double) {
        let phi = latitude * .pi / 180
        let lambda = (longitude - centralMeridian) * .pi / 180
        let beta = asin(q(phi) / qp)
        let b = rq * (2 / (1 + sin(beta1) * sin(beta) + cos(beta1) * cos(beta) * cos(lambda))).squareRoot()
        let x = b * d * cos(beta) * sin(lambda)
        let y = (b / d) * (cos(beta1) * sin(beta) - sin(beta1) * cos(beta) * cos(lambda))
        return (x + falseEasting, y + falseNorthing)
    }

    /// Inverts the projection: (easting, northing) in metres to (longitude, latitude) in degrees.
    package func inverse(easting: Double, northing: Double) -> (longitude: Double, latitude: Double) {
        let x = easting - falseEasting
        let y = northing - falseNorthing
        let rho = ((x / d) * (x / d) + (d * y) * (d * y)).squareRoot()
        guard rho > 1e-9 else { return (centralMeridian, latitudeOfOrigin) }
        let ce = 2 * asin(min(1, rho / (2 * rq)))
        let qValue = qp * (cos(ce) * sin(beta1) + d * y * sin(ce) * cos(beta1) / rho)
        let beta = asin(max(-1, min(1, qValue / qp)))
        let e4 = e2 * e2
        let e6 = e4 * e2
        let phi =
            beta + (e2 / 3 + 31 * e4 / 180 + 517 * e6 / 5040) * sin(2 * beta)
            + (23 * e4 / 360 + 251 * e6 / 3780) * sin(4 * beta) + (761 * e6 / 45_360) * sin(6 * beta)
        let lambda = atan2(x * sin(ce), d * rho * cos(beta1) * cos(ce) - d * d * y * sin(beta1) * sin(ce))
        return (centralMeridian + lambda * 180 / .pi, phi * 180 / .pi)
    }
}
