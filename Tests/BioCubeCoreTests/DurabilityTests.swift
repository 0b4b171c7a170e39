import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeCore

/// What an interrupted or power-cut writer leaves: temporary files are tracked for the
/// interrupt handler while they exist, and a chunk that lost its data is not trusted.
@Suite struct DurabilityTests {
    @Test func temporaryFilesAreTrackedOnlyWhileTheyExist() throws {
        let dir = TemporaryDirectory()
        // Writers name temporary files by a normalised path (no doubled slashes).
        let folder = dir.path.replacingOccurrences(of: "//", with: "/")
        try FileIO.writeAtomically(dir.file("a.bin"), [1, 2, 3])
        #expect(LiveTemporaryFiles.tracked(under: folder).isEmpty)
        // A failed write (the parent is a file) leaves nothing tracked either.
        #expect(throws: BioCubeError.self) { try FileIO.writeAtomically(dir.file("a.bin/b.bin"), [1]) }
        #expect(LiveTemporaryFiles.tracked(under: folder).isEmpty)

        let writer = try AtomicFileWriter(path: dir.file("c.bin"))
        let live = LiveTemporaryFiles.tracked(under: folder)
        #expect(live.count == 1 && FileIO.exists(live[0]) && live[0].hasSuffix(".tmp"))
        try writer.write([9, 9])
        try writer.commit()
        #expect(LiveTemporaryFiles.tracked(under: folder).isEmpty && FileIO.exists(dir.file("c.bin")))

        var dropped: AtomicFileWriter? = try AtomicFileWriter(path: dir.file("d.bin"))
        let temp = LiveTemporaryFiles.tracked(under: folder)
        #expect(temp.count == 1)
        dropped = nil
        #expect(dropped == nil && LiveTemporaryFiles.tracked(under: folder).isEmpty)
        #expect(!FileIO.exists(temp[0]) && !FileIO.exists(dir.file("d.bin")))
    }

    func store(_ dir: TemporaryDirectory, _ codecs: [ZarrCodec]) throws -> ZarrArray {
        let a = try CubeStore.create(at: dir.file("s.zarr")).createArray(
            "v",
            metadata: ArrayMetadata(
                shape: [2, 4],
                dataType: .float32,
                chunkShape: [1, 4],
                fillValue: nil,
                codecs: codecs
            )
        )
        try a.write((0..<8).map(Float.init), to: [.all, .all])
        return a
    }

    /// A power cut can leave a renamed chunk empty or partial: with the checksum, a resuming
    /// build sees it as not written.
    @Test(arguments: ["empty", "cut", "flipped"]) func aDamagedChunkIsNotIntact(damage: String) throws {
        let dir = TemporaryDirectory()
        let a = try store(dir, ZarrCodec.standard())
        var buffer: [UInt8] = []
        #expect(a.chunkIsIntact([0, 0], buffer: &buffer) && a.chunkIsIntact([1, 0], buffer: &buffer))
        let path = a.chunkFile([1, 0])
        var bytes = try FileIO.read(path)
        switch damage {
        case "empty": bytes = []
        case "cut": bytes.removeLast(3)
        default: bytes[bytes.count / 2] ^= 1
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(!a.chunkIsIntact([1, 0], buffer: &buffer))
        #expect(a.chunkIsIntact([0, 0], buffer: &buffer))
    }

    @Test func withoutAChecksumAChunkIsIntactWhenItExists() throws {
        let dir = TemporaryDirectory()
        let a = try store(dir, [.bytes(endian: .little), .zstd(level: 3, checksum: false)])
        var buffer: [UInt8] = []
        #expect(a.chunkIsIntact([1, 0], buffer: &buffer))
        try FileIO.removeItem(a.chunkFile([1, 0]))
        #expect(!a.chunkIsIntact([1, 0], buffer: &buffer))
    }

    @Test func synchronizingNamesAMissingPath() throws {
        let dir = TemporaryDirectory()
        try FileIO.synchronizeFileSystem(of: dir.path)
        let error = #expect(throws: BioCubeError.self) { try FileIO.synchronizeFileSystem(of: dir.file("gone")) }
        #expect(error?.code == .io && error?.file == dir.file("gone"))
    }
}
