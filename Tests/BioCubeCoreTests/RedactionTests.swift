import BioCubeTestSupport
import BioCubeTransfer
import Foundation
import Testing

@testable import BioCubeCore

@Suite("Credentials never reach a message")
struct RedactionTests {
    @Test(arguments: [
        ("Bearer hf_abcdef123456 rejected", "Bearer *** rejected"),
        ("bad key: 3f2a9c81-77aa", "bad key: ***"),
        (#"{"token": "sekrit-123", "user": "me"}"#, #"{"token": "***", "user": "me"}"#),
        ("https://user:pa55w0rd@host.example/x?key=abc123&page=2", "https://***@host.example/x?key=***&page=2"),
        ("PRIVATE-TOKEN=0a1b2c3d4e", "PRIVATE-TOKEN=***"),
        ("page 3 of 7, monkey=banana, keys=1", "page 3 of 7, monkey=banana, keys=1"),
    ])
    func textIsMasked(text: String, expected: String) {
        #expect(Redaction.text(text) == expected)
    }

    /// A server that repeats the credentials it was sent in a 500 answer.
    @Test func echoedCredentialsAreMaskedInErrors() async throws {
        let server = try LoopbackHTTPServer { request in
            .json(500, #"{"detail":"cannot serve \#(request.headers["authorization"] ?? "") right now"}"#)
        }
        defer { server.stop() }
        let http = HTTPTransport(session: CrossOriginRedirectGuard.session, timeout: 10, retries: 0, backoff: .zero)
        var c = URLComponents(url: server.baseURL.appendingPathComponent("x"), resolvingAgainstBaseURL: false)!
        c.user = "me"
        c.password = "pa55w0rd"
        c.queryItems = [URLQueryItem(name: "key", value: "abc123secret")]
        await #expect {
            _ = try await http.sendRetrying("GET", c.url!, headers: ["Authorization": "Bearer hf_sekrit_token_99"])
        } throws: { e in
            let text = "\(e)"
            return !text.contains("hf_sekrit_token_99") && !text.contains("pa55w0rd") && !text.contains("abc123secret")
                && text.contains("Bearer ***")
        }
    }
}
