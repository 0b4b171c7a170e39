import BioCubeCore
import Foundation

/// The record of completed downloads in a folder (`.biocube-downloads.json`): which
/// request produced which file, with its size and CRC-32C, so a rerun skips them.
struct DownloadManifest: Codable, Sendable {
    struct Entry: Codable, Hashable, Sendable {
        var dataset: String
        var request: String
        var file: String
        var size: Int64
        var crc32c: UInt32
    }

    var entries: [String: Entry] = [:]

    static func path(in directory: String) -> String { directory + "/.biocube-downloads.json" }

    static func load(from directory: String) throws -> DownloadManifest {
        let p = path(in: directory)
        guard FileIO.exists(p) else { return DownloadManifest() }
        do { return try JSONDecoder().decode(DownloadManifest.self, from: Data(try FileIO.read(p))) }
        catch { throw BioCubeError(.invalidMetadata, "\(p): unreadable download manifest (\(error)); delete it to start over") }
    }

    func save(to directory: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileIO.writeAtomically(DownloadManifest.path(in: directory), Array(try e.encode(self)))
    }

    /// The CRC-32C of a whole file, streamed.
    static func checksum(of path: String) throws -> UInt32 {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BioCubeError(.io, "\(path): cannot open") }
        defer { try? handle.close() }
        var crc: UInt32 = 0
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
            crc = chunk.withUnsafeBytes { CRC32C.checksum($0, continuing: crc) }
        }
        return crc
    }
}
