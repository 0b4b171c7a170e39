import BioCubeCore
import BioCubeTransfer
public import Foundation

/// A GBIF.org account for the occurrence download API (HTTP Basic authentication with the
/// user name, not the e-mail address), and the API root.
///
/// Read from the environment like rgbif and pygbif do: `GBIF_USER`, `GBIF_PWD`, optionally
/// `GBIF_EMAIL` (GBIF then mails when a download is ready) and `GBIF_API_URL` (default
/// `https://api.gbif.org/v1`; the test environment is `https://api.gbif-uat.org/v1`).
public struct GBIFCredentials: Hashable, Sendable {
    /// The GBIF.org user name.
    public var user: String
    /// The account's password.
    public var password: String
    /// Where GBIF sends its "download ready" mail; nil sends none.
    public var email: String?
    /// The API root.
    public var url: URL

    /// The public API root.
    public static let defaultURL = URL(string: "https://api.gbif.org/v1")!

    /// Creates credentials directly.
    public init(user: String, password: String, email: String? = nil, url: URL = GBIFCredentials.defaultURL) {
        self.user = user
        self.password = password
        self.email = email
        self.url = url
    }

    /// Loads credentials from the environment; throws naming the missing variable.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> GBIFCredentials {
        guard let user = environment["GBIF_USER"], !user.isEmpty else {
            throw BioCubeError(
                .accessDenied,
                "no GBIF user: set GBIF_USER to your GBIF.org user name (and GBIF_PWD to its password)"
            )
        }
        guard let password = environment["GBIF_PWD"], !password.isEmpty else {
            throw BioCubeError(.accessDenied, "no GBIF password: set GBIF_PWD for GBIF user '\(user)'")
        }
        let text = environment["GBIF_API_URL"] ?? defaultURL.absoluteString
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw BioCubeError(.invalidArgument, "GBIF_API_URL '\(Redaction.text(text))' is not an http(s) URL")
        }
        let email = environment["GBIF_EMAIL"].flatMap { $0.isEmpty ? nil : $0 }
        return GBIFCredentials(user: user, password: password, email: email, url: url)
    }

    /// The `Authorization` header value.
    var basicAuthorization: String { "Basic " + Data("\(user):\(password)".utf8).base64EncodedString() }
}
