import BioCubeTestSupport
import BioCubeTransfer
import Foundation
import Testing

@testable import BioCubeCore

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Credentials follow a redirect only within their origin: a 302 to another host (here
/// another loopback port) gets the request without `Authorization` or `PRIVATE-TOKEN`.
@Suite struct RedirectCredentialTests {
    static let secrets = ["Authorization": "Basic dGVzdGVyOnNlY3JldA==", "PRIVATE-TOKEN": "abc-123"]

    @Test func aRedirectToAnotherHostArrivesWithoutCredentials() async throws {
        let elsewhere = try LoopbackHTTPServer { _ in .json(200, "{}") }
        let service = try LoopbackHTTPServer { request in
            switch request.path {
            case "/cross":
                LoopbackHTTPServer.Response(
                    status: 302,
                    headers: ["Location": "http://127.0.0.1:\(elsewhere.port)/bucket/file"]
                )
            case "/same": LoopbackHTTPServer.Response(status: 302, headers: ["Location": "/landing"])
            default: .json(200, "{}")
            }
        }
        let http = HTTPTransport(session: CrossOriginRedirectGuard.session, timeout: 10, retries: 0, backoff: .zero)
        let base = "http://127.0.0.1:\(service.port)"
        #expect(try await http.send("GET", URL(string: base + "/cross")!, headers: Self.secrets).status == 200)
        let arrived = try #require(elsewhere.requests.first)
        #expect(arrived.path == "/bucket/file")
        #expect(arrived.headers["authorization"] == nil && arrived.headers["private-token"] == nil)

        #expect(try await http.send("GET", URL(string: base + "/same")!, headers: Self.secrets).status == 200)
        let landing = try #require(service.requests.last)
        #expect(landing.path == "/landing" && landing.headers["private-token"] == "abc-123")
        #expect(landing.headers["authorization"] == Self.secrets["Authorization"])
    }

    @Test(arguments: [
        ("https://cds.climate.copernicus.eu/api/x", "https://cds.climate.copernicus.eu:443/y", true),
        ("https://cds.climate.copernicus.eu/api/x", "http://cds.climate.copernicus.eu/y", false),
        ("https://api.gbif.org/v1/x", "https://api.gbif.org.evil.example/v1/x", false),
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:8001/a", false),
        ("https://API.gbif.org/a", "https://api.gbif.org/b", true),
    ])
    func originsAreSchemeHostAndPort(from: String, to: String, same: Bool) {
        #expect(CrossOriginRedirectGuard.sameOrigin(URL(string: from)!, URL(string: to)!) == same)
        var request = URLRequest(url: URL(string: to)!)
        for (k, v) in Self.secrets { request.setValue(v, forHTTPHeaderField: k) }
        let forwarded = CrossOriginRedirectGuard.forwarded(request, from: URL(string: from)!)
        #expect((forwarded.value(forHTTPHeaderField: "PRIVATE-TOKEN") != nil) == same)
        #expect((forwarded.value(forHTTPHeaderField: "Authorization") != nil) == same)
    }
}
