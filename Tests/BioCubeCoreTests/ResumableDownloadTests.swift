import BioCubeTestSupport
import BioCubeTransfer
import Foundation
import Testing

@testable import BioCubeCore

/// Servers that do not stop: pieces go to disk, never to memory, and every download has a
/// bound — a ranged request answered with far more than its range is cut, and a stream of
/// pieces without a total ends at the download's limit.
@Suite struct ResumableDownloadTests {
    private func http() -> HTTPTransport {
        HTTPTransport(session: nil, timeout: 20, retry: RetryPolicy(retries: 1, backoff: .milliseconds(1)))
    }

    @Test func aServerIgnoringRangeWithAHugeBodyIsCutAtThePiece() async throws {
        let big = Data(repeating: 7, count: 48 << 20)
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPServer.Response(status: 200, headers: ["Content-Type": "image/jpeg"], body: big)
        }
        defer { server.stop() }
        let dir = TemporaryDirectory()
        let download = ResumableDownload(http: http(), pieceSize: 1 << 20, service: "test", maximumBytes: 4 << 20)
        await #expect {
            try await download.run(
                from: server.baseURL.appendingPathComponent("photo.jpg"),
                size: nil,
                to: dir.file("p.jpg")
            )
        } throws: { e in
            let text = "\(e)"
            return text.contains("more than") && (text.contains("asked for") || text.contains("accepted"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("p.jpg")), "nothing kept")
    }

    @Test func endlessPiecesWithoutATotalStopAtTheLimit() async throws {
        let server = try LoopbackHTTPServer { request in
            let range = request.headers["range"] ?? "bytes=0-0"
            let ends = range.dropFirst(6).split(separator: "-").compactMap { Int($0) }
            let n = ends.count == 2 ? ends[1] - ends[0] + 1 : 1
            return LoopbackHTTPServer.Response(
                status: 206,
                headers: ["Content-Range": "bytes \(ends.first ?? 0)-\(ends.last ?? 0)/*"],
                body: Data(repeating: 1, count: n)
            )
        }
        defer { server.stop() }
        let dir = TemporaryDirectory()
        let download = ResumableDownload(http: http(), pieceSize: 4096, service: "test", maximumBytes: 40_000)
        await #expect {
            try await download.run(from: server.baseURL.appendingPathComponent("x"), size: nil, to: dir.file("x"))
        } throws: { "\($0)".contains("keeps sending past 40000 bytes") }
        #expect(server.requests.count <= 11)
    }

    @Test func anAnnouncedSizeIsHeldToEvenWithoutRanges() async throws {
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPServer.Response(status: 200, headers: [:], body: Data(repeating: 2, count: 5000))
        }
        defer { server.stop() }
        let dir = TemporaryDirectory()
        let download = ResumableDownload(http: http(), pieceSize: 1 << 20, service: "test")
        await #expect {
            try await download.run(from: server.baseURL.appendingPathComponent("x"), size: 4000, to: dir.file("x"))
        } throws: { "\($0)".contains("answered 5000 bytes, it announced 4000") }
        try await download.run(from: server.baseURL.appendingPathComponent("x"), size: 5000, to: dir.file("x"))
        #expect(try FileIO.read(dir.file("x")) == [UInt8](repeating: 2, count: 5000))
    }
}
