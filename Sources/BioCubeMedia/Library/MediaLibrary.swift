import BioCubeCore
import Foundation

/// The species media folder tree, as the original tooling lays it out: one folder per
/// species under the root (`Life/Turdus merula/`), holding a table per kind of media
/// (`images.csv`, `sounds.csv`, `edna.csv`, `descriptions.csv`: the columns of ``MediaRecord``) and the media files
/// (`images/`, `sounds/`).
///
/// Tables are rewritten atomically with every addition, records keyed by ``MediaRecord/id``
/// (an existing record is kept), so an interrupted download leaves the tables describing
/// exactly the files that landed.
///
/// ```swift
/// let life = MediaLibrary(root: "Life")
/// let photos = try life.records(of: .image, species: "Turdus merula")
/// ```
public struct MediaLibrary: Sendable {
    /// The root folder.
    public let root: String

    /// The tree under `root` (created when something is added).
    public init(root: String) { self.root = root }

    /// The folder name of `species`: the name with `/` and control characters made `_`
    /// (hybrid names such as `Larus argentatus/fuscus` stay readable); an empty name or one
    /// starting with `.` is refused.
    static func folderName(of species: String) throws -> String {
        let trimmed = species.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, !trimmed.hasPrefix(".") else {
            throw BioCubeError(.invalidArgument, "species name '\(species)' cannot name a folder")
        }
        return String(
            trimmed.unicodeScalars.map { $0 == "/" || $0.properties.generalCategory == .control ? "_" : Character($0) }
        )
    }

    /// The folder of `species`.
    public func folder(of species: String) throws -> String { root + "/" + (try Self.folderName(of: species)) }

    /// The species that have a folder, sorted.
    public func species() throws -> [String] {
        guard FileIO.exists(root) else { return [] }
        let names = try FileManager.default.contentsOfDirectory(atPath: root).filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".")
                && FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
        // A folder whose name no species maps to (`Turdus merula ` with its trailing space)
        // would be listed and then read as another, empty folder: say so instead.
        for name in names where (try? Self.folderName(of: name)) != name {
            throw BioCubeError(
                .invalidArgument,
                "the species folder '\(UntrustedPath.printable(name))' has a name no species maps to (a leading or trailing space, a control character); rename it",
                file: root + "/" + name
            )
        }
        return names
    }

    /// The records of `kind` for `species` (empty when there is no table).
    public func records(of kind: MediaKind, species: String) throws -> [MediaRecord] {
        let path = try folder(of: species) + "/" + kind.tableName
        guard FileIO.exists(path) else { return [] }
        // A table is UTF-8: anything else is an error, not text quietly turned into U+FFFD.
        guard let text = String(validating: try FileIO.read(path), as: UTF8.self) else {
            throw BioCubeError(
                .corruptData,
                "the table is not UTF-8 text (was it saved in another encoding?)",
                file: path
            )
        }
        let rows = try CSVText.decode(text, name: path)
        guard let head = rows.first else { return [] }
        var header: [String: Int] = [:]
        for (i, name) in head.enumerated() { header[name] = i }
        for required in ["id", "kind", "species"] where header[required] == nil {
            throw BioCubeError(.corruptData, "no '\(required)' column", file: path)
        }
        return try rows.dropFirst().map { try MediaRecord(row: $0, header: header, table: path) }
    }

    /// The ids of the records of `kind` for `species` whose file is on disk (records without
    /// a file — sequences, descriptions — always count): what a rerun need not fetch again.
    func idsOnDisk(of kind: MediaKind, species: String) throws -> Set<String> {
        let folder = try folder(of: species)
        return Set(
            try records(of: kind, species: species).filter { $0.file.isEmpty || FileIO.exists(folder + "/" + $0.file) }
                .map(\.id)
        )
    }

    /// Adds `records` (all of one kind and species) to their table; records whose id is
    /// already there are left as they are. Returns how many were new.
    @discardableResult
    public func add(_ records: [MediaRecord]) throws -> Int {
        guard let first = records.first else { return 0 }
        guard records.allSatisfy({ $0.kind == first.kind && $0.species == first.species }) else {
            throw BioCubeError(.invalidArgument, "media records of several kinds or species added to one table")
        }
        let folder = try folder(of: first.species)
        try FileIO.createDirectories(folder)
        var existing = try self.records(of: first.kind, species: first.species)
        var ids = Set(existing.map(\.id))
        var added = 0
        for r in records where ids.insert(r.id).inserted {
            existing.append(r)
            added += 1
        }
        guard added > 0 else { return 0 }
        let text = CSVText.encode([MediaRecord.columns] + existing.map(\.row))
        try FileIO.writeAtomically(folder + "/" + first.kind.tableName, Array(text.utf8))
        return added
    }
}
