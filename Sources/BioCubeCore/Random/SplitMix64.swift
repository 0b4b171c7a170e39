/// A small, fast, deterministic random number generator (SplitMix64), for reproducible
/// sample data and benchmarks: the same seed gives the same sequence on every machine.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from a seed.
    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform float in `[-1, 1)`.
    package mutating func nextSignedUnit() -> Float {
        Float(Int64(bitPattern: next()) >> 40) / Float(1 << 23)
    }
}
