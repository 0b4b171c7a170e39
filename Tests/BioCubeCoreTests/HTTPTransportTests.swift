import BioCubeTestSupport
import BioCubeTransfer
import Foundation
import Testing

@testable import BioCubeCore

/// The transport against loopback servers that answer as real services do: bare relative
/// redirects (Wikipedia's REST API), redirect chains, 303 after a POST, gzip bodies, and
/// `Retry-After` values of every shape a server can send.
@Suite struct HTTPTransportTests {
    private func transport(retries: Int = 0, contact: String? = nil) -> HTTPTransport {
        HTTPTransport(
            session: nil,
            timeout: 10,
            retry: RetryPolicy(retries: retries, backoff: .milliseconds(5), maximumWait: .milliseconds(50)),
            contact: contact
        )
    }

    @Test func aBareRelativeLocationResolvesAgainstTheRequestURL() async throws {
        let server = try LoopbackHTTPServer { request in
            switch request.path {
            case "/api/rest_v1/page/summary/Turdus_merula":
                LoopbackHTTPServer.Response(status: 302, headers: ["Location": "Common_blackbird"])
            case "/api/rest_v1/page/summary/Common_blackbird": .json(200, #"{"title":"Common blackbird"}"#)
            default: .json(404, "{}")
            }
        }
        defer { server.stop() }
        let url = server.baseURL.appendingPathComponent("api/rest_v1/page/summary/Turdus_merula")
        let r = try await transport().send("GET", url)
        #expect(r.status == 200 && r.json?["title"]?.stringValue == "Common blackbird")
        #expect(r.url?.path == "/api/rest_v1/page/summary/Common_blackbird")
        #expect(server.requests.map(\.path) == ["/api/rest_v1/page/summary/Turdus_merula", r.url!.path])
    }

    @Test(arguments: [
        ("Common_blackbird", "http://h/a/b/Common_blackbird"),
        ("../x?y=1", "http://h/a/x?y=1"),
        ("/root", "http://h/root"),
        ("//other:8080/p", "http://other:8080/p"),
        ("https://cdn.example/f", "https://cdn.example/f"),
        ("Turdus merula (bird)", "http://h/a/b/Turdus%20merula%20(bird)"),
    ])
    func locationsResolveAsRFC3986Says(location: String, expected: String) {
        #expect(HTTPTransport.resolve(location, against: URL(string: "http://h/a/b/c")!)?.absoluteString == expected)
    }

    @Test(arguments: ["ftp://x/y", "file:///etc/passwd", "", "javascript:alert(1)"])
    func aRedirectToSomethingThatIsNotHTTPIsRefused(location: String) {
        #expect(HTTPTransport.resolve(location, against: URL(string: "http://h/a")!) == nil)
    }

    @Test func everyRequestCarriesTheIdentifyingUserAgentRedirectsIncluded() async throws {
        let server = try LoopbackHTTPServer { request in
            request.path == "/start"
                ? LoopbackHTTPServer.Response(status: 307, headers: ["Location": "/end"]) : .json(200, "{}")
        }
        defer { server.stop() }
        _ = try await transport(contact: "someone@example.org").send(
            "GET",
            server.baseURL.appendingPathComponent("start")
        )
        let agents = server.requests.map { $0.headers["user-agent"] ?? "" }
        #expect(agents.count == 2)
        for a in agents {
            #expect(a == "biocube/\(BioCubeVersion.string) (+\(UserAgent.projectURL); someone@example.org)")
        }
        #expect(
            UserAgent.value(contact: "a(b)\u{1}c") == "biocube/\(BioCubeVersion.string) (+\(UserAgent.projectURL); abc)"
        )
    }

    @Test func a303AfterAPostBecomesAGetWithoutTheBody() async throws {
        let server = try LoopbackHTTPServer { request in
            request.path == "/submit"
                ? LoopbackHTTPServer.Response(status: 303, headers: ["Location": "/status/1"])
                : .json(200, #"{"method":"\#(request.method)"}"#)
        }
        defer { server.stop() }
        let r = try await transport().send(
            "POST",
            server.baseURL.appendingPathComponent("submit"),
            headers: ["Content-Type": "application/json"],
            body: Data("{}".utf8)
        )
        #expect(r.json?["method"]?.stringValue == "GET")
        #expect(server.requests.last?.body.isEmpty == true && server.requests.last?.headers["content-type"] == nil)
    }

    @Test func aRedirectLoopEndsWithAClearError() async throws {
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPServer.Response(status: 302, headers: ["Location": "/again"])
        }
        defer { server.stop() }
        await #expect {
            _ = try await transport().send("GET", server.baseURL.appendingPathComponent("again"))
        } throws: { "\($0)".contains("more than \(HTTPTransport.maximumRedirects) redirects") }
        #expect(server.requests.count == HTTPTransport.maximumRedirects + 1)
    }

    @Test func credentialsStayOnTheirOriginAcrossAChain() async throws {
        let elsewhere = try LoopbackHTTPServer { request in
            request.path == "/hop"
                ? LoopbackHTTPServer.Response(status: 302, headers: ["Location": "/final"]) : .json(200, "{}")
        }
        defer { elsewhere.stop() }
        let service = try LoopbackHTTPServer { _ in
            LoopbackHTTPServer.Response(status: 302, headers: ["Location": "http://127.0.0.1:\(elsewhere.port)/hop"])
        }
        defer { service.stop() }
        _ = try await transport().send(
            "GET",
            service.baseURL.appendingPathComponent("file"),
            headers: ["Authorization": "Bearer hf_secret_123"]
        )
        #expect(service.requests.first?.headers["authorization"] == "Bearer hf_secret_123")
        #expect(elsewhere.requests.count == 2)
        #expect(elsewhere.requests.allSatisfy { $0.headers["authorization"] == nil })
    }

    @Test func gzipBodiesArriveDecoded() async throws {
        let text = String(repeating: "processid\tspecies\tnuc\n", count: 200)
        let gz = try Array(text.utf8).withUnsafeBytes { try GzipCodec.compress($0, level: 6) }
        let server = try LoopbackHTTPServer { _ in
            LoopbackHTTPServer.Response(
                status: 200,
                headers: ["Content-Type": "text/tab-separated-values", "Content-Encoding": "gzip"],
                body: Data(gz)
            )
        }
        defer { server.stop() }
        let r = try await transport().send("GET", server.baseURL.appendingPathComponent("data"))
        #expect(String(decoding: r.body, as: UTF8.self) == text)
    }

    @Test(
        arguments: [
            ("120", 120_000), ("0", 0), ("1e20", 3_600_000), ("inf", nil), ("nan", nil), ("-5", nil), ("soon", nil),
            ("1.5", 1_500),
        ] as [(String, Int?)]
    )
    func retryAfterIsBoundedAndFinite(header: String, milliseconds: Int?) {
        let policy = RetryPolicy(retries: 3, backoff: .milliseconds(100), maximumWait: .seconds(2))
        let wait = policy.wait(attempt: 1, retryAfter: header)
        if let milliseconds {
            #expect(wait == .milliseconds(milliseconds))
        } else {
            #expect(wait == .milliseconds(100), "an unusable value falls back to the backoff")
        }
    }

    @Test func retryAfterAsAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT
        #expect(RetryPolicy.retryAfter("Tue, 14 Nov 2023 22:14:20 GMT", now: now) == .seconds(60))
        #expect(RetryPolicy.retryAfter("Tue, 14 Nov 2023 22:00:00 GMT", now: now) == .zero, "a past date: no wait")
        let policy = RetryPolicy(retries: 1, backoff: .seconds(1), maximumWait: .seconds(30))
        #expect(policy.wait(attempt: 9) == .seconds(30), "computed waits stop at the maximum")
    }

    @Test func aRetryAfterBeyondThirtySecondsIsHonouredUpToTheLimit() async throws {
        let policy = RetryPolicy(
            retries: 2,
            backoff: .milliseconds(1),
            maximumWait: .milliseconds(1),
            retryAfterLimit: .seconds(90)
        )
        #expect(policy.wait(attempt: 1, retryAfter: "75") == .seconds(75))
        #expect(policy.wait(attempt: 1, retryAfter: "7200") == .seconds(90))
    }

    @Test func echoedSecretsAreMaskedByValue() {
        Redaction.register("xc-key-8f2b1a")
        #expect(Redaction.text("invalid key xc-key-8f2b1a given") == "invalid key *** given")
        #expect(!Redaction.text("{\"error\": \"xc-key-8f2b1a\"}").contains("8f2b1a"))
    }
}

/// One status → code rule for every client: the same answer is the same code from any
/// service, whatever hint the client adds to the message.
@Suite struct HTTPStatusCodeTests {
    @Test(arguments: [
        (401, BioCubeError.Code.accessDenied), (403, .accessDenied), (404, .notFound), (410, .notFound),
        (400, .invalidArgument), (422, .invalidArgument), (409, .remoteFailure), (420, .remoteFailure),
        (500, .remoteFailure), (503, .remoteFailure),
    ])
    func statusesMapToOneCode(status: Int, code: BioCubeError.Code) {
        #expect(HTTPResponse.errorCode(forStatus: status) == code)
    }
}
