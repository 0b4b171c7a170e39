public import BioCubeCore
import BioCubeTransfer
import Foundation

/// One GBIF occurrence SQL download (format `SQL_TSV_ZIP`) and the file it is saved as.
///
/// `speciesCube(speciesKey:years:gridMeters:area:)` builds the query behind BioCube's
/// species table: occurrences of one species counted per month and EEA reference-grid
/// cell, with its taxonomy — exactly the columns ``OccurrenceCubeConverter`` reads. Any
/// other SQL GBIF accepts can be given with ``init(sql:fileName:)``.
public struct GBIFDownloadRequest: Hashable, Sendable {
    /// The SQL statement (GBIF accepts one `SELECT` over the `occurrence` table).
    public var sql: String
    /// The name of the downloaded zip in the target folder.
    public var fileName: String
    /// The download format; GBIF's SQL downloads offer `SQL_TSV_ZIP`.
    public var format: String = "SQL_TSV_ZIP"

    /// A request for `sql`, saved as `fileName` (`.zip` is appended when missing).
    public init(sql: String, fileName: String) throws {
        let trimmed = sql.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.lowercased().hasPrefix("select") else {
            throw BioCubeError(
                .invalidArgument,
                "GBIF SQL downloads take one SELECT statement; got '\(trimmed.prefix(40))…'"
            )
        }
        guard !fileName.isEmpty, !fileName.contains("/") else {
            throw BioCubeError(.invalidArgument, "download file name '\(fileName)' must be a plain file name")
        }
        self.sql = trimmed
        self.fileName = fileName.hasSuffix(".zip") ? fileName : fileName + ".zip"
    }

    /// The occurrence cube of one species: `yearmonth`, `eeacellcode` (EEA reference grid,
    /// `gridMeters` cells, each occurrence placed at random within its coordinate
    /// uncertainty as GBIF's cube function does), `specieskey`, the taxonomy and
    /// `occurrences`, for present, coordinate-bearing records of `years` with a month,
    /// inside `area` (by default the Europe grid plus half a cell: 31.875…72.125 N,
    /// 25.125 W…45.125 E), whose coordinate uncertainty is at most one cell. Saved as
    /// `<speciesKey>.zip`, the name ``OccurrenceCubeConverter`` expects.
    public static func speciesCube(
        speciesKey: Int64,
        years: ClosedRange<Int>,
        gridMeters: Int = 10_000,
        area: Region? = nil
    ) throws -> GBIFDownloadRequest {
        guard speciesKey > 0 else {
            throw BioCubeError(.invalidArgument, "species key \(speciesKey) is not a GBIF taxon key")
        }
        guard [1_000, 10_000, 100_000].contains(gridMeters) else {
            throw BioCubeError(
                .invalidArgument,
                "EEA grid size \(gridMeters) m: GBIF's EEA reference grid has 1000, 10000 and 100000 m cells"
            )
        }
        guard years.lowerBound >= 1600, years.upperBound <= 2100 else {
            throw BioCubeError(.invalidArgument, "years \(years.lowerBound)…\(years.upperBound) are out of range")
        }
        func n(_ v: Double) -> String { String(format: "%g", v) }
        // By default the Europe grid's extent plus half a 0.25° cell, so its edge cells keep all
        // their records; a given area is used as it is.
        let box = area ?? Region.europe.widened(by: 0.125)
        let taxonomy = #"kingdom, phylum, "class", "order", family, genus, species"#
        let sql = """
            SELECT
              PRINTF('%04d-%02d', "year", "month") AS yearMonth,
              GBIF_EEARGCode(\(gridMeters), decimalLatitude, decimalLongitude, COALESCE(coordinateUncertaintyInMeters, 1000)) AS eeaCellCode,
              speciesKey,
              \(taxonomy),
              COUNT(*) AS occurrences
            FROM occurrence
            WHERE occurrenceStatus = 'PRESENT'
              AND speciesKey = \(speciesKey)
              AND "year" >= \(years.lowerBound) AND "year" <= \(years.upperBound)
              AND "month" IS NOT NULL
              AND hasCoordinate = TRUE
              AND NOT ARRAY_CONTAINS(issue, 'ZERO_COORDINATE')
              AND NOT ARRAY_CONTAINS(issue, 'COORDINATE_OUT_OF_RANGE')
              AND NOT ARRAY_CONTAINS(issue, 'COORDINATE_INVALID')
              AND (coordinateUncertaintyInMeters <= \(gridMeters) OR coordinateUncertaintyInMeters IS NULL)
              AND decimalLatitude >= \(n(box.south)) AND decimalLatitude <= \(n(box.north))
              AND decimalLongitude >= \(n(box.west)) AND decimalLongitude <= \(n(box.east))
            GROUP BY yearMonth, eeaCellCode, speciesKey, \(taxonomy)
            ORDER BY yearMonth ASC, eeaCellCode ASC
            """
        return try GBIFDownloadRequest(sql: sql, fileName: "\(speciesKey).zip")
    }

    /// The JSON body of `POST occurrence/download/request`.
    func body(email: String?) -> JSONValue {
        var o: [String: JSONValue] = ["format": .string(format), "sql": .string(sql)]
        if let email {
            o["sendNotification"] = .bool(true)
            o["notificationAddresses"] = .array([.string(email)])
        } else {
            o["sendNotification"] = .bool(false)
        }
        return .object(o)
    }

    /// A stable identity of the request (its format and SQL), the download manifest's key.
    package var identity: UInt64 { DownloadManifest.identity(of: Array((format + "\n" + sql).utf8)) }
}
