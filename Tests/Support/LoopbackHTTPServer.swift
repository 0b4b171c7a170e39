import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on 127.0.0.1 for tests: one connection at a time, one request
/// per connection (`Connection: close`), answers from a handler. A response can cut its
/// body short to simulate a dropped connection.
public final class LoopbackHTTPServer: Sendable {
    /// A received request; header names lower-cased.
    public struct Request: Sendable {
        public let method: String
        public let path: String
        public let headers: [String: String]
        public let body: Data
        /// When the request arrived.
        public var received: ContinuousClock.Instant = .now
    }

    /// An answer.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String] = [:]
        public var body: Data = Data()
        /// Send only this many body bytes (after announcing the full length), then close.
        public var cutAfter: Int? = nil

        /// An answer with all fields.
        public init(status: Int, headers: [String: String] = [:], body: Data = Data(), cutAfter: Int? = nil) {
            self.status = status
            self.headers = headers
            self.body = body
            self.cutAfter = cutAfter
        }

        /// `data` as a file answer: 206 with `Content-Range` for a `Range: bytes=lo-[hi]`
        /// request header, 416 when the range starts past the end, else 200.
        public static func file(_ data: Data, range: String?, contentType: String) -> Response {
            var headers = ["Content-Type": contentType]
            guard let range, range.hasPrefix("bytes=") else {
                return Response(status: 200, headers: headers, body: data)
            }
            let ends = range.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
            let lo = Int(ends.first ?? "") ?? 0
            let hi = min(data.count - 1, ends.count > 1 ? Int(ends[1]) ?? data.count - 1 : data.count - 1)
            if lo >= data.count { return Response(status: 416, headers: ["Content-Range": "bytes */\(data.count)"]) }
            headers["Content-Range"] = "bytes \(lo)-\(hi)/\(data.count)"
            return Response(status: 206, headers: headers, body: data.subdata(in: lo..<(hi + 1)))
        }

        /// A JSON answer.
        public static func json(_ status: Int, _ text: String) -> Response {
            Response(status: status, headers: ["Content-Type": "application/json"], body: Data(text.utf8))
        }
    }

    public let port: UInt16
    private let listener: Int32
    /// A lock-protected value shared with the server thread (an `NSLock`, which
    /// ThreadSanitizer sees, unlike `Synchronization.Mutex` on Linux).
    public final class Locked<T: Sendable>: @unchecked Sendable {
        // Safety: `value` is only touched while `lock` is held.
        private let lock = NSLock()
        private var value: T
        public init(_ value: T) { self.value = value }
        /// Runs `body` with exclusive access to the value.
        public func withLock<R>(_ body: (inout T) throws -> R) rethrows -> R {
            lock.lock()
            defer { lock.unlock() }
            return try body(&value)
        }
    }

    private let log = Locked<[Request]>([])

    /// Every request received so far.
    public var requests: [Request] { log.withLock { $0 } }

    public init(handler: @escaping @Sendable (Request) -> Response) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        port = UInt16(bigEndian: addr.sin_port)
        listener = fd
        let log = self.log
        let thread = Thread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }  // listener closed
                LoopbackHTTPServer.serve(client, handler: handler, log: log)
            }
        }
        thread.start()
    }

    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    private let stopped = Locked(false)

    /// Stops listening. Idempotent: the descriptor is closed once, so a second call (the
    /// deinit after an explicit stop) cannot close a descriptor number another thread has
    /// been given since.
    public func stop() {
        let first = stopped.withLock { s -> Bool in
            defer { s = true }
            return !s
        }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { stop() }

    private static func serve(_ fd: Int32, handler: @Sendable (Request) -> Response, log: Locked<[Request]>) {
        defer { close(fd) }
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        var headEnd: Int? = nil
        while headEnd == nil {
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return }
            buffer += chunk[0..<n]
            if let r = buffer.firstRange(of: [13, 10, 13, 10]) { headEnd = r.upperBound }
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        let parts = lines.first?.split(separator: " ") ?? []
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                    in: .whitespaces
                )
            }
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count - headEnd! < length {
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { break }
            buffer += chunk[0..<n]
        }
        let request = Request(
            method: parts.count > 0 ? String(parts[0]) : "",
            path: parts.count > 1 ? String(parts[1]) : "",
            headers: headers,
            body: Data(buffer[headEnd!..<min(buffer.count, headEnd! + length)])
        )
        log.withLock { $0.append(request) }
        let response = handler(request)
        var text = "HTTP/1.1 \(response.status) \(response.status < 300 ? "OK" : "Error")\r\n"
        var h = response.headers
        h["Content-Length"] = String(response.body.count)
        h["Connection"] = "close"
        for (k, v) in h { text += "\(k): \(v)\r\n" }
        text += "\r\n"
        var out = Array(text.utf8)
        out += response.body.prefix(response.cutAfter ?? response.body.count)
        var sent = 0
        while sent < out.count {
            let n = out[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            sent += n
        }
    }
}
