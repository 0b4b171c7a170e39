/// The kind of a source file, as recorded in catalogs (`"era5"`, `"indicators"`,
/// `"species"`, or any name a ``ModalitySource`` outside the package chooses). Encoded as
/// its bare string, so catalogs read the same whoever defines the kind.
public struct SourceKind: RawRepresentable, Hashable, Comparable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The name recorded in catalogs.
    public let rawValue: String

    /// A kind called `rawValue`.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// A kind called `value`.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// ERA5 NetCDF (or CDS zip) files.
    public static let era5: SourceKind = "era5"
    /// World Bank / NDVI / Red List indicator CSVs.
    public static let indicators: SourceKind = "indicators"
    /// The GBIF species occurrence table.
    public static let species: SourceKind = "species"

    public var description: String { rawValue }
    public static func < (a: SourceKind, b: SourceKind) -> Bool { a.rawValue < b.rawValue }
}
