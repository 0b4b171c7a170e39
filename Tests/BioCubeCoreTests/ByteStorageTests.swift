import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeCore

@Suite struct ByteStorageTests {
    /// Released pages come back with the same bytes (from the page cache) on the next access.
    @Test func releasedPagesReadBackUnchanged() throws {
        let tmp = TemporaryDirectory("byte-storage")
        let path = tmp.file("pages.bin")
        let bytes = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let storage = try ByteStorage(mapping: path)
        #expect(Array(storage.buffer) == bytes)
        storage.release(12_345..<(2 << 20))  // unaligned ends: only whole pages inside go
        storage.release(0..<storage.buffer.count)
        storage.release(-5..<(10 << 20))  // out of range: clamped
        #expect(Array(storage.buffer) == bytes)
        ByteStorage(copying: [1, 2, 3]).release(0..<3)  // a copy: nothing to release
    }

    /// A scratch file reads back what was written, anywhere, from several threads; reading
    /// past its end is an error naming what it holds.
    @Test func scratchFileRoundTrip() async throws {
        let file = try ScratchFile(purpose: "a test")
        let blocks = (0..<16).map { k in [Float](repeating: Float(k), count: 1000 + k) }
        var offset: Int64 = 0
        var offsets: [Int64] = []
        for b in blocks {
            try b.withUnsafeBytes { try file.write($0, at: offset) }
            offsets.append(offset)
            offset += Int64(b.count * 4)
        }
        let written = offsets
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for k in blocks.indices.reversed() {
                group.addTask {
                    var back = [Float](repeating: -1, count: blocks[k].count)
                    try back.withUnsafeMutableBytes { try file.read(into: $0, at: written[k]) }
                    return back == blocks[k]
                }
            }
            for try await same in group { #expect(same) }
        }
        let end = offset
        let error = try #require(throws: BioCubeError.self) {
            var tooFar = [UInt8](repeating: 0, count: 8)
            try tooFar.withUnsafeMutableBytes { try file.read(into: $0, at: end - 4) }
        }
        #expect(error.message.contains("a test") && error.message.contains("short"))
    }
}
