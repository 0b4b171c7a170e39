import BioCubeCore
import Foundation

/// Setting up a daily export: the store's species taxonomy, the output folder's
/// `label_mappings.json` extended with it (written before any batch), and the exporter.
public struct DailyBatches: Sendable {
    /// The exporter to use.
    public let exporter: DailyTorchExporter
    /// Where the label mappings were written.
    public let labelsPath: String

    /// Reads the taxonomy recorded in `store`, extends `out/label_mappings.json` with it and
    /// returns the exporter.
    public static func prepare(store: String, out: String) throws -> DailyBatches {
        let taxonomy = try self.taxonomy(of: store)
        try FileIO.createDirectories(out)
        let path = out + "/label_mappings.json"
        var labels = try LabelMappings.load(path: path)
        if let taxonomy { labels = labels.extended(with: taxonomy) }
        try labels.write(to: path)
        return DailyBatches(exporter: DailyTorchExporter(taxonomy: taxonomy, labels: labels), labelsPath: path)
    }

    /// The exporter of a daily export without a folder: the label mappings at `labels` (as
    /// an export folder holds them; none: empty) extended with the store's taxonomy, in
    /// memory only — the ids a fresh export of the store would write.
    package static func exporter(store: String, labels path: String?) throws -> DailyTorchExporter {
        let taxonomy = try self.taxonomy(of: store)
        var labels = try path.map { try LabelMappings.load(path: $0) } ?? LabelMappings()
        if let taxonomy { labels = labels.extended(with: taxonomy) }
        return DailyTorchExporter(taxonomy: taxonomy, labels: labels)
    }

    /// The species taxonomy `store` records (attribute `species_taxonomy`), ranks in the
    /// known order; nil when it records none.
    static func taxonomy(of store: String) throws -> SpeciesTaxonomy? {
        let attrs = try CubeStore.open(at: store).attributes(of: "")
        var taxonomy: SpeciesTaxonomy? = nil
        if let recorded = attrs["species_taxonomy"] {
            do { taxonomy = try JSONDecoder().decode(SpeciesTaxonomy.self, from: JSONEncoder().encode(recorded)) } catch
            {
                throw BioCubeError(
                    .invalidMetadata,
                    "\(store): unreadable \"species_taxonomy\" attribute: \(error)",
                    cause: error
                )
            }
            // Several tables' ranks are merged in source order: keep the known order.
            if let ranks = taxonomy?.ranks { taxonomy?.ranks = SpeciesTaxonomy.knownRanks.filter(ranks.contains) }
        }
        return taxonomy
    }
}
