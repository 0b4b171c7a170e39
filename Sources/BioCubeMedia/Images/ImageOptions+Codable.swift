/// The settings as JSON: the keys of the first release always, and `arithmetic` and
/// `jpegDraft` only when they are not their defaults, so the settings identity of datasets
/// built before they existed (`SpeciesMediaDataset`) stays the same. Missing keys decode as
/// the defaults.
extension ImageOptions {
    private enum CodingKeys: String, CodingKey {
        case size, filter, fit, arithmetic, jpegDraft, mean, standardDeviation
    }

    /// Settings from JSON; missing keys take the defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        size = try c.decodeIfPresent(Int.self, forKey: .size) ?? size
        filter = try c.decodeIfPresent(Filter.self, forKey: .filter) ?? filter
        fit = try c.decodeIfPresent(Fit.self, forKey: .fit) ?? fit
        arithmetic = try c.decodeIfPresent(Arithmetic.self, forKey: .arithmetic) ?? arithmetic
        jpegDraft = try c.decodeIfPresent(Bool.self, forKey: .jpegDraft) ?? jpegDraft
        mean = try c.decodeIfPresent([Float].self, forKey: .mean) ?? mean
        standardDeviation = try c.decodeIfPresent([Float].self, forKey: .standardDeviation) ?? standardDeviation
    }

    /// The settings as JSON (defaults of later additions left out).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(size, forKey: .size)
        try c.encode(filter, forKey: .filter)
        try c.encode(fit, forKey: .fit)
        if arithmetic != .float { try c.encode(arithmetic, forKey: .arithmetic) }
        if jpegDraft { try c.encode(jpegDraft, forKey: .jpegDraft) }
        try c.encode(mean, forKey: .mean)
        try c.encode(standardDeviation, forKey: .standardDeviation)
    }
}
