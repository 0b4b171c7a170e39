import BioCubeCore
import BioCubeParquet
import BioCubeSpecies
import Foundation

/// `biocube-bench species FILE`: reads the five species columns of every row group with
/// BioCube's Parquet reader, then builds the SpeciesModality and grids every species at
/// every month onto europe025. Prints seconds for each phase.
func speciesBenchmark(path: String) throws -> [String: Any] {
    let clock = ContinuousClock()
    var t0 = clock.now
    let file = try ParquetFile(path: path)
    let wanted = try SpeciesModality.requiredColumns.map(file.columnIndex)
    // The way a caller reads a table: every row group's five columns, decoded on two threads
    // (pyarrow's read_table also uses its thread pool).
    // Timed three times: the first read also pays for fresh memory pages; later ones run with
    // the allocator warm, as pyarrow's repeated reads in one process do.
    var values = 0
    var reads: [Duration] = []
    for _ in 0..<3 {
        values = 0
        let r0 = clock.now
        for g in 0..<file.rowGroupSizes.count {
            values += try file.read(columns: wanted, rowGroup: g, maxConcurrency: 2).reduce(0) { $0 + $1.count }
        }
        reads.append(clock.now - r0)
    }
    // The same single-threaded, per column (for the record).
    var sequentialValues = 0
    var perColumn: [String: Duration] = [:]
    for g in 0..<file.rowGroupSizes.count {
        for name in SpeciesModality.requiredColumns {
            let c0 = clock.now
            sequentialValues += try file.read(column: file.columnIndex(name), rowGroup: g).count
            perColumn[name, default: .zero] += clock.now - c0
        }
    }
    t0 = clock.now
    let modality = try SpeciesModality(path: path)
    let opened = clock.now - t0
    t0 = clock.now
    var planes = 0
    var cells = 0
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
    return [
        "rows": file.rowCount, "values": values, "read_seconds": s(reads.min()!), "first_read_seconds": s(reads[0]),
        "modality_seconds": s(opened),
        "grid_seconds": s(gridded), "planes": planes, "cells_with_values": cells,
        "sequential_read_seconds_by_column": perColumn.mapValues(s), "sequential_values": sequentialValues,
    ]
}
