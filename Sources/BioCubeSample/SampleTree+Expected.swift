package import BioCubeCore

extension SampleTree {
    /// ERA5 variables the sample stores int16-packed (legacy layout): read back they differ
    /// from ``expected(_:level:at:latitude:longitude:)`` by up to half a packing step.
    package static let packedVariables: Set<String> = ["swvl1", "swvl2", "stl1", "stl2"]

    /// The value a correct pipeline harmonises from the sample for one variable, step and
    /// grid cell, NaN where the sample has no value (ocean cells of land-only tables, the
    /// missing misc month, forest years past the table, empty cells, species absent).
    ///
    /// `variable` is an ERA5 short name, an indicator name, or a species key; `level` is the
    /// pressure level (hPa) for pressure-level variables, `nil` otherwise.
    package func expected(
        _ variable: String,
        level: Double?,
        at step: UTCDateTime,
        latitude lat: Double,
        longitude lon: Double
    ) -> Float {
        if species.contains(variable) {
            let n =
                SampleField.isLand(latitude: lat, longitude: lon)
                ? SampleField.occurrences(variable, step: step, latitude: lat, longitude: lon) : 0
            return n > 0 ? Float(n) : .nan
        }
        switch variable {
        case "Forest", "Land", "NDVI", "Agriculture", "Agriculture_Irrigated", "Arable", "Cropland", "RLI":
            guard SampleField.isLand(latitude: lat, longitude: lon) else { return .nan }
            if variable == "Forest" && (step.year > lastForestYear || Self.forestIsEmpty(latitude: lat, longitude: lon))
            {
                return .nan
            }
            let when = variable == "NDVI" ? step : step.startOfYear
            return SampleField.twoDecimals(
                SampleField.indicatorRaw(variable, step: when, latitude: lat, longitude: lon)
            ).value
        case "avg_slhtf", "avg_pevr":
            if step == missingMiscMonth { return .nan }
            return SampleField.era5(variable, level: level, step: step, latitude: lat, longitude: lon)
        default:
            return SampleField.era5(variable, level: level, step: step, latitude: lat, longitude: lon)
        }
    }
}

extension UTCDateTime {
    /// January 1st of this date's year.
    var startOfYear: UTCDateTime { .firstOfMonth(year: year) }
}

extension SampleTree {
    /// ``expected(_:level:at:latitude:longitude:)`` for every cell of a lattice, row-major
    /// (`latitudes` outer): one plane, computed with the per-plane terms hoisted.
    ///
    /// `group` matters for `t2m` only: `climate_variables.t2m` comes from the second climate
    /// file, which adds ``climateT2mOffset``.
    package func expectedPlane(
        _ variable: String,
        group: VariableGroup? = nil,
        level: Double?,
        at step: UTCDateTime,
        latitudes: [Double],
        longitudes: [Double]
    ) -> [Float] {
        if variable == "t2m" && group == .climate && climateT2mOffset != 0 {
            return expectedPlane(variable, level: level, at: step, latitudes: latitudes, longitudes: longitudes).map {
                $0 + climateT2mOffset
            }
        }
        let isERA5 = SampleField.era5[variable] != nil || ["lsm", "slt", "z", "t", "u", "v", "q"].contains(variable)
        guard isERA5, !(step == missingMiscMonth && ["avg_slhtf", "avg_pevr"].contains(variable)) else {
            return latitudes.flatMap { lat in
                longitudes.map { expected(variable, level: level, at: step, latitude: lat, longitude: $0) }
            }
        }
        let context = SampleField.PlaneContext(variable, level: level, step: step)
        var out = [Float]()
        out.reserveCapacity(latitudes.count * longitudes.count)
        for lat in latitudes {
            for lon in longitudes {
                out.append(SampleField.era5(context, SampleField.Cell(latitude: lat, longitude: lon)))
            }
        }
        return out
    }
}
