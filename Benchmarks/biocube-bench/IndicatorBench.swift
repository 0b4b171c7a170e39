import BioCubeCore
import BioCubeIndicators
import Foundation

/// Writes a month-column indicator CSV the size of a European NDVI table: `rows` grid
/// points (a 0.25° grid wider than the BioCube area, plus repeated border cells) × `months`
/// month columns from 2000-01, values with four decimals, 3 % empty cells.
func writeIndicatorBenchCSV(path: String, rows: Int = 60_000, months: Int = 250) throws {
    var rng = SplitMix64(seed: 77)
    var text = "Country,Latitude,Longitude"
    for m in 0..<months { text += String(format: ",NDVI_%02d/%d", m % 12 + 1, 2000 + m / 12) }
    text += "\n"
    var out = Data(text.utf8)
    let lats = 181
    let lons = 321  // 30…75 N, −30…50 E
    for r in 0..<rows {
        let cell = r < lats * lons ? r : Int(rng.next() % UInt64(lats * lons))  // then border repeats
        let lat = 30.0 + 0.25 * Double(cell / lons)
        let lon = -30.0 + 0.25 * Double(cell % lons)
        var line = "Country\(r % 40),\(lat),\(lon)"
        for _ in 0..<months {
            let u = rng.next()
            if u % 100 < 3 { line += "," } else { line += String(format: ",%.4f", Double(u % 12_000) / 10_000 - 0.2) }
        }
        line += "\n"
        out.append(contentsOf: line.utf8)
    }
    try out.write(to: URL(fileURLWithPath: path))
}

/// Parses the CSV once and serves every monthly plane on `.europe025`.
func indicatorBenchmark(path: String, jobs: Int) async throws -> [String: Any] {
    let clock = ContinuousClock()
    let start = clock.now
    let modality = try await IndicatorModality.load(paths: [path], maxConcurrency: jobs)
    let parsed = clock.now
    guard let ndvi = try modality.variables().first else { throw BioCubeError(.notFound, "\(path): no indicator") }
    let table = modality.tables[0]
    var checksum = 0.0
    var planes = 0
    for column in table.columns {
        let step = try UTCDateTime(year: column.year, month: column.month ?? 1)
        let t = try modality.read(ndvi, at: step, onto: .europe025)
        planes += 1
        checksum += Double(t.storage[t.count / 2].isNaN ? 0 : t.storage[t.count / 2])
    }
    let end = clock.now
    func s(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return [
        "jobs": jobs, "rows": table.rowCount, "planes": planes, "seconds": s(end - start),
        "parse_seconds": s(parsed - start),
        "serve_seconds": s(end - parsed), "checksum": checksum, "peak_rss_mb": Double(usage.ru_maxrss) / 1024,
    ]
}
