public import BioCubeCore

/// Writes a batch of a 6-hourly store in the original daily batch layout that bfm-model's
/// older daily loader reads (Documentation/Reference.md §6b, `Documentation/BatchFormat.md`):
///
/// ```
/// { "batch_metadata": {latitudes (descending), longitudes, timestamp ["…T…"], pressure_levels [50, 500, 1000] (ints), species_list [ints]},
///   "surface_variables": {t2m, msl}, "single_variables": {lsm}, "atmospheric_variables": {z, t: (2, 3, H, W)},  float32
///   "species_variables": {"dynamic": {"Distribution": float64 (2, H, W, S)},
///                         "metadata": {Phylum, Class, Order, Family, Genus, Redlist: float16 (2, H, W, S) label ids}},
///   "species_extinction_variables": {"ExtinctionValue"}, "land_variables": {Land, NDVI},
///   "agriculture_variables": {AgricultureLand, AgricultureIrrLand, ArableLand, Cropland}, "forest_variables": {Forest}  float16 }
/// ```
///
/// Variables are taken from the batch by name. Distribution and label planes are 0 where a
/// species has no occurrence; every other plane keeps NaN. Label ids come from
/// `LabelMappings` (`label_mappings.json` beside the batches) and the store's species
/// taxonomy; ranks the taxonomy lacks give zero planes (`missingRanks` says which).
public struct DailyTorchExporter: TorchArchiveExporter {
    public var format: String { "pt-daily" }

    /// The pressure levels of the daily contract, in its order.
    package static let levels: [Double] = [50, 500, 1000]
    /// The label ranks of `species_variables.metadata`, in order.
    package static let ranks = ["Phylum", "Class", "Order", "Family", "Genus", "Redlist"]
    /// Daily name → store variable name, per group, in the contract's order.
    static let indicatorGroups: [(group: String, members: [(String, String)])] = [
        ("species_extinction_variables", [("ExtinctionValue", "RLI")]),
        ("land_variables", [("Land", "Land"), ("NDVI", "NDVI")]),
        (
            "agriculture_variables",
            [
                ("AgricultureLand", "Agriculture"), ("AgricultureIrrLand", "Agriculture_Irrigated"),
                ("ArableLand", "Arable"), ("Cropland", "Cropland"),
            ]
        ),
        ("forest_variables", [("Forest", "Forest")]),
    ]

    /// The taxonomy of the species (nil: none known).
    package let taxonomy: SpeciesTaxonomy?
    /// The label ids.
    package let labels: LabelMappings

    /// An exporter labelling species with `labels` (extend them with `taxonomy` first).
    public init(taxonomy: SpeciesTaxonomy?, labels: LabelMappings) {
        self.taxonomy = taxonomy
        self.labels = labels
    }

    /// Ranks of ``ranks`` the taxonomy has no values for (their planes are zero).
    package var missingRanks: [String] { Self.ranks.filter { !(taxonomy?.ranks.contains($0) ?? false) } }

    public func name(for batch: Batch) -> String { batch.fileStem + ".pt" }

    /// The variable `name` of the batch, from the first group holding it.
    func variable(_ batch: Batch, _ name: String, in groups: [VariableGroup]) throws -> Tensor {
        for g in groups { if let t = batch.tensor(g, name) { return t } }
        throw BioCubeError(
            .notFound,
            "the daily batch contract needs '\(name)' (\(groups.map(\.rawValue).joined(separator: " or "))), which the batch lacks: build the store from sources providing it"
        )
    }

    public func write(_ batch: Batch, to path: String) throws {
        var archive = try self.archive(for: batch)
        try archive.write(to: path)
    }

    package func archive(for batch: Batch) throws -> TorchArchive {
        let m = batch.metadata
        let h = m.latitudes.count
        let w = m.longitudes.count
        let plane = h * w
        // The daily grid runs north to south.
        let flip = h > 1 && m.latitudes[0] < m.latitudes[h - 1]
        let latitudes = flip ? Array(m.latitudes.reversed()) : m.latitudes
        func rows(_ t: Tensor) -> [Float] {
            guard flip else { return t.storage }
            var out = [Float](repeating: 0, count: t.count)
            t.storage.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for p in 0..<(t.count / plane) {
                        for r in 0..<h {
                            let from = p * plane + (h - 1 - r) * w
                            let to = p * plane + r * w
                            for c in 0..<w { dst[to + c] = src[from + c] }
                        }
                    }
                }
            }
            return out
        }
        func half(_ values: [Float]) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: values.count * 2)
            out.withUnsafeMutableBytes { raw in
                let p = raw.bindMemory(to: UInt16.self)
                for i in values.indices { p[i] = Float16(values[i]).bitPattern.littleEndian }
            }
            return out
        }
        guard let levels = m.pressureLevels else {
            throw BioCubeError(
                .notFound,
                "the daily batch contract needs z and t on pressure levels 50, 500, 1000; the batch has no levels"
            )
        }
        let levelIndex = try Self.levels.map { l in
            guard let i = levels.firstIndex(where: { abs($0 - l) < 1e-6 }) else {
                throw BioCubeError(
                    .notFound,
                    "the daily batch contract needs pressure level \(Int(l)) hPa; the batch has \(levels.map { "\(Int($0))" }.joined(separator: ", "))"
                )
            }
            return i
        }
        let species = try (m.speciesList ?? []).map { key in
            guard let n = Int(key) else {
                throw BioCubeError(
                    .invalidArgument,
                    "species key '\(key)' is not an integer GBIF key (the daily contract lists int ids)"
                )
            }
            return n
        }

        var archive = TorchArchive()
        archive.pickle.emptyDict()
        archive.pickle.mark()
        archive.pickle.string("batch_metadata")
        archive.pickle.dict { p in
            p.string("latitudes")
            p.list { p in for v in latitudes { p.double(v) } }
            p.string("longitudes")
            p.list { p in for v in m.longitudes { p.double(v) } }
            p.string("timestamp")
            p.list { p in for t in m.timestamps { p.string(t.dateString + "T" + t.description.suffix(8)) } }
            p.string("pressure_levels")
            p.list { p in for l in Self.levels { p.int(Int(l)) } }
            p.string("species_list")
            p.list { p in for s in species { p.int(s) } }
        }
        func group(_ name: String, _ body: (inout TorchArchive) throws -> Void) rethrows {
            archive.pickle.string(name)
            archive.pickle.emptyDict()
            archive.pickle.mark()
            try body(&archive)
            archive.pickle.setItems()
        }
        let era5: [VariableGroup] = [.surface, .single, .climate, .misc]
        try group("surface_variables") { a in
            for name in ["t2m", "msl"] {
                a.pickle.string(name)
                a.tensor(try Tensor(shape: [2, h, w], storage: rows(try variable(batch, name, in: era5))))
            }
        }
        try group("single_variables") { a in
            a.pickle.string("lsm")
            a.tensor(try Tensor(shape: [2, h, w], storage: rows(try variable(batch, "lsm", in: era5))))
        }
        try group("atmospheric_variables") { a in
            for name in ["z", "t"] {
                let all = rows(try variable(batch, name, in: [.atmospheric]))
                var picked = [Float]()
                picked.reserveCapacity(2 * levelIndex.count * plane)
                let count = levels.count
                for s in 0..<2 {
                    for l in levelIndex {
                        let start: Int = (s * count + l) * plane
                        picked.append(contentsOf: all[start..<(start + plane)])
                    }
                }
                a.pickle.string(name)
                a.tensor(try Tensor(shape: [2, levelIndex.count, h, w], storage: picked))
            }
        }
        // Species: (2, H, W, S), species last.
        let planes = batch[.species].map { rows($0.tensor) }
        let n = planes.count
        var distribution = [Double](repeating: 0, count: 2 * plane * n)
        for (s, values) in planes.enumerated() {
            for k in 0..<(2 * plane) where !values[k].isNaN { distribution[k * n + s] = Double(values[k]) }
        }
        group("species_variables") { a in
            a.pickle.string("dynamic")
            a.pickle.emptyDict()
            a.pickle.mark()
            a.pickle.string("Distribution")
            a.tensor(shape: [2, h, w, n], doubles: distribution)
            a.pickle.setItems()
            a.pickle.string("metadata")
            a.pickle.emptyDict()
            a.pickle.mark()
            for rank in Self.ranks {
                let ids = (m.speciesList ?? []).map { key in
                    Float(taxonomy?.bySpecies[key]?[rank].flatMap { labels.id(rank, $0) } ?? 0)
                }
                var label = [Float](repeating: 0, count: 2 * plane * n)
                if ids.contains(where: { $0 != 0 }) {
                    for k in 0..<(2 * plane) {
                        for s in 0..<n where distribution[k * n + s] > 0 { label[k * n + s] = ids[s] }
                    }
                }
                a.pickle.string(rank)
                a.tensor(shape: [2, h, w, n], dtype: .float16, bytes: half(label))
            }
            a.pickle.setItems()
        }
        for (name, members) in Self.indicatorGroups {
            try group(name) { a in
                for (daily, stored) in members {
                    let t = try variable(
                        batch,
                        stored,
                        in: [.redlist, .land, .vegetation, .agriculture, .forest, .misc]
                    )
                    a.pickle.string(daily)
                    a.tensor(shape: [2, h, w], dtype: .float16, bytes: half(rows(t)))
                }
            }
        }
        archive.pickle.setItems()
        return archive
    }
}
