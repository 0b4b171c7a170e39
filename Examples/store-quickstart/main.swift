// A minimal tour of the BioCube store API: create a Zarr v3 store, write a variable on the
// Europe grid one time step at a time, read a region back, and open it again.
//
//   swift run store-quickstart /tmp/quickstart.zarr
//
// The store opens in Python with `xarray.open_datatree(path, engine="zarr")`.
import BioCubeCore

let path = CommandLine.arguments.dropFirst().first ?? "quickstart.zarr"
do {
    let grid = Grid.europe025
    let time = try TimeAxis(
        cadence: .monthly,
        from: UTCDateTime(parsing: "2000-01"),
        through: UTCDateTime(parsing: "2000-12")
    )

    // 1. A new store with coordinates and one float32 variable, chunked per time step.
    let store = try CubeStore.create(at: path, attributes: ["title": "quickstart"], overwrite: true)
    try store.writeCoordinates(grid: grid, time: time)
    let t2m = try store.createArray(
        "surface_variables/t2m",
        metadata: ArrayMetadata(
            shape: [time.count, grid.height, grid.width],
            dataType: .float32,
            chunkShape: [1, grid.height, grid.width],
            dimensionNames: CubeStore.dimensionNames(levels: false),
            attributes: ["units": "K"]
        )
    )

    // 2. Write each month's plane (each write is one atomic chunk file).
    for step in 0..<time.count {
        let plane = (0..<grid.cellCount).map { cell -> Float in
            let latitude = grid.latitude[cell / grid.width]
            return Float(300 - 0.6 * (latitude - 32) + 8 * Double(step % 12 - 6).magnitude)
        }
        try t2m.write(plane, to: [.index(step), .all, .all])
    }

    // 3. Read the Alps in July: only the one chunk that intersects is decoded.
    let alps = try Region(south: 45, north: 48, west: 6, east: 14)
    let (rows, columns) = try alps.indexRanges(on: grid)
    let july = time.index(of: try UTCDateTime(parsing: "2000-07"))!
    let box: [Float] = try t2m.read([.index(july), .range(rows), .range(columns)])
    print(
        "Alps, \(time[july].dateString): \(rows.count)×\(columns.count) cells, mean \(box.reduce(0, +) / Float(box.count)) K"
    )

    // 4. Reopen: the grid and time axis travel with the store.
    let reopened = try CubeStore.open(at: path)
    print(
        "\(path): grid \(try reopened.grid().height)×\(try reopened.grid().width), \(try reopened.timeAxis().count) monthly steps,",
        "arrays:",
        try reopened.allNodes().filter { if case .array = $0.node { true } else { false } }.map(\.path)
    )
} catch {
    print("store-quickstart: \(error)")
    exit(1)
}

#if canImport(Glibc)
import Glibc
#endif
