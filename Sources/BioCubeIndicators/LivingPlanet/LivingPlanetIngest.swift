public import BioCubeCore
import BioCubeParquet
import Foundation

/// The Living Planet Database (the Living Planet Index's population table) snapped to a
/// grid: its CSV (`ID, Binomial, …, Latitude, Longitude, …, Units, …, 1950 … 2020`, `NULL`
/// for a missing year; Latin-1 as published, UTF-8 also read) becomes a Parquet table with one
/// row per population and year with a value:
///
/// `population_id, species, species_key, latitude, longitude, cell_latitude, cell_longitude,
/// year, value, units`
///
/// where `species` is the binomial with spaces (`Turdus merula`), `species_key` the GBIF key
/// from a name → key mapping (null when not mapped), and the cell the grid point nearest the
/// population (populations off the grid are left out and counted). Rows that cannot be read
/// — no usable coordinates, no binomial, a year value that is neither a number nor `NULL` —
/// are left out and listed with their line number.
///
/// ```swift
/// let summary = try LivingPlanetIngest(grid: .europe025).convert(csv: "LPD_2024_public.csv", to: "lpi.parquet")
/// print(summary.populations, summary.values, summary.problems.count)
/// ```
public struct LivingPlanetIngest: Sendable {
    /// What a conversion did.
    public struct Summary: Sendable {
        /// Populations on the grid, written.
        public var populations = 0
        /// Values (population-years) written.
        public var values = 0
        /// Populations outside the grid, left out.
        public var offGrid = 0
        /// Rows left out, each with its line and reason.
        public var problems: [String] = []
    }

    /// The grid populations are snapped to.
    let grid: Grid
    /// GBIF species keys by scientific name (`Turdus merula`).
    let speciesKeys: [String: Int64]

    /// An ingest onto `grid`, with optional GBIF keys.
    public init(grid: Grid = .europe025, speciesKeys: [String: Int64] = [:]) {
        self.grid = grid
        self.speciesKeys = speciesKeys
    }

    /// Converts the CSV at `csv` into the Parquet table at `output` (written atomically).
    public func convert(csv: String, to output: String) throws -> Summary {
        let storage = try ByteStorage(mapping: csv)
        let scanner = CSVScanner(path: csv, storage: storage)
        let utf8 = String(validating: storage.buffer, as: UTF8.self) != nil
        func text(_ f: CSVScanner.Field) -> String {
            let bytes = UnsafeBufferPointer(rebasing: scanner.bytes[f.start..<f.end])
            var s =
                utf8
                ? String(decoding: bytes, as: UTF8.self)
                : String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
            if f.hasEscapes { s = s.replacingOccurrences(of: "\"\"", with: "\"") }
            return s.trimmingCharacters(in: .whitespaces)
        }
        var header: [String: Int] = [:]
        var years: [(column: Int, year: Int)] = []
        var summary = Summary()
        var rows = (
            id: [Int64](), species: [String](), key: [Int64](), hasKey: [Bool](), lat: [Double](), lon: [Double](),
            cellLat: [Double](), cellLon: [Double](), year: [Int64](), value: [Double](), units: [String]()
        )
        var line = 0
        var firstLine: [Int64: Int] = [:]
        try scanner.forEachRecord { record, fields in
            line = record
            if record == 1 {
                for (i, f) in fields.enumerated() {
                    let name = text(f)
                    header[name.lowercased()] = i
                    if name.count == 4, let y = Int(name), (1800...2200).contains(y) { years.append((i, y)) }
                }
                for required in ["binomial", "latitude", "longitude"] where header[required] == nil {
                    throw BioCubeError(
                        .corruptData,
                        "no '\(required.capitalized)' column (is this the Living Planet Database CSV?)",
                        file: csv
                    )
                }
                guard !years.isEmpty else {
                    throw BioCubeError(.corruptData, "no year columns (1950, 1951, …)", file: csv)
                }
                return true
            }
            func field(_ name: String) -> String? {
                header[name].flatMap { $0 < fields.count ? text(fields[$0]) : nil }
            }
            let binomial = (field("binomial") ?? "").replacingOccurrences(of: "_", with: " ")
            guard !binomial.isEmpty else {
                summary.problems.append("line \(record): no Binomial")
                return true
            }
            guard let lat = field("latitude").flatMap(Double.init), let lon = field("longitude").flatMap(Double.init),
                (-90...90).contains(lat), (-180...360).contains(lon)
            else {
                summary.problems.append(
                    "line \(record) (\(binomial)): coordinates '\(field("latitude") ?? "")', '\(field("longitude") ?? "")' are not usable"
                )
                return true
            }
            guard let r = grid.latitude.index(of: lat, tolerance: abs(grid.latitude.step) / 2),
                let c = grid.longitude.index(of: grid.normalisedLongitude(lon), tolerance: abs(grid.longitude.step) / 2)
            else {
                summary.offGrid += 1
                return true
            }
            var values: [(Int, Double)] = []
            for (column, year) in years where column < fields.count {
                let t = text(fields[column])
                if t.isEmpty || t.uppercased() == "NULL" || t.uppercased() == "NA" { continue }
                guard let v = Double(t), v.isFinite else {
                    summary.problems.append(
                        "line \(record) (\(binomial)): \(year) holds '\(t.prefix(20))', not a number"
                    )
                    return true
                }
                values.append((year, v))
            }
            // Populations are told apart by their ID: a row without one, or with an ID an earlier
            // row has, is kept as its own population under minus its line number (the
            // database's IDs are positive), and the second case is reported.
            var id = field("id").flatMap { Int64($0) } ?? -Int64(record)
            if let earlier = firstLine[id] {
                summary.problems.append(
                    "line \(record) (\(binomial)): ID \(id) is also the ID of line \(earlier); kept as a separate population with ID \(-record)"
                )
                id = -Int64(record)
            } else {
                firstLine[id] = record
            }
            for (year, v) in values {
                rows.id.append(id)
                rows.species.append(binomial)
                rows.key.append(speciesKeys[binomial] ?? 0)
                rows.hasKey.append(speciesKeys[binomial] != nil)
                rows.lat.append(lat)
                rows.lon.append(lon)
                rows.cellLat.append(grid.latitude[r])
                rows.cellLon.append(grid.longitude[c])
                rows.year.append(Int64(year))
                rows.value.append(v)
                rows.units.append(field("units") ?? "")
            }
            summary.populations += 1
            summary.values += values.count
            return true
        }
        guard line >= 1 else { throw BioCubeError(.corruptData, "the file is empty", file: csv) }
        var options = ParquetWriter.Options()
        options.compression = .zstd(level: 3)
        let writer = try ParquetWriter(
            path: output,
            fields: [
                .init("population_id", .int64), .init("species", .string), .init("species_key", .int64, optional: true),
                .init("latitude", .double), .init("longitude", .double), .init("cell_latitude", .double),
                .init("cell_longitude", .double), .init("year", .int64), .init("value", .double),
                .init("units", .string, optional: true),
            ],
            options: options
        )
        if !rows.id.isEmpty {
            try writer.write([
                .int64(rows.id), .string(rows.species), .int64(rows.key, validity: rows.hasKey), .double(rows.lat),
                .double(rows.lon), .double(rows.cellLat), .double(rows.cellLon), .int64(rows.year), .double(rows.value),
                .string(rows.units, validity: rows.units.map { !$0.isEmpty }),
            ])
        }
        let g =
            "latitude \(grid.latitude.first)…\(grid.latitude.last), longitude \(grid.longitude.first)…\(grid.longitude.last), step \(abs(grid.latitude.step))"
        try writer.finish(metadata: ["biocube.source": (csv as NSString).lastPathComponent, "biocube.grid": g])
        return summary
    }
}
