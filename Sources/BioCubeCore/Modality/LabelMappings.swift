import Foundation

/// Stable integer labels for taxonomy values (`label_mappings.json`): per rank (`Species`,
/// `Phylum`, `Class`, `Order`, `Family`, `Genus`, `Redlist`), value → id, ids from 1 (0
/// means "no species here"). Extending the mapping with new values never renumbers
/// existing ones: new values get the next ids, in sorted order. The daily batches' label
/// planes and the species media dataset share one file.
///
/// ```json
/// { "version": 1, "ranks": { "Phylum": { "Arthropoda": 1, "Chordata": 2 }, "Class": { … } } }
/// ```
public struct LabelMappings: Sendable, Hashable {
    /// The file format version.
    package static let version = 1
    /// The largest id a file may give (ids are stored in float32 planes and int64 columns;
    /// a billion leaves room for every taxon there is).
    package static let maximumID = 1_000_000_000
    /// Per rank, value → label id.
    public private(set) var ranks: [String: [String: Int]]

    /// Empty mappings.
    public init() { ranks = [:] }

    /// The id of `value` at `rank` (nil when unknown).
    public func id(_ rank: String, _ value: String) -> Int? { ranks[rank]?[value] }

    /// The mappings with every value of `taxonomy` added (existing ids unchanged).
    public func extended(with taxonomy: SpeciesTaxonomy) -> LabelMappings {
        var values: [String: [String]] = [:]
        for rank in taxonomy.ranks { values[rank] = taxonomy.bySpecies.values.compactMap { $0[rank] } }
        return extended(with: values)
    }

    /// The mappings with `values` (rank → values, in any order, repeats allowed) added:
    /// existing ids are unchanged, new values get the next ids of their rank in sorted order.
    public func extended(with values: [String: [String]]) -> LabelMappings {
        var out = self
        for (rank, list) in values {
            var table = out.ranks[rank] ?? [:]
            let new = Set(list.filter { !$0.isEmpty }).subtracting(table.keys).sorted()
            var next = (table.values.max() ?? 0) + 1
            for v in new {
                table[v] = next
                next += 1
            }
            out.ranks[rank] = table
        }
        return out
    }

    /// Reads a mappings file; a missing file gives empty mappings.
    public static func load(path: String) throws -> LabelMappings {
        guard FileIO.exists(path) else { return LabelMappings() }
        let bytes = try FileIO.read(path)
        guard let root = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)), let object = root.objectValue
        else {
            throw BioCubeError(.invalidMetadata, "\(path): not a label mappings JSON object")
        }
        if let duplicate = JSONDuplicateKeys.first(in: bytes) {
            throw BioCubeError(
                .invalidMetadata,
                "\(path): '\(duplicate)' is given twice (readers disagree on which id wins); keep one and run again"
            )
        }
        guard object["version"]?.doubleValue == Double(version) else {
            throw BioCubeError(
                .unsupported,
                "\(path): label mappings version \(object["version"].map { "\($0)" } ?? "missing"), this BioCube reads \(version)"
            )
        }
        var out = LabelMappings()
        for (rank, table) in object["ranks"]?.objectValue ?? [:] {
            var t: [String: Int] = [:]
            for (value, id) in table.objectValue ?? [:] {
                guard let n = id.doubleValue, n >= 1, n <= Double(maximumID), n == n.rounded() else {
                    throw BioCubeError(
                        .invalidMetadata,
                        "\(path): \(rank)/\(value) has no whole id between 1 and \(maximumID)"
                    )
                }
                t[value] = Int(n)
            }
            guard Set(t.values).count == t.count else {
                throw BioCubeError(.invalidMetadata, "\(path): \(rank) uses an id twice")
            }
            out.ranks[rank] = t
        }
        return out
    }

    /// The file text: ranks and values sorted, so the same mappings give the same bytes.
    package var jsonText: String {
        var out = "{\n  \"version\": \(Self.version),\n  \"ranks\": {"
        for (i, rank) in ranks.keys.sorted().enumerated() {
            out += (i == 0 ? "\n" : ",\n") + "    " + OrderedJSON.string(rank) + ": {"
            let entries = ranks[rank]!.sorted { $0.value < $1.value }
            for (j, e) in entries.enumerated() {
                out += (j == 0 ? "\n" : ",\n") + "      " + OrderedJSON.string(e.key) + ": \(e.value)"
            }
            out += entries.isEmpty ? "}" : "\n    }"
        }
        return out + (ranks.isEmpty ? "}\n}\n" : "\n  }\n}\n")
    }

    /// Writes the file atomically.
    public func write(to path: String) throws { try FileIO.writeAtomically(path, Array(jsonText.utf8)) }
}
