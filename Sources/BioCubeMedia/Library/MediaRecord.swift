import BioCubeCore

/// One downloaded observation of a species: a photo, a recording, a DNA sequence or a
/// description, with its taxonomy, place, time and licence — one row of a species folder's
/// table (every table has these columns, in this order).
public struct MediaRecord: Sendable, Hashable, Codable {
    /// The source's identifier, unique within the source (`inat-<observation>-<photo>`,
    /// `XC<id>`, a BOLD process id and marker, `wikipedia`).
    public var id: String
    /// Where it came from (`inaturalist`, `xeno-canto`, `bold`, `wikipedia`).
    public var source: String
    /// The kind of media.
    public var kind: MediaKind
    /// The scientific name, `Genus species`.
    public var species: String
    /// The common name, when the source gives one.
    public var commonName: String = ""
    /// Taxonomy by rank (`kingdom`, `phylum`, `class`, `order`, `family`, `genus`), as far as
    /// the source gives it.
    public var taxonomy: [String: String] = [:]
    /// Where it was observed, in degrees (nil when the source has no coordinates).
    public var latitude: Double?
    /// Where it was observed, in degrees.
    public var longitude: Double?
    /// When it was observed, ISO 8601 as the source gives it (`2020-05-01T08:15:00+02:00`,
    /// `2020-05-01`), empty when unknown.
    public var timestamp: String = ""
    /// The country, when the source gives it.
    public var country: String = ""
    /// The media file, relative to the species folder (`images/123_456.jpg`); empty for
    /// sequences and descriptions.
    public var file: String = ""
    /// Where it was downloaded from.
    public var url: String = ""
    /// The licence (`cc-by`, a Creative Commons URL, …).
    public var licence: String = ""
    /// Who holds the rights: the photographer (iNaturalist), the recordist (xeno-canto's
    /// `rec`), the institution (BOLD's `inst`), "Wikipedia contributors".
    public var rightsHolder: String = ""
    /// The credit line the licence asks for, as the source words it (iNaturalist's photo
    /// `attribution`) or as BioCube composes it from the source's fields.
    public var attribution: String = ""
    /// The sequence or description text; empty for files.
    public var value: String = ""

    /// A record of `kind` from `source`.
    public init(id: String, source: String, kind: MediaKind, species: String) {
        self.id = id
        self.source = source
        self.kind = kind
        self.species = species
    }

    /// The taxonomy ranks of the tables, in column order.
    public static let ranks = ["kingdom", "phylum", "class", "order", "family", "genus"]

    /// The table columns.
    static let columns =
        ["id", "source", "kind", "species", "common_name"] + ranks + [
            "latitude", "longitude", "timestamp", "country", "file", "url", "licence", "rights_holder", "attribution",
            "value",
        ]

    /// The row, in ``columns`` order.
    var row: [String] {
        [id, source, kind.rawValue, species, commonName] + Self.ranks.map { taxonomy[$0] ?? "" } + [
            latitude.map { "\($0)" } ?? "", longitude.map { "\($0)" } ?? "", timestamp, country, file, url,
            licence, rightsHolder, attribution, value,
        ]
    }

    /// A record from a row laid out as `header`; nil fields stay empty.
    init(row: [String], header: [String: Int], table: String) throws {
        func field(_ name: String) -> String { header[name].flatMap { $0 < row.count ? row[$0] : nil } ?? "" }
        guard let kind = MediaKind(rawValue: field("kind")) else {
            throw BioCubeError(
                .corruptData,
                "unknown kind '\(field("kind"))' in record '\(field("id"))'",
                file: table
            )
        }
        self.init(id: field("id"), source: field("source"), kind: kind, species: field("species"))
        commonName = field("common_name")
        for r in Self.ranks where !field(r).isEmpty { taxonomy[r] = field(r) }
        latitude = Double(field("latitude"))
        longitude = Double(field("longitude"))
        timestamp = field("timestamp")
        country = field("country")
        file = field("file")
        url = field("url")
        licence = field("licence")
        rightsHolder = field("rights_holder")
        attribution = field("attribution")
        value = field("value")
    }
}
