import Foundation

/// A deterministic text embedding that needs no model: the word n-grams of the normalised
/// text (``TextNormalisation``) hashed into ``dimension`` buckets, weighted by sublinear term
/// frequency `1 + ln(count)` times the inverse document frequency learnt from a corpus, and
/// scaled to unit length.
///
/// The bucket of an n-gram (its words joined by one space, UTF-8) is its 64-bit FNV-1a hash
/// modulo ``dimension``; bit 63 of the hash gives the sign (+ when clear), so collisions
/// tend to cancel rather than add up. The inverse document frequency of a bucket is
/// `ln((1 + documents) / (1 + documents holding it)) + 1` (scikit-learn's smoothed form);
/// without a corpus every bucket weighs 1.
///
/// ```swift
/// let embedder = HashedTFIDFEmbedder(dimension: 512).fitted(to: descriptions)
/// let vector = try embedder.embed("A small passerine bird of open woodland")
/// ```
public struct HashedTFIDFEmbedder: TextEmbedder, Hashable, Codable {
    /// The number of buckets.
    public let dimension: Int
    /// The n-gram lengths used, from 1.
    let maximumNGram: Int
    /// The inverse document frequency per bucket (all 1 before fitting).
    private(set) var inverseDocumentFrequency: [Float]
    /// The documents fitted to.
    private(set) var documents: Int

    /// An unfitted embedder into `dimension` buckets with n-grams up to `maximumNGram` words.
    public init(dimension: Int = 512, maximumNGram: Int = 2) {
        self.dimension = max(1, dimension)
        self.maximumNGram = max(1, maximumNGram)
        inverseDocumentFrequency = [Float](repeating: 1, count: max(1, dimension))
        documents = 0
    }

    /// This embedder with inverse document frequencies learnt from `corpus`.
    public func fitted(to corpus: some Sequence<String>) -> HashedTFIDFEmbedder {
        var holding = [Int](repeating: 0, count: dimension)
        var n = 0
        for text in corpus {
            n += 1
            for bucket in Set(hashedNGrams(text).map(\.bucket)) { holding[bucket] += 1 }
        }
        var out = self
        out.documents = n
        out.inverseDocumentFrequency = holding.map { Float(log((1 + Double(n)) / (1 + Double($0))) + 1) }
        return out
    }

    /// The unit-length vector of `text` (all zeros when it has no words).
    public func embed(_ text: String) throws -> [Float] {
        var v = [Double](repeating: 0, count: dimension)
        var perGram: [String: Int] = [:]
        for gram in nGrams(text) { perGram[gram, default: 0] += 1 }
        for (gram, count) in perGram.sorted(by: { $0.key < $1.key }) {
            let (bucket, sign) = Self.bucket(of: gram, dimension: dimension)
            v[bucket] += Double(sign) * (1 + log(Double(count))) * Double(inverseDocumentFrequency[bucket])
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { norm > 0 ? Float($0 / norm) : 0 }
    }

    /// The n-grams of `text`, in order: all 1-grams, then all 2-grams, ….
    func nGrams(_ text: String) -> [String] {
        let words = TextNormalisation.words(text)
        var out: [String] = []
        for n in 1...maximumNGram where words.count >= n {
            for i in 0...(words.count - n) { out.append(words[i..<(i + n)].joined(separator: " ")) }
        }
        return out
    }

    private func hashedNGrams(_ text: String) -> [(bucket: Int, sign: Float)] {
        nGrams(text).map { Self.bucket(of: $0, dimension: dimension) }
    }

    /// The bucket and sign of one n-gram.
    static func bucket(of gram: String, dimension: Int) -> (bucket: Int, sign: Float) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in gram.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return (Int(h % UInt64(dimension)), h >> 63 == 0 ? 1 : -1)
    }
}
