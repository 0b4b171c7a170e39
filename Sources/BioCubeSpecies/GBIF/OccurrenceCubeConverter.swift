public import BioCubeCore
import BioCubeParquet
import Foundation

/// Turns GBIF occurrence cubes on the EEA reference grid (`<specieskey>.zip` holding a
/// tab-separated table) into the BioCube species table: each row's `eeacellcode` cell centre
/// is projected from EPSG:3035 (ETRS89 LAEA) to WGS84, snapped to the nearest cell of the
/// 0.25° grid, and `occurrences` are summed per species, month and cell.
///
/// Columns are matched case-insensitively: `specieskey`, `eeacellcode`, `occurrences`, and
/// `yearmonth` (`YYYY-MM`) or `yearmonthday`; `phylum`, `class`, `order`, `family`, `genus`
/// are carried over when present. Rows that cannot be used (bad cell code, unreadable month
/// or count, a cell outside the grid) are counted in the report, never dropped silently.
public struct OccurrenceCubeConverter: Sendable {
    /// The target grid.
    public var grid: Grid
    /// The projection of the cell codes.
    package var projection: LambertAzimuthalEqualArea = .etrs89Europe

    /// A converter onto `grid`.
    public init(grid: Grid = .europe025) { self.grid = grid }

    /// What a conversion did.
    public struct Report: Sendable, CustomStringConvertible {
        public var files = 0, rowsRead = 0, rowsWritten = 0
        public var badCellCodes = 0, badMonths = 0, badCounts = 0, offGrid = 0
        public var species: [String] = []

        public var description: String {
            "\(files) file(s), \(rowsRead) rows read → \(rowsWritten) species/month/cell rows for \(species.count) species; skipped: "
                + "\(badCellCodes) bad cell codes, \(badMonths) bad months, \(badCounts) bad counts, \(offGrid) cells outside the grid"
        }
    }

    private struct Key: Hashable, Comparable {
        var species: Int64, month: Int, row: Int, column: Int
        static func < (a: Key, b: Key) -> Bool {
            (a.species, a.month, a.row, a.column) < (b.species, b.month, b.row, b.column)
        }
    }

    /// Converts every `*.zip` (or bare `.tsv`/`.csv` table) in `directory` into a Parquet
    /// species table at `output`.
    public func convert(directory: String, output: String) throws -> Report {
        let names =
            (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter {
                $0.hasSuffix(".zip") || $0.hasSuffix(".tsv") || $0.hasSuffix(".csv")
            }.sorted() ?? []
        guard !names.isEmpty else {
            throw BioCubeError(.notFound, "\(directory): no GBIF cube downloads (*.zip, *.tsv)")
        }
        var report = Report()
        var sums: [Key: Double] = [:]
        var taxonomy: [Int64: [String]] = [:]
        for name in names {
            let path = directory + "/" + name
            var tables: [(String, [UInt8])] = []
            if name.hasSuffix(".zip") {
                let zip = try ZipReader(path: path)
                for e in zip.entries
                where !e.name.hasSuffix("/")
                    && (e.name.hasSuffix(".csv") || e.name.hasSuffix(".tsv") || e.name.hasSuffix(".txt"))
                {
                    tables.append(("\(path)!\(e.name)", try zip.extract(e)))
                }
                guard !tables.isEmpty else {
                    throw BioCubeError(
                        .invalidArgument,
                        "\(path): the archive holds no table (members: \(zip.entries.map(\.name).joined(separator: ", ")))"
                    )
                }
            } else {
                tables.append((path, try FileIO.read(path)))
            }
            for (label, bytes) in tables {
                try add(label, bytes, &sums, &taxonomy, &report)
            }
            report.files += 1
        }
        // Deterministic output: sorted by species, month, latitude, longitude.
        let keys = sums.keys.sorted()
        // Months were validated when read, so they convert.
        let stamp = { (m: Int) -> Int64 in
            ((try? UTCDateTime(year: m / 12, month: m % 12 + 1))?.secondsSince1970 ?? 0) * 1_000_000_000
        }
        var fields: [ParquetWriter.Field] = [
            .init("Species", .int64), .init("Latitude", .double), .init("Longitude", .double),
            .init("Timestamp", .timestamp(.nanos, utc: false)), .init("Distribution", .double),
        ]
        let taxa = ["Phylum", "Class", "Order", "Family", "Genus"]
        fields += taxa.map { .init($0, .string, optional: true) }
        let writer = try ParquetWriter(path: output, fields: fields)
        var columns: [ParquetWriter.Column] = [
            .int64(keys.map(\.species)), .double(keys.map { grid.latitude[$0.row] }),
            .double(keys.map { grid.longitude[$0.column] }),
            .int64(keys.map { stamp($0.month) }), .double(keys.map { sums[$0]! }),
        ]
        for (i, _) in taxa.enumerated() {
            let values = keys.map { taxonomy[$0.species]?[i] ?? "" }
            columns.append(.string(values, validity: values.map { !$0.isEmpty }))
        }
        try writer.write(columns)
        try writer.finish(metadata: [
            "biocube:source": "GBIF occurrence cubes on the EEA 10 km grid, snapped to the 0.25° grid"
        ])
        report.rowsWritten = keys.count
        report.species = Set(keys.map(\.species)).sorted().map(String.init)
        return report
    }

    private func add(
        _ label: String,
        _ bytes: [UInt8],
        _ sums: inout [Key: Double],
        _ taxonomy: inout [Int64: [String]],
        _ report: inout Report
    ) throws {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(
            omittingEmptySubsequences: true,
            whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        ).makeIterator()
        guard let headerLine = lines.next() else { throw BioCubeError(.invalidArgument, "\(label): empty table") }
        let separator: Character = headerLine.contains("\t") ? "\t" : ","
        let header = headerLine.split(separator: separator, omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).lowercased().trimmingCharacters(
                in: CharacterSet(charactersIn: "\u{FEFF}\"")
            )
        }
        func column(_ names: [String]) -> Int? { names.lazy.compactMap { header.firstIndex(of: $0) }.first }
        guard let species = column(["specieskey"]), let cell = column(["eeacellcode"]),
            let count = column(["occurrences", "occurrence_count", "count"]),
            let month = column(["yearmonth", "yearmonthday"])
        else {
            throw BioCubeError(
                .invalidMetadata,
                "\(label): expected columns specieskey, eeacellcode, occurrences and yearmonth (or yearmonthday); found \(header.joined(separator: ", "))"
            )
        }
        let taxa = ["phylum", "class", "order", "family", "genus"].map { column([$0]) }
        var lineNumber = 1
        while let line = lines.next() {
            lineNumber += 1
            let f = line.split(separator: separator, omittingEmptySubsequences: false)
            report.rowsRead += 1
            guard f.count == header.count else {
                throw BioCubeError(
                    .invalidArgument,
                    "\(label): line \(lineNumber) has \(f.count) fields, the header \(header.count)"
                )
            }
            guard let key = Int64(f[species].trimmingCharacters(in: .whitespaces)), key >= 0 else {
                throw BioCubeError(
                    .invalidArgument,
                    "\(label): line \(lineNumber): specieskey '\(f[species])' is not a GBIF key"
                )
            }
            guard let c = EEAGridCell(code: String(f[cell]).trimmingCharacters(in: .whitespaces)) else {
                report.badCellCodes += 1
                continue
            }
            let m = f[month].split(separator: "-")
            guard m.count >= 2, let y = Int(m[0]), let mo = Int(m[1]), (1...12).contains(mo),
                (try? UTCDateTime(year: y, month: mo)) != nil
            else {
                report.badMonths += 1
                continue
            }
            guard let n = Double(f[count].trimmingCharacters(in: .whitespaces)), n.isFinite else {
                report.badCounts += 1
                continue
            }
            let centre = c.centre
            let p = projection.inverse(easting: centre.easting, northing: centre.northing)
            let lat = (p.latitude / 0.25).rounded() * 0.25
            let lon = (p.longitude / 0.25).rounded() * 0.25
            guard let cellIndex = grid.cell(latitude: lat, longitude: lon) else {
                report.offGrid += 1
                continue
            }
            sums[Key(species: key, month: y * 12 + mo - 1, row: cellIndex.row, column: cellIndex.column), default: 0] +=
                n
            if taxonomy[key] == nil { taxonomy[key] = taxa.map { $0.map { String(f[$0]) } ?? "" } }
        }
    }
}
