import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeIndicators

@Suite("NDVI products: names, manifests, tables")
struct NDVITests {
    @Test(arguments: [
        ("c_gls_NDVI300_202007110000_GLOBE_OLCI_V2.0.1.nc", 2020, 7, 11),
        ("c_gls_NDVI_201906210000_GLOBE_PROBAV_V3.0.1.nc", 2019, 6, 21),
    ])
    func productDatesComeFromTheirNames(name: String, year: Int, month: Int, day: Int) throws {
        let d = try #require(NDVIProduct.date(ofFileName: name))
        #expect(d.year == year && d.month == month && d.day == day)
    }

    @Test(arguments: ["ndvi.nc", "c_gls_NDVI300_2020_GLOBE.nc", "c_gls_NDVI300_202013110000_X.nc"])
    func namesWithoutADateAreRefused(name: String) {
        #expect(NDVIProduct.date(ofFileName: name) == nil)
    }

    @Test func theManifestGivesOneProductPerMonthForTheDekad() throws {
        let lines = ["20200601", "20200611", "20200621", "20200711", "20200811", "20201211", "20210111"].map {
            "https://host/ndvi/\($0.prefix(4))/\($0)/c_gls_NDVI300_\($0)0000_GLOBE_OLCI_V2.0.1.nc"
        }
        let manifest = (["# comment", ""] + lines + ["not a url at all"]).joined(separator: "\n")
        let picked = NDVIDownload.select(
            manifest: manifest,
            from: try UTCDateTime(year: 2020, month: 6),
            through: try UTCDateTime(year: 2020, month: 12),
            dekad: 11
        )
        #expect(
            picked.map { $0.lastPathComponent.split(separator: "_")[3].prefix(8) } == [
                "20200611", "20200711", "20200811", "20201211",
            ]
        )
        let first = NDVIDownload.select(
            manifest: manifest,
            from: try UTCDateTime(year: 2020, month: 6),
            through: try UTCDateTime(year: 2020, month: 6),
            dekad: 1
        )
        #expect(first.count == 1 && first[0].absoluteString.contains("20200601"))
    }

    /// The manifests the service's bulk-download guide lists; of two versions of one date the
    /// newest wins, wherever the manifest lists it.
    @Test func theDefaultManifestsAreTheCurrentOnesAndTheNewestVersionWins() throws {
        for p in NDVIDownload.Product.allCases {
            #expect(p.manifest.host == "globalland.vito.be" && p.manifest.path.hasPrefix("/download/manifest/"))
            #expect(p.manifest.lastPathComponent.hasSuffix("_latest.txt"))
        }
        let manifest = [
            "https://h/p/c_gls_NDVI300_202007110000_GLOBE_OLCI_V2.0.2.nc",
            "https://h/p/c_gls_NDVI300_202007110000_GLOBE_OLCI_V2.0.1.nc",
            "https://h/p/c_gls_NDVI300_202008110000_GLOBE_OLCI_V2.0.1.nc",
            "https://h/p/c_gls_NDVI300_202008110000_GLOBE_OLCI_V2.0.10.nc",
            "https://h/p/c_gls_NDVI300_202008110000_GLOBE_OLCI_V2.0.9.nc",
        ].joined(separator: "\n")
        let picked = NDVIDownload.select(
            manifest: manifest,
            from: try UTCDateTime(year: 2020, month: 7),
            through: try UTCDateTime(year: 2020, month: 8),
            dekad: 11
        )
        #expect(
            picked.map(\.lastPathComponent) == [
                "c_gls_NDVI300_202007110000_GLOBE_OLCI_V2.0.2.nc", "c_gls_NDVI300_202008110000_GLOBE_OLCI_V2.0.10.nc",
            ]
        )
        #expect(NDVIDownload.version(ofFileName: "c_gls_NDVI_202006110000_GLOBE_PROBAV_V3.0.1.nc") == [3, 0, 1])
        #expect(NDVIDownload.version(ofFileName: "ndvi.nc") == [])
    }

    @Test func aTableKeepsItsBytesAndGrows() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("t.csv")
        let original =
            "Country,Latitude,Longitude,NDVI_06/2020\r\n\"Korea, Rep.\",48.0,11.5,0.5\r\nFrance,47.0,2.0,\r\n"
        try FileIO.writeAtomically(path, Array(original.utf8))
        var t = try CellTable(path: path, separator: ",", grid: .europe025)
        let grid = Grid.europe025
        let k =
            try #require(grid.latitude.index(of: 48.0)) * grid.width + (try #require(grid.longitude.index(of: 11.5)))
        let fresh =
            try #require(grid.latitude.index(of: 50.0)) * grid.width + (try #require(grid.longitude.index(of: 5.0)))
        t.addColumn("NDVI_07/2020", values: [k: ("Germany", "0.6"), fresh: ("Belgium, Kingdom", "0.7")])
        try t.write()
        let text = String(decoding: try FileIO.read(path), as: UTF8.self)
        #expect(
            text
                == "Country,Latitude,Longitude,NDVI_06/2020,NDVI_07/2020\r\n\"Korea, Rep.\",48.0,11.5,0.5,0.6\r\nFrance,47.0,2.0,,\r\n\"Belgium, Kingdom\",50.0,5.0,,0.7\r\n"
        )
        try FileIO.writeAtomically(path, Array("Country,Latitude,Longitude\nFrance,47.0\n".utf8))
        #expect { _ = try CellTable(path: path, separator: ",", grid: .europe025) } throws: {
            "\($0)".contains("row 2 has 2 fields")
        }
    }
}
