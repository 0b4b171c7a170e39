/// The settings as JSON: the keys of the first release as before, and `resampling` only when
/// it is not the default, so the settings identity of datasets built before it existed
/// (`SpeciesMediaDataset`) stays the same. Missing keys decode as the defaults.
extension AudioFeatureOptions {
    private enum CodingKeys: String, CodingKey {
        case resampling, sampleRate, fftSize, hopLength, melBands, mfccCount, minimumFrequency, maximumFrequency
        case topDecibels
    }

    /// Settings from JSON; missing keys take the defaults (optionals: nil).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        resampling = try c.decodeIfPresent(Resampling.self, forKey: .resampling) ?? resampling
        sampleRate = try c.decodeIfPresent(Int.self, forKey: .sampleRate) ?? sampleRate
        fftSize = try c.decodeIfPresent(Int.self, forKey: .fftSize) ?? fftSize
        hopLength = try c.decodeIfPresent(Int.self, forKey: .hopLength) ?? hopLength
        melBands = try c.decodeIfPresent(Int.self, forKey: .melBands) ?? melBands
        mfccCount = try c.decodeIfPresent(Int.self, forKey: .mfccCount) ?? mfccCount
        minimumFrequency = try c.decodeIfPresent(Double.self, forKey: .minimumFrequency) ?? minimumFrequency
        maximumFrequency = try c.decodeIfPresent(Double.self, forKey: .maximumFrequency)
        // As the synthesised decoding did: an optional's missing key is nil (no floor).
        topDecibels = try c.decodeIfPresent(Double.self, forKey: .topDecibels)
    }

    /// The settings as JSON (nil values and the default resampler left out).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if resampling != .kaiser { try c.encode(resampling, forKey: .resampling) }
        try c.encode(sampleRate, forKey: .sampleRate)
        try c.encode(fftSize, forKey: .fftSize)
        try c.encode(hopLength, forKey: .hopLength)
        try c.encode(melBands, forKey: .melBands)
        try c.encode(mfccCount, forKey: .mfccCount)
        try c.encode(minimumFrequency, forKey: .minimumFrequency)
        try c.encodeIfPresent(maximumFrequency, forKey: .maximumFrequency)
        try c.encodeIfPresent(topDecibels, forKey: .topDecibels)
    }
}
