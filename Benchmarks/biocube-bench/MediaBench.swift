import BioCubeCore
import BioCubeMedia
import Foundation

/// `biocube-bench media DIR [JOBS]`: the species-media preprocessing on the corpus
/// `Benchmarks/media_bench.py` writes into DIR — `images/*.jpg` to (3, 64, 64) tensors,
/// `sounds/*.wav` and `sounds/*.mp3` to log-mel and MFCC features at 16 kHz, `dna.txt` (one
/// sequence per line) to 4-mer frequencies and one-hot (4, 658), `texts.txt` (one per
/// line) to 512-bucket TF-IDF vectors fitted on all lines — each stage over JOBS tasks, as
/// `biocube species-dataset` runs it. Prints seconds, counts and a checksum per stage.
func mediaBenchmark(directory: String, jobs: Int) async throws -> [String: Any] {
    let clock = ContinuousClock()
    func files(_ folder: String, _ ext: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory + "/" + folder).filter { $0.hasSuffix(ext) }
            .sorted()
            .map { directory + "/" + folder + "/" + $0 }
    }
    /// Runs `work` over `items` on `jobs` tasks; returns seconds and the sum of the results.
    func timed<T: Sendable>(
        _ items: [T],
        _ work: @escaping @Sendable (T) throws -> Double
    ) async throws -> (Double, Double) {
        let start = clock.now
        var total = 0.0
        try await withThrowingTaskGroup(of: Double.self) { group in
            var next = 0
            while next < min(jobs, items.count) {
                let item = items[next]
                group.addTask { try work(item) }
                next += 1
            }
            while let r = try await group.next() {
                total += r
                if next < items.count {
                    let item = items[next]
                    group.addTask { try work(item) }
                    next += 1
                }
            }
        }
        return (seconds(clock.now - start), total)
    }
    var out: [String: Any] = ["jobs": jobs]
    let images = try ImagePreprocessor()
    let photos = try files("images", ".jpg")
    let (imageSeconds, imageSum) = try await timed(photos) { path in
        Double(try images.tensor(ofFile: path).storage.reduce(0, +))
    }
    out["images"] = ["count": photos.count, "seconds": imageSeconds, "checksum": imageSum]

    let audio = try AudioPreprocessor()
    for ext in ["wav", "mp3"] {
        let clips = try files("sounds", "." + ext)
        let (s, total) = try await timed(clips) { path in
            let f = try audio.features(ofFile: path)
            precondition(f.logMel.storage.allSatisfy(\.isFinite) && f.mfcc.storage.allSatisfy(\.isFinite))
            return f.duration
        }
        out["sounds_" + ext] = ["count": clips.count, "seconds": s, "audio_seconds": total]
    }

    let sequences = String(decoding: try FileIO.read(directory + "/dna.txt"), as: UTF8.self).split(separator: "\n")
        .map(String.init)
    let (dnaSeconds, dnaSum) = try await timed(Array(0..<jobs)) { part in
        var s = 0.0
        for i in stride(from: part, to: sequences.count, by: jobs) {
            let dna = try DNASequence(sequences[i])
            s += Double(try dna.kmerFrequencies(k: 4)[0]) + Double(try dna.oneHot(length: 658).storage.reduce(0, +))
        }
        return s
    }
    out["dna"] = ["count": sequences.count, "seconds": dnaSeconds, "checksum": dnaSum]

    let texts = String(decoding: try FileIO.read(directory + "/texts.txt"), as: UTF8.self).split(separator: "\n")
        .map(String.init)
    let start = clock.now
    let embedder = try HashedTFIDFEmbedder(dimension: 512).fitted(to: texts)
    let fit = seconds(clock.now - start)
    let (embedSeconds, embedSum) = try await timed(Array(0..<jobs)) { part in
        var s = 0.0
        for i in stride(from: part, to: texts.count, by: jobs) { s += Double(try embedder.embed(texts[i])[0]) }
        return s
    }
    out["texts"] = ["count": texts.count, "seconds": fit + embedSeconds, "checksum": embedSum]
    return out
}
