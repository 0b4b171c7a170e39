import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeIndicators

@Suite struct IngestTests {
    /// Three synthetic countries: two boxes side by side, and a box with a hole.
    static let geoJSON = """
        {"type":"FeatureCollection","features":[
         {"type":"Feature","properties":{"name":"Aland","iso_a3":"AAA"},"geometry":{"type":"Polygon","coordinates":[[[4.9,44.9],[6.1,44.9],[6.1,46.1],[4.9,46.1],[4.9,44.9]]]}},
         {"type":"Feature","properties":{"name":"Bland","iso_a3":"BBB"},"geometry":{"type":"Polygon","coordinates":[[[6.1,44.9],[7.1,44.9],[7.1,46.1],[6.1,46.1],[6.1,44.9]]]}},
         {"type":"Feature","properties":{"name":"Russia","iso_a3":"-99"},"geometry":{"type":"MultiPolygon","coordinates":[[[[9.9,49.9],[12.1,49.9],[12.1,52.1],[9.9,52.1],[9.9,49.9]],[[10.6,50.6],[11.4,50.6],[11.4,51.4],[10.6,51.4],[10.6,50.6]]]]}}
        ]}
        """

    func polygons() throws -> CountryPolygons {
        try CountryPolygons(geoJSON: Data(Self.geoJSON.utf8), source: "synthetic")
    }

    @Test func gridPointsInsideSyntheticCountries() throws {
        let p = try polygons()
        let a = p.gridPoints(of: try #require(p.country(code: "AAA", name: nil)), on: .europe025)
        #expect(a.count == 25)  // 45.0…46.0 × 5.0…6.0
        #expect(Set(a.map { Grid.europe025.latitude[$0.row] }) == [45, 45.25, 45.5, 45.75, 46])
        let b = p.gridPoints(of: try #require(p.country(code: "BBB", name: nil)), on: .europe025)
        #expect(b.count == 20)  // 6.25…7.0
        let holed = try #require(p.country(code: nil, name: "Russian Federation"))  // alias, no code
        let h = p.gridPoints(of: holed, on: .europe025)
        #expect(h.count == 81 - 9)  // 9 × 9 box minus the 3 × 3 hole (50.75…51.25 × 10.75…11.25)
        #expect(!h.contains { Grid.europe025.latitude[$0.row] == 51 && Grid.europe025.longitude[$0.column] == 11 })
    }

    @Test func worldBankDownloadBecomesAYearColumnsCSV() throws {
        let tmp = TemporaryDirectory("ingest")
        let dir = tmp.path
        let api = """
            "Data Source","World Development Indicators",

            "Last Updated Date","2024-06-28",

            "Country Name","Country Code","Indicator Name","Indicator Code","1999","2000","2001",
            "Aland","AAA","Forest area (% of land area)","AG.LND.FRST.ZS","10.5","11","",
            "Bland","BBB","Forest area (% of land area)","AG.LND.FRST.ZS","","20.25","21",
            "European Union","EUU","Forest area (% of land area)","AG.LND.FRST.ZS","30","31","32",
            """
        try api.write(toFile: dir + "/API_AG.LND.FRST.ZS.csv", atomically: true, encoding: .utf8)
        let series = try NationalSeries.worldBank(path: dir + "/API_AG.LND.FRST.ZS.csv")
        #expect(series.indicator == "Forest area (% of land area)")
        #expect(series.years == [1999, 2000, 2001])
        let problems = ProblemLog()
        let ingest = IndicatorIngest(polygons: try polygons(), problems: problems)
        let n = try ingest.writeYearColumns(
            series,
            variable: "Forest",
            source: "API",
            to: dir + "/Europe_forest_data.csv"
        )
        #expect(n == 45)
        #expect(problems.problems.contains { $0.code == .unmatchedNames && $0.message.contains("European Union") })
        // Read it back as BioCube does and check every cell.
        let modality = try IndicatorModality(paths: [dir + "/Europe_forest_data.csv"])
        let forest = try #require(try modality.variables().first)
        let y2000 = try modality.read(forest, at: UTCDateTime(parsing: "2000-05"), onto: .europe025)
        let y2001 = try modality.read(forest, at: UTCDateTime(parsing: "2001-05"), onto: .europe025)
        let g = Grid.europe025
        let aCell = try #require(g.cell(latitude: 45.5, longitude: 5.5))
        let bCell = try #require(g.cell(latitude: 45.5, longitude: 6.5))
        #expect(y2000[aCell.row, aCell.column] == 11 && y2000[bCell.row, bCell.column] == 20.25)
        #expect(y2001[aCell.row, aCell.column].isNaN && y2001[bCell.row, bCell.column] == 21)
        #expect(y2000.storage.filter { !$0.isNaN }.count == 45)
    }

    @Test func redListAndCombinedAgriculture() throws {
        let tmp = TemporaryDirectory("ingest")
        let dir = tmp.path
        try
            "Entity,Code,Year,15.5.1 - Red List Index - ER_RSK_LST\nAland,AAA,2000,0.91\nAland,AAA,2001,0.9\nBland,BBB,2001,0.8\nWorld,OWID_WRL,2001,0.7\n"
            .write(toFile: dir + "/rli.csv", atomically: true, encoding: .utf8)
        let rli = try NationalSeries.redList(path: dir + "/rli.csv")
        let ingest = IndicatorIngest(polygons: try polygons())
        _ = try ingest.writeYearColumns(rli, variable: "RLI", source: "rli.csv", to: dir + "/Europe_red_list_index.csv")
        let table = try IndicatorTable(path: dir + "/Europe_red_list_index.csv")
        #expect(table.variables == ["RLI"] && table.columns.map(\.year) == [2000, 2001])
        let n = try ingest.writeVariableColumn([("Arable", rli, "a"), ("Cropland", rli, "b")], to: dir + "/agri.csv")
        #expect(n == 90)
        let agri = try IndicatorTable(path: dir + "/agri.csv")
        #expect(agri.layout == .variableColumn && agri.variables == ["Arable", "Cropland"])
    }

    /// Downloads that would trap or write `inf`: a header-only World Bank file, a year of
    /// twenty digits, a value beyond float32 — each a clear error naming the file.
    @Test(arguments: [
        ("API_x.csv", "\"Data Source\",\"WDI\",\n\n\"Country Name\"\n", true),
        (
            "API_y.csv",
            "\"Country Name\",\"Country Code\",\"Indicator Name\",\"Indicator Code\",\"2000\",\nA,AAA,F,F.1,1e39,\n",
            true
        ),
        ("rli.csv", "Entity,Code,Year,RLI\nAland,AAA,99999999999999999999,0.9\n", false),
        ("rli2.csv", "Entity,Code,Year,RLI\nAland,AAA,2000.5,0.9\n", false),
        ("rli3.csv", "Entity,Code,Year,RLI\nAland,AAA,2000,-1e40\n", false),
    ])
    func hostileDownloadsAreClearErrors(name: String, text: String, worldBank: Bool) throws {
        let tmp = TemporaryDirectory("ingest-bad")
        let path = tmp.file(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: BioCubeError.self) {
            _ = try worldBank ? NationalSeries.worldBank(path: path) : NationalSeries.redList(path: path)
        }
        #expect(error.map { "\($0)".contains(path) } == true, "\(String(describing: error))")
    }

    @Test func naturalEarthCountriesHavePlausibleGridPoints() throws {
        let ne = try CountryPolygons.naturalEarth()
        #expect(ne.countries.count == 177)
        // ≈ 2 590 km² over ≈ 500 km² per 0.25° point at 50° N.
        let lux = ne.gridPoints(of: try #require(ne.country(code: "LUX", name: nil)), on: .europe025).count
        #expect((2...12).contains(lux), "Luxembourg: \(lux) grid points")
        let cyprus = ne.gridPoints(of: try #require(ne.country(code: "CYP", name: nil)), on: .europe025).count
        // Natural Earth keeps "N. Cyprus" apart: the Republic's ≈ 5 900 km² over ≈ 560 km² per point.
        #expect((6...25).contains(cyprus), "Cyprus: \(cyprus) grid points")
        #expect(ne.country(code: nil, name: "Czech Republic")?.code == "CZE")
        #expect(ne.country(code: nil, name: "Slovak Republic")?.code == "SVK")
        #expect(ne.country(code: "FRA", name: nil)?.name == "France")
    }
}
