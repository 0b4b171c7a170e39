import BioCubeCore
import BioCubeSpecies
import Foundation

/// `biocube-bench species FILE`: reads the five species columns of every row group with
/// BioCube's Parquet reader, then builds the SpeciesModality and grids every species at
/// every month onto europe025. Prints seconds for each phase.
func speciesBenchmark(path: String) throws -> [String: Any] {
    let clock = ContinuousClock()
    var t0 = clock.now
    let file = try ParquetFile(path: path)
    var values = 0
    for g in 0..<file.rowGroupSizes.count {
        for name in SpeciesModality.requiredColumns { values += try file.read(column: file.columnIndex(name), rowGroup: g).count }
    }
    let read = clock.now - t0
    t0 = clock.now
    let modality = try SpeciesModality(path: path)
    let opened = clock.now - t0
    t0 = clock.now
    var planes = 0, cells = 0
    if let range = modality.stepRange {
        var t = range.lowerBound
        let variables = try modality.variables()
        while t <= range.upperBound {
            for v in variables {
                let plane = try modality.read(v, at: t, onto: .europe025)
                planes += 1
                plane.storage.withUnsafeBufferPointer { for x in $0 where !x.isNaN { cells += 1 } }
            }
            t = t.addingMonths(1)
        }
    }
    let gridded = clock.now - t0
    func s(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
    return ["rows": file.rowCount, "values": values, "read_seconds": s(read), "modality_seconds": s(opened),
            "grid_seconds": s(gridded), "planes": planes, "cells_with_values": cells]
}
