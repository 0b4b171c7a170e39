import BioCubeCore
import BioCubeParquet
import BioCubeSpecies

extension SampleTree {
    /// Taxonomy columns per species (placeholders in the shape of GBIF's backbone).
    static let taxonomy: [(String, String, String, String, String)] = [
        ("Arthropoda", "Insecta", "Lepidoptera", "Nymphalidae", "Vanessa"),
        ("Arthropoda", "Insecta", "Hymenoptera", "Apidae", "Bombus"),
        ("Chordata", "Aves", "Passeriformes", "Paridae", "Parus"),
        ("Chordata", "Aves", "Accipitriformes", "Accipitridae", "Buteo"),
        ("Chordata", "Aves", "Passeriformes", "Turdidae", "Turdus"),
        ("Chordata", "Mammalia", "Carnivora", "Canidae", "Vulpes"),
        ("Tracheophyta", "Magnoliopsida", "Fagales", "Fagaceae", "Quercus"),
        ("Tracheophyta", "Pinopsida", "Pinales", "Pinaceae", "Pinus"),
    ]

    /// Writes the species table (int64 keys, nanosecond timestamps, Snappy + dictionary as
    /// pyarrow writes by default). Some counts are split over two rows (the reader must sum
    /// them); three rows per species lie north of the grid. Returns the row count.
    func writeSpecies(_ path: String) throws -> Int {
        var key: [Int64] = []
        var lat: [Double] = []
        var lon: [Double] = []
        var time: [Int64] = []
        var dist: [Double] = []
        var taxa: [[String]] = Array(repeating: [], count: 5)
        func add(_ s: Int, _ la: Double, _ lo: Double, _ t: UTCDateTime, _ d: Double) {
            key.append(Int64(species[s])!)
            lat.append(la)
            lon.append(lo)
            time.append(t.secondsSince1970 * 1_000_000_000)
            dist.append(d)
            let tx = Self.taxonomy[s % Self.taxonomy.count]
            for (i, v) in [tx.0, tx.1, tx.2, tx.3, tx.4].enumerated() { taxa[i].append(v) }
        }
        for step in months {
            for s in species.indices {
                for r in 0..<grid.height {
                    let la = grid.latitude[r]
                    for c in 0..<grid.width {
                        let lo = grid.longitude[c]
                        guard SampleField.isLand(latitude: la, longitude: lo) else { continue }
                        let n = SampleField.occurrences(species[s], step: step, latitude: la, longitude: lo)
                        guard n > 0 else { continue }
                        if n >= 3 && (r + c) % 2 == 0 {
                            add(s, la, lo, step, 1)
                            add(s, la, lo, step, Double(n - 1))
                        } else {
                            add(s, la, lo, step, Double(n))
                        }
                    }
                }
                if step == start { for k in 0..<3 { add(s, 75.0 + Double(k) * 0.25, 10, step, 1) } }
            }
        }
        let writer = try ParquetWriter(
            path: path,
            fields: [
                .init("Species", .int64), .init("Latitude", .double), .init("Longitude", .double),
                .init("Timestamp", .timestamp(.nanos, utc: false)), .init("Distribution", .double),
                .init("Phylum", .string), .init("Class", .string), .init("Order", .string), .init("Family", .string),
                .init("Genus", .string),
            ]
        )
        try writer.write(
            [.int64(key), .double(lat), .double(lon), .int64(time), .double(dist)] + taxa.map { .string($0) }
        )
        try writer.finish(metadata: ["biocube:sample": "species occurrences of the BioCube sample (synthetic)"])
        return key.count
    }
}
