import BioCubeCore
import Foundation

/// The record of completed downloads in a folder (`.biocube-downloads.json`): which
/// request produced which file, with its size and CRC-32C, so a rerun skips them.
package struct DownloadManifest: Codable, Sendable {
    /// One completed download.
    package struct Entry: Codable, Hashable, Sendable {
        /// The dataset or service (`reanalysis-era5-single-levels-monthly-means`, `gbif-occurrence-sql`, …).
        package var dataset: String
        /// The request that produced the file, as its service received it.
        package var request: String
        /// The file's name in the folder.
        package var file: String
        /// Its size in bytes and CRC-32C when it was recorded.
        package var size: Int64
        package var crc32c: UInt32
        /// The DOI the service minted for the download (GBIF), which users must cite.
        package var doi: String? = nil
        /// The citation text the service asks for.
        package var citation: String? = nil
        /// The licence of the downloaded data, as the service states it.
        package var licence: String? = nil

        /// Creates an entry.
        package init(dataset: String, request: String, file: String, size: Int64, crc32c: UInt32) {
            self.dataset = dataset
            self.request = request
            self.file = file
            self.size = size
            self.crc32c = crc32c
        }
    }

    /// Entries by request identity.
    package var entries: [String: Entry] = [:]

    /// Requests submitted but not yet downloaded: request identity → the service's job id,
    /// so a rerun after an interruption waits for the same job instead of asking again.
    package var pending: [String: String]? = nil

    /// An empty manifest.
    package init() {}

    /// The manifest's path in `directory`.
    package static func path(in directory: String) -> String { directory + "/.biocube-downloads.json" }

    /// Whether `key`'s recorded file is at `path` with the recorded size and checksum.
    package func isComplete(_ key: String, at path: String) throws -> Bool {
        guard let entry = entries[key], let attrs = FileIO.attributes(path), attrs.size == entry.size else {
            return false
        }
        return try DownloadManifest.checksum(of: path) == entry.crc32c
    }

    /// Records the finished file at `path` for `key` (and forgets its pending job); returns its size.
    @discardableResult
    package mutating func record(
        _ key: String,
        dataset: String,
        request: String,
        path: String,
        doi: String? = nil,
        citation: String? = nil,
        licence: String? = nil
    ) throws -> Int64 {
        let bytes = FileIO.attributes(path)?.size ?? 0
        var entry = Entry(
            dataset: dataset,
            request: request,
            file: (path as NSString).lastPathComponent,
            size: bytes,
            crc32c: try DownloadManifest.checksum(of: path)
        )
        entry.doi = doi
        entry.citation = citation
        entry.licence = licence
        entries[key] = entry
        pending?[key] = nil
        return bytes
    }

    /// A stable 64-bit identity of a request's canonical text (FNV-1a), the manifest's key.
    package static func identity(of text: some Sequence<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }

    /// Reads the manifest of `directory` (empty when there is none).
    package static func load(from directory: String) throws -> DownloadManifest {
        let p = path(in: directory)
        guard FileIO.exists(p) else { return DownloadManifest() }
        do { return try JSONDecoder().decode(DownloadManifest.self, from: Data(try FileIO.read(p))) } catch {
            throw BioCubeError(
                .invalidMetadata,
                "\(p): unreadable download manifest (\(error)); delete it to start over",
                cause: error
            )
        }
    }

    /// Writes the manifest atomically.
    package func save(to directory: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileIO.writeAtomically(DownloadManifest.path(in: directory), Array(try e.encode(self)))
    }

    /// The CRC-32C of a whole file, streamed.
    package static func checksum(of path: String) throws -> UInt32 {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BioCubeError(.io, "\(path): cannot open") }
        defer { try? handle.close() }
        var crc: UInt32 = 0
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
            crc = chunk.withUnsafeBytes { CRC32C.checksum($0, continuing: crc) }
        }
        return crc
    }
}
