import BioCubeCore

extension SampleTree {
    /// A land cell as the CSVs list it.
    struct LandCell {
        var latitude: Double, longitude: Double
        /// The country block the row belongs to.
        var country: Int
        /// True for the row of a border cell that must lose under the table's duplicate rule.
        var decoy: Bool
    }

    /// Rows per country block: every land cell of the country, then the border cells of
    /// the next country (the first column east of the border), which are listed twice.
    /// With `lastWins`, the first listing carries the decoy value.
    func landRows(lastWins: Bool) -> [LandCell] {
        var blocks = [[LandCell]](repeating: [], count: SampleField.countries.count)
        for r in 0..<grid.height {
            let lat = grid.latitude[r]
            for c in 0..<grid.width {
                let lon = grid.longitude[c]
                guard SampleField.isLand(latitude: lat, longitude: lon) else { continue }
                let k = SampleField.country(longitude: lon)
                blocks[k].append(LandCell(latitude: lat, longitude: lon, country: k, decoy: false))
                if SampleField.isBorder(longitude: lon) {
                    // The same cell again, at the end of the western neighbour's block, which comes first.
                    blocks[k - 1].append(LandCell(latitude: lat, longitude: lon, country: k - 1, decoy: false))
                }
            }
        }
        // Mark decoys: for first-wins tables the eastern listing (later) loses; for last-wins the western (earlier).
        for k in blocks.indices {
            for i in blocks[k].indices where SampleField.isBorder(longitude: blocks[k][i].longitude) {
                let owner = SampleField.country(longitude: blocks[k][i].longitude)
                let isWestern = blocks[k][i].country == owner - 1
                blocks[k][i].decoy = lastWins ? isWestern : !isWestern
            }
        }
        return blocks.flatMap { $0 }
    }

    /// Whether a forest cell is left empty in the CSV (about 2 % of cells).
    static func forestIsEmpty(latitude lat: Double, longitude lon: Double) -> Bool {
        SampleField.noise(SampleField.key("Forest-empty"), UInt64(lat * 4), UInt64((lon + 30) * 4)) > 0.96
    }

    private func yearStep(_ y: Int) -> UTCDateTime { .firstOfMonth(year: y) }

    private func value(_ name: String, _ step: UTCDateTime, _ cell: LandCell) -> String {
        SampleField.twoDecimals(
            SampleField.indicatorRaw(
                name,
                step: step,
                latitude: cell.latitude,
                longitude: cell.longitude,
                decoy: cell.decoy
            )
        ).text
    }

    private func coordinates(_ cell: LandCell, longitudes360: Bool = false) -> String {
        let lon = longitudes360 && cell.longitude < 0 ? cell.longitude + 360 : cell.longitude
        return "\(SampleField.countries[cell.country]),\(cell.latitude),\(lon)"
    }

    /// Each indicator CSV (relative path, contents).
    func indicatorFiles() -> [(String, String)] {
        let years = Array((start.year - 1)...end.year)
        let plain = landRows(lastWins: false)
        var files: [(String, String)] = []

        // Forest: year columns, ending a year before the span does; some empty cells.
        let forestYears = years.filter { $0 <= lastForestYear }
        var s = "Country,Latitude,Longitude," + forestYears.map { "Forest_\($0)" }.joined(separator: ",") + "\n"
        for cell in plain {
            s += coordinates(cell)
            let empty = Self.forestIsEmpty(latitude: cell.latitude, longitude: cell.longitude) && !cell.decoy
            for y in forestYears { s += "," + (empty ? "" : value("Forest", yearStep(y), cell)) }
            s += "\n"
        }
        files.append(("Forest/Europe_forest_data.csv", s))

        // Combined land: bare year columns (Land) + decoy NDVI month columns, 0…360 longitudes.
        s =
            "\u{FEFF}Country,Latitude,Longitude," + years.map(String.init).joined(separator: ",") + ","
            + months.map { "NDVI_\($0.month < 10 ? "0" : "")\($0.month)/\($0.year)" }.joined(separator: ",") + "\r\n"
        for cell in plain {
            s += coordinates(cell, longitudes360: true)
            for y in years { s += "," + value("Land", yearStep(y), cell) }
            var decoy = cell
            decoy.decoy = true
            for m in months { s += "," + value("NDVI", m, decoy) }
            s += "\r\n"
        }
        files.append(("Land/Europe_land_data.csv", s))

        // NDVI: month columns.
        s =
            "Country,Latitude,Longitude,"
            + months.map { "NDVI_\($0.month < 10 ? "0" : "")\($0.month)/\($0.year)" }.joined(separator: ",") + "\n"
        for cell in plain {
            s += coordinates(cell)
            for m in months { s += "," + value("NDVI", m, cell) }
            s += "\n"
        }
        files.append(("Land/Europe_ndvi_monthly_un_025.csv", s))

        // Agriculture: Variable column, the last row of a cell wins.
        let lastWins = landRows(lastWins: true)
        s = "Variable,Country,Latitude,Longitude," + years.map { "Agri_\($0)" }.joined(separator: ",") + "\n"
        for name in ["Agriculture", "Agriculture_Irrigated", "Arable", "Cropland"] {
            for cell in lastWins {
                s += "\(name)," + coordinates(cell)
                for y in years { s += "," + value(name, yearStep(y), cell) }
                s += "\n"
            }
        }
        files.append(("Agriculture/Europe_combined_agriculture_data.csv", s))

        // Red List Index: year columns.
        s = "Country,Latitude,Longitude," + years.map { "RLI_\($0)" }.joined(separator: ",") + "\n"
        for cell in plain {
            s += coordinates(cell)
            for y in years { s += "," + value("RLI", yearStep(y), cell) }
            s += "\n"
        }
        files.append(("RedList/Europe_red_list_index.csv", s))
        return files
    }
}
