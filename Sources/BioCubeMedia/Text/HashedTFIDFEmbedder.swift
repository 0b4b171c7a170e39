import BioCubeCore
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

    /// The embedding lengths accepted (up to a million buckets, 4 MB per text).
    public static let dimensions = 1...1_048_576
    /// The n-gram lengths accepted, in words.
    public static let nGrams = 1...8

    /// An unfitted embedder into `dimension` buckets (``dimensions``) with n-grams up to
    /// `maximumNGram` words (``nGrams``); other values are an error, never clamped.
    public init(dimension: Int = 512, maximumNGram: Int = 2) throws {
        guard Self.dimensions.contains(dimension) else {
            throw BioCubeError(
                .invalidArgument,
                "text embedding length \(dimension) is not \(Self.dimensions.lowerBound)…\(Self.dimensions.upperBound)"
            )
        }
        guard Self.nGrams.contains(maximumNGram) else {
            throw BioCubeError(
                .invalidArgument,
                "n-gram length \(maximumNGram) is not \(Self.nGrams.lowerBound)…\(Self.nGrams.upperBound) words"
            )
        }
        self.dimension = dimension
        self.maximumNGram = maximumNGram
        inverseDocumentFrequency = [Float](repeating: 1, count: dimension)
        documents = 0
    }

    /// This embedder with inverse document frequencies learnt from `corpus`.
    public func fitted(to corpus: some Sequence<String>) -> HashedTFIDFEmbedder {
        var holding = [Int](repeating: 0, count: dimension)
        var n = 0
        for text in corpus {
            n += 1
            for bucket in Set(gramHashes(text).map { Int($0 % UInt64(dimension)) }) { holding[bucket] += 1 }
        }
        var out = self
        out.documents = n
        out.inverseDocumentFrequency = holding.map { Float(log((1 + Double(n)) / (1 + Double($0))) + 1) }
        return out
    }

    /// The unit-length vector of `text` (all zeros when it has no words). N-grams are told
    /// apart by their 64-bit hash; their terms are summed in hash order (deterministic).
    public func embed(_ text: String) throws -> [Float] {
        embedding(ofHashes: gramHashes(text))
    }

    /// The embedding of a text given its n-grams' hashes (``embed(_:)`` after hashing).
    func embedding(ofHashes hashes: [UInt64]) -> [Float] {
        // Each distinct hash with its count, in ascending order of hash (runs of the sorted list).
        let sorted = hashes.sorted()
        var v = [Double](repeating: 0, count: dimension)
        var i = 0
        while i < sorted.count {
            let h = sorted[i]
            var j = i + 1
            while j < sorted.count && sorted[j] == h { j += 1 }
            let bucket = Int(h % UInt64(dimension))
            let sign: Double = h >> 63 == 0 ? 1 : -1
            v[bucket] += sign * (1 + log(Double(j - i))) * Double(inverseDocumentFrequency[bucket])
            i = j
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { norm > 0 ? Float($0 / norm) : 0 }
    }

    /// Fits the inverse document frequencies to `texts` and embeds every one of them: the
    /// embedder `fitted(to: texts)` and, row after row, its `embed` of each text (the same
    /// values), with each text's n-grams hashed once and `threads` (default: one per core)
    /// texts worked on at a time.
    public func fittedEmbeddings(
        of texts: [String],
        threads: Int? = nil
    ) async -> (
        embedder: HashedTFIDFEmbedder, rows: [Float]
    ) {
        let width = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let chunk = max(1, (texts.count + width * 4 - 1) / (width * 4))
        let starts = Array(Swift.stride(from: 0, to: texts.count, by: chunk))
        func parallel<T: Sendable>(_ body: @escaping @Sendable (Range<Int>) -> [T]) async -> [T] {
            await withTaskGroup(of: (Int, [T]).self) { group in
                var parts: [Int: [T]] = [:]
                var next = 0
                func add(_ i: Int) {
                    let range = starts[i]..<min(texts.count, starts[i] + chunk)
                    group.addTask { (i, body(range)) }
                }
                while next < min(width, starts.count) {
                    add(next)
                    next += 1
                }
                while let (i, part) = await group.next() {
                    parts[i] = part
                    if next < starts.count {
                        add(next)
                        next += 1
                    }
                }
                return (0..<starts.count).flatMap { parts[$0]! }
            }
        }
        let base = self
        let hashes = await parallel { range in range.map { base.gramHashes(texts[$0]) } }
        var holding = [Int](repeating: 0, count: dimension)
        // Documents holding each bucket: a bucket counts once per document (`seen` marks it).
        var seen = [Int](repeating: -1, count: dimension)
        for (d, h) in hashes.enumerated() {
            for x in h {
                let bucket = Int(x % UInt64(dimension))
                if seen[bucket] != d {
                    seen[bucket] = d
                    holding[bucket] += 1
                }
            }
        }
        var fitted = self
        fitted.documents = texts.count
        fitted.inverseDocumentFrequency = holding.map {
            Float(log((1 + Double(texts.count)) / (1 + Double($0))) + 1)
        }
        let embedder = fitted
        let rows = await parallel { range in range.flatMap { embedder.embedding(ofHashes: hashes[$0]) } }
        return (embedder, rows)
    }

    static let fnvOffset: UInt64 = 0xCBF2_9CE4_8422_2325
    static let fnvPrime: UInt64 = 0x100_0000_01B3

    /// The FNV-1a hashes of the n-grams of `text` (their words joined by one space): all
    /// 1-grams, then all 2-grams, …; an n-gram's hash continues its (n−1)-gram prefix's.
    func gramHashes(_ text: String) -> [UInt64] {
        let bytes = TextNormalisation.normalisedUTF8(text)
        var words: [Range<Int>] = []
        var start = 0
        for (i, b) in bytes.enumerated() where b == 0x20 {
            if i > start { words.append(start..<i) }
            start = i + 1
        }
        if start < bytes.count { words.append(start..<bytes.count) }
        var out: [UInt64] = []
        var previous: [UInt64] = []
        for n in 1...maximumNGram where words.count >= n {
            var current: [UInt64] = []
            current.reserveCapacity(words.count - n + 1)
            for i in 0...(words.count - n) {
                var h = n == 1 ? Self.fnvOffset : (previous[i] ^ 0x20) &* Self.fnvPrime
                for b in bytes[words[i + n - 1]] { h = (h ^ UInt64(b)) &* Self.fnvPrime }
                current.append(h)
            }
            out += current
            previous = current
        }
        return out
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

    /// The bucket and sign of one n-gram.
    static func bucket(of gram: String, dimension: Int) -> (bucket: Int, sign: Float) {
        var h = fnvOffset
        for b in gram.utf8 { h = (h ^ UInt64(b)) &* fnvPrime }
        return (Int(h % UInt64(dimension)), h >> 63 == 0 ? 1 : -1)
    }
}
