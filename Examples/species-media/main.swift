// The species media dataset from a Life/ folder (as `biocube download inaturalist |
// xeno-canto | bold | descriptions` write it), with your own description embedder
// plugged in through the `TextEmbedder` protocol, then one photo's tensor read back.
//
//   swift run species-media Life species_media.parquet
import BioCubeCore
import BioCubeMedia
import Foundation

/// Character trigrams hashed into 256 buckets, unit length: robust to spelling variants and
/// compound words. Stands in for a language model; any type conforming to `TextEmbedder`
/// plugs in the same way.
struct CharacterTrigramEmbedder: TextEmbedder {
    let dimension = 256

    func embed(_ text: String) throws -> [Float] {
        let letters = Array(" " + TextNormalisation.normalised(text) + " ")
        var v = [Float](repeating: 0, count: dimension)
        if letters.count >= 3 {
            for i in 0...(letters.count - 3) {
                var h: UInt64 = 0xCBF2_9CE4_8422_2325
                for b in String(letters[i..<(i + 3)]).utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
                v[Int(h % UInt64(dimension))] += 1
            }
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? v.map { $0 / norm } : v
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: species-media LIFE OUT.parquet\n".utf8))
    exit(2)
}
do {
    let library = MediaLibrary(root: arguments[0])
    var options = SpeciesMediaDataset.Options()
    options.image.size = 32
    options.textEmbedder = CharacterTrigramEmbedder()
    let summary = try await SpeciesMediaDataset(library: library, options: options).write(to: arguments[1])
    print("species-media: \(summary.rows) rows from \(summary.species) species → \(summary.path)")
    for problem in summary.problems { print("  left out: \(problem)") }

    // One photo again, as the dataset stores it.
    if let species = try library.species().first, let photo = try library.records(of: .image, species: species).first {
        let tensor = try ImagePreprocessor(options: options.image).tensor(
            ofFile: try library.folder(of: species) + "/" + photo.file
        )
        print("species-media: \(species) \(photo.id): tensor \(tensor.shape)")
    }
} catch {
    FileHandle.standardError.write(Data("species-media: error: \(error)\n".utf8))
    exit(1)
}
