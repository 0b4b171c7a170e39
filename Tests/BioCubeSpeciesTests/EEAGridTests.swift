import Testing

@testable import BioCubeSpecies

@Suite struct EEAGridTests {
    @Test func referenceCheckValue() throws {
        let cell = try #require(EEAGridCell(code: "10kmE395N243"))
        #expect(cell.centre.easting == 3_955_000 && cell.centre.northing == 2_435_000)
        let (lon, lat) = cell.centreLongitudeLatitude
        #expect(abs(lon - 5.369) < 0.001 && abs(lat - 44.924) < 0.001, "\(lon), \(lat)")
        #expect(cell.description == "10kmE395N243")
    }

    @Test func projectionCentreAndFalseOrigin() {
        let p = LambertAzimuthalEqualArea.etrs89Europe
        let (e, n) = p.forward(longitude: 10, latitude: 52)
        #expect(abs(e - 4_321_000) < 1e-6 && abs(n - 3_210_000) < 1e-6)
    }

    @Test(arguments: [
        (-25.0, 32.0), (45.0, 72.0), (5.369, 44.924), (-9.1, 38.7), (24.9, 60.2), (37.6, 55.75), (10, 52),
    ])
    func inverseUndoesForward(longitude: Double, latitude: Double) {
        let p = LambertAzimuthalEqualArea.etrs89Europe
        let (e, n) = p.forward(longitude: longitude, latitude: latitude)
        let (lon, lat) = p.inverse(easting: e, northing: n)
        // The authalic-latitude series is exact to about 1e-7° (a centimetre) at the grid's far corners.
        #expect(abs(lon - longitude) < 1e-6 && abs(lat - latitude) < 1e-6, "\(lon - longitude), \(lat - latitude)")
    }

    @Test(arguments: ["", "10km", "10kmN243E395", "xkmE1N2", "10kmE-1N2", "10kmE395N", "E395N243"])
    func malformedCodes(code: String) {
        #expect(EEAGridCell(code: code) == nil)
    }

    @Test func otherCellSizes() throws {
        let one = try #require(EEAGridCell(code: "1kmE3955N2434"))
        #expect(one.size == 1000 && one.centre.easting == 3_955_500)
    }
}
