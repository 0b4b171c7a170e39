import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeCore

@Suite struct StoreHierarchyTests {
    @Test func groupsArraysAndConsolidatedMetadata() throws {
        let dir = TemporaryDirectory()
        let store = try CubeStore.create(at: dir.file("s.zarr"), attributes: ["title": "t"])
        try store.createGroup("surface_variables", attributes: ["kind": "surface"])
        let meta = try ArrayMetadata(
            shape: [2, 3],
            dataType: .float32,
            chunkShape: [1, 3],
            dimensionNames: ["time", "x"],
            attributes: ["units": "K"]
        )
        try store.createArray("surface_variables/t2m", metadata: meta)
        try store.createArray("deep/inside/v", metadata: meta)
        #expect(try store.children(of: "") == ["deep", "surface_variables"])
        #expect(
            try store.allNodes().map(\.path) == [
                "deep", "deep/inside", "deep/inside/v", "surface_variables", "surface_variables/t2m",
            ]
        )
        #expect(try store.attributes(of: "surface_variables") == ["kind": "surface"])
        #expect(try store.attributes(of: "") == ["title": "t"])
        let root = try JSONValue.decode(Data(contentsOf: URL(fileURLWithPath: dir.file("s.zarr/zarr.json"))))
        let consolidated = try #require(root["consolidated_metadata"])
        #expect(consolidated["kind"] == "inline" && consolidated["must_understand"] == false)
        let entries = try #require(consolidated["metadata"]?.objectValue)
        #expect(
            Set(entries.keys) == ["deep", "deep/inside", "deep/inside/v", "surface_variables", "surface_variables/t2m"]
        )
        #expect(entries["surface_variables/t2m"] == meta.json)
        // Attribute changes keep consolidation current.
        try store.setAttributes(["units": "degC"], of: "surface_variables/t2m")
        let again = try JSONValue.decode(Data(contentsOf: URL(fileURLWithPath: dir.file("s.zarr/zarr.json"))))
        #expect(
            again["consolidated_metadata"]?["metadata"]?["surface_variables/t2m"]?["attributes"] == ["units": "degC"]
        )
        try store.setAttributes(["title": "u"], of: "")
        #expect(try store.attributes(of: "") == ["title": "u"])
    }

    @Test func createArrayIsIdempotentButNeverSilentlyReplaces() throws {
        let dir = TemporaryDirectory()
        let store = try CubeStore.create(at: dir.file("s.zarr"))
        let meta = try ArrayMetadata(shape: [4], dataType: .float32, chunkShape: [2])
        let a = try store.createArray("a", metadata: meta)
        try a.write([1, 2, 3, 4] as [Float], to: [.all])
        let same = try store.createArray("a", metadata: meta)
        #expect(try same.read([.all], as: Float.self) == [1, 2, 3, 4])
        let other = try ArrayMetadata(shape: [5], dataType: .float32, chunkShape: [2])
        let error = #expect(throws: BioCubeError.self) { try store.createArray("a", metadata: other) }
        #expect(error?.code == .alreadyExists)
        let replaced = try store.createArray("a", metadata: other, overwrite: true)
        #expect(try replaced.read([.all], as: Float.self).allSatisfy(\.isNaN))
    }

    @Test func createRefusesAnExistingStoreAndOpenOrCreateShares() async throws {
        let dir = TemporaryDirectory()
        _ = try CubeStore.create(at: dir.file("s.zarr"))
        let error = #expect(throws: BioCubeError.self) { try CubeStore.create(at: dir.file("s.zarr")) }
        #expect(error?.code == .alreadyExists)
        let path = dir.file("race.zarr")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { _ = try CubeStore.openOrCreate(at: path) } }
            try await group.waitForAll()
        }
        #expect(try CubeStore.open(at: path).children(of: "").isEmpty)
    }

    @Test(arguments: ["", "a//b", "../x", "a/./b", ".hidden"])
    func invalidNodePaths(path: String) throws {
        let dir = TemporaryDirectory()
        let store = try CubeStore.create(at: dir.file("s.zarr"))
        let meta = try ArrayMetadata(shape: [1], dataType: .int8, chunkShape: [1])
        #expect(throws: BioCubeError.self) { try store.createArray(path, metadata: meta) }
    }

    @Test func coordinatesAndAxesRoundTrip() throws {
        let dir = TemporaryDirectory()
        let store = try CubeStore.create(at: dir.file("s.zarr"))
        let time = try TimeAxis(
            cadence: .monthly,
            from: UTCDateTime(parsing: "2000-01"),
            through: UTCDateTime(parsing: "2001-12")
        )
        try store.writeCoordinates(grid: .europe6Hourly, time: time, pressureLevels: [1000, 500, 50])
        #expect(try store.grid() == .europe6Hourly)
        #expect(try store.timeAxis() == time)
        #expect(try store.openArray("latitude").read([.all], as: Double.self) == Grid.europe6Hourly.latitude.values)
        #expect(try store.openArray("time").read([.range(0..<2)], as: Int64.self) == [946_684_800, 949_363_200])
        #expect(try store.openArray("pressure_level").read([.all], as: Double.self) == [1000, 500, 50])
        #expect(try store.attributes(of: "time")["units"] == "seconds since 1970-01-01 00:00:00")
    }
}
