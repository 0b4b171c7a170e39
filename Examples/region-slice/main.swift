// Slice a region and a time range out of a built store: the batches of that box and span,
// without exporting anything, and the same box as a stand-alone Zarr store.
//
//   swift run region-slice cube.zarr "52,2,44,12" 2000-01 2000-03 out.zarr
//
// The region is NORTH,WEST,SOUTH,EAST (the CDS order), as for `biocube --region`.
import BioCubeBatch
import BioCubeCore
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 5 else {
    FileHandle.standardError.write(Data("usage: region-slice STORE REGION START END OUT.zarr\n".utf8))
    exit(2)
}
do {
    let region = try Region(parsing: arguments[1])
    let sampler = try BatchSampler(
        storePath: arguments[0],
        start: UTCDateTime(parsing: arguments[2]),
        end: UTCDateTime(parsing: arguments[3]),
        region: region
    )
    print("region \(region): \(sampler.grid.height)×\(sampler.grid.width) cells, \(sampler.count) windows")

    // Every window of the slice, read from the store (only the chunks of the box are decoded).
    for window in 0..<sampler.count {
        let batch = try await sampler.batch(at: window)
        let t2m = batch.tensor(.surface, "t2m")
        let values = t2m?.storage.filter { !$0.isNaN } ?? []
        let mean = values.isEmpty ? Float.nan : values.reduce(0, +) / Float(values.count)
        print("\(batch.fileStem): t2m \(t2m?.shape ?? []) mean \(String(format: "%.2f", mean)) K")
    }

    // The same box as a store of its own (one Zarr with every window's steps).
    let summary = try await BatchExport(
        sampler: sampler,
        exporter: StoreSliceExporter(),
        directory: arguments[4],
        missing: .nan
    ).run()
    print("wrote \(summary.written) slice(s) into \(arguments[4])")
} catch {
    FileHandle.standardError.write(Data("region-slice: \(error)\n".utf8))
    exit(1)
}
