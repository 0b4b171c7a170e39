import BioCubeBatch
public import BioCubeCore
import Foundation

/// What `biocube scan` found under a root folder: every recognised source file with its
/// modality, variables, time span and spatial extent, and the problems found. `build`
/// accepts a catalog (as JSON) instead of a root folder. Sources of kinds no
/// `ModalitySource` given to the build knows are refused by the build, naming them.
public struct Catalog: Codable, Sendable {
    /// The catalog format version.
    public static let formatVersion = 1

    /// One source file (see `SourceDescription`).
    public typealias Source = SourceDescription
    /// One variable a source provides (see `Variable`).
    package typealias SourceVariable = SourceDescription.Variable

    /// The catalog format version this was written with.
    public var format: Int = Catalog.formatVersion
    /// The scanned root folder (absolute).
    public var root: String
    /// The grid and cadence the scan checked against.
    public var gridName: String, cadence: Cadence
    /// The recognised sources, sorted by path.
    public var sources: [Source]
    /// Everything worth knowing before a build (unreadable files, off-lattice grids,
    /// missing months, duplicate variables).
    public var problems: [Problem]
    /// Group overrides and source preferences in effect.
    public var config: BuildConfig
    /// How each variable provided by several sources over overlapping steps is stored
    /// (absent in catalogs written before this field existed: the build decides again).
    public var duplicates: [DuplicateResolution]?

    /// The absolute path of a source.
    package func absolutePath(_ source: Source) -> String {
        source.path.hasPrefix("/") ? source.path : root + "/" + source.path
    }

    /// Reads a catalog written by ``write(to:)``.
    public static func load(path: String) throws -> Catalog {
        let bytes = try FileIO.read(path)
        do {
            let c = try JSONDecoder().decode(Catalog.self, from: Data(bytes))
            guard c.format == formatVersion else {
                throw BioCubeError(
                    .unsupported,
                    "\(path): catalog format \(c.format), this BioCube reads format \(formatVersion)"
                )
            }
            return c
        } catch let e as DecodingError {
            throw BioCubeError(.invalidMetadata, "\(path): not a BioCube catalog: \(e)", cause: e)
        }
    }

    /// Writes the catalog as pretty-printed JSON (atomically).
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileIO.writeAtomically(path, Array(try encoder.encode(self)))
    }
}
