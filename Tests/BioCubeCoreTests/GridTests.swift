import Testing

@testable import BioCubeCore

@Suite struct GridTests {
    @Test func europeGridMatchesTheReference() {
        let g = Grid.europe025
        #expect(g.height == 161 && g.width == 281)
        #expect(g.latitude[0] == 32 && g.latitude[160] == 72)
        #expect(g.longitude[0] == -25 && g.longitude[280] == 45)
        #expect(g.latitude.isAscending)
    }

    @Test func sixHourlyGridDescends() {
        let g = Grid.europe6Hourly
        #expect(g.height == 153 && g.width == 321)
        #expect(g.latitude[0] == 72 && g.latitude[152] == 34)
        #expect(!g.latitude.isAscending)
        #expect(g.longitude[0] == -30 && g.longitude[320] == 50)
    }

    @Test(arguments: [(32.0, 0), (32.25, 1), (72.0, 160), (50.0, 72), (50.0002, 72)])
    func latitudeIndexByValue(value: Double, index: Int) {
        #expect(Grid.europe025.latitude.index(of: value) == index)
    }

    @Test(arguments: [31.75, 72.25, 50.1, 50.125, .nan])
    func offLatticeOrOutsideIsNil(value: Double) {
        #expect(Grid.europe025.latitude.index(of: value) == nil)
    }

    @Test func longitudesIn0To360AreAccepted() throws {
        let g = Grid.europe025
        let cell = try #require(g.cell(latitude: 45, longitude: 350))
        #expect(cell.row == 52 && cell.column == 60)  // 350° E = −10°
        #expect(g.cell(latitude: 45, longitude: 5.25)?.column == 121)
        #expect(g.cell(latitude: 45, longitude: 100) == nil)
    }

    @Test func axisFromEnds() throws {
        let a = try GridAxis(from: 72, to: 34, step: 0.25)
        #expect(a.count == 153 && a.step == -0.25 && a.last == 34)
        #expect(throws: BioCubeError.self) { try GridAxis(from: 0, to: 1, step: 0.3) }
        #expect(throws: BioCubeError.self) { try GridAxis(first: 0, step: 0, count: 3) }
        #expect(throws: BioCubeError.self) { try GridAxis(first: 0, step: 1, count: 0) }
    }

    @Test func indexRangeOnDescendingAxis() throws {
        let a = Grid.europe6Hourly.latitude
        #expect(a.indexRange(within: 60, 70) == 8..<49)
        #expect(a.indexRange(within: 70, 60) == 8..<49)
        #expect(a.indexRange(within: 10, 20) == nil)
    }

    @Test func regionMapsToIndexRanges() throws {
        let r = try Region(south: 35, north: 60, west: -10, east: 30)
        let (lat, lon) = try r.indexRanges(on: .europe025)
        #expect(lat == 12..<113)
        #expect(lon == 60..<221)
        let sub = Grid.europe025.subgrid(latitudes: lat, longitudes: lon)
        #expect(sub.latitude.first == 35 && sub.latitude.last == 60)
        #expect(sub.longitude.first == -10 && sub.longitude.last == 30)
    }

    @Test func regionIn0To360Longitudes() throws {
        let r = try Region(south: 40, north: 41, west: 350, east: 355)
        #expect(try r.indexRanges(on: .europe025).longitude == 60..<81)
    }

    @Test func regionBetweenGridPointsOrOutsideIsAnError() throws {
        let outside = try Region(south: 0, north: 10, west: 0, east: 10)
        #expect(throws: BioCubeError.self) { try outside.indexRanges(on: .europe025) }
        let between = try Region(south: 40.05, north: 40.2, west: 0, east: 10)
        let error = #expect(throws: BioCubeError.self) { try between.indexRanges(on: .europe025) }
        #expect(error?.message.contains("no grid latitude") == true)
    }

    // N,W,S,E: south north of north, west east of east, not numbers, three edges, off the
    // globe, a repeated or unknown named edge.
    @Test(arguments: [
        "35,0,60,1", "1,5,0,-5", "a,b,c,d", "1,2,3", "0,0,-95,1", "S=1,S=2,W=0,E=1", "S=1,N=2,X=0,E=1",
        "30,60,0,1e300", "30,-1e300,0,1", "30,-200,0,200", "30,0,0,inf", "nan,0,0,1",
    ])
    func invalidRegionsAreRejected(text: String) {
        let error = #expect(throws: BioCubeError.self) { try Region(parsing: text) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func anyFiniteIntervalMapsToIndicesWithoutTrapping() {
        let axis = Grid.europe025.longitude
        #expect(axis.indexRange(within: 0, 1e300) == axis.indexRange(within: 0, 45))
        #expect(axis.indexRange(within: -1e300, 1e300) == 0..<axis.count)
        #expect(axis.indexRange(within: 1e300, 2e300) == nil)
        #expect(axis.indexRange(within: .nan, 1) == nil)
    }

    /// One order everywhere (`--region`, `--area`): the CDS `[N, W, S, E]`.
    @Test(arguments: ["60, -10, 35, 30", "S=35,N=60,W=-10,E=30", "north=60, east=30, south=35, west=-10"])
    func regionParses(text: String) throws {
        let r = try Region(parsing: text)
        #expect(r == (try Region(south: 35, north: 60, west: -10, east: 30)))
        #expect(r.cdsArea == [60, -10, 35, 30])
        #expect(try Region(parsing: r.cdsArea.map { "\($0)" }.joined(separator: ",")) == r)
    }

    @Test func europeIsTheGridExtent() throws {
        #expect(try Region(parsing: "europe") == .europe)
        let (rows, columns) = try Region.europe.indexRanges(on: .europe025)
        #expect(rows == 0..<Grid.europe025.height && columns == 0..<Grid.europe025.width)
    }

    @Test func gridPresetsByName() throws {
        #expect(try Grid(named: "europe025") == .europe025)
        #expect(try Grid(named: "europe6h") == .europe6Hourly)
        #expect(throws: BioCubeError.self) { try Grid(named: "mars") }
    }
}
