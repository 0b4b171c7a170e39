import BioCubeCore
import BioCubeTransfer
public import Foundation

/// The CDS API address and personal access token, from `CDSAPI_URL`/`CDSAPI_KEY` or the
/// `url:`/`key:` lines of `~/.cdsapirc`.
public struct CDSCredentials: Hashable, Sendable {
    /// The API root, e.g. `https://cds.climate.copernicus.eu/api`.
    public var url: URL
    /// The personal access token (sent as `PRIVATE-TOKEN`).
    public var key: String

    /// Creates credentials directly.
    public init(url: URL, key: String) {
        self.url = url
        self.key = key
    }

    /// The public CDS API root.
    public static let defaultURL = URL(string: "https://cds.climate.copernicus.eu/api")!

    /// Loads credentials: the environment wins over the rc file (`CDSAPI_RC`, default
    /// `~/.cdsapirc`); throws naming both places when no key is found.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> CDSCredentials {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let rcPath = environment["CDSAPI_RC"] ?? home + "/.cdsapirc"
        var url = environment["CDSAPI_URL"]
        var key = environment["CDSAPI_KEY"]
        if url == nil || key == nil, let text = try? String(contentsOfFile: rcPath, encoding: .utf8) {
            for line in text.split(whereSeparator: \.isNewline) {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].trimmingCharacters(in: .whitespaces)
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if name == "url", url == nil { url = value }
                if name == "key", key == nil { key = value }
            }
        }
        guard let key, !key.isEmpty else {
            throw BioCubeError(
                .accessDenied,
                "no CDS API key: set CDSAPI_KEY or write 'key: <personal access token>' to \(rcPath)"
            )
        }
        guard let parsed = URL(string: url ?? defaultURL.absoluteString),
            parsed.scheme == "http" || parsed.scheme == "https"
        else {
            throw BioCubeError(.invalidArgument, "CDS API url '\(Redaction.text(url ?? ""))' is not an http(s) URL")
        }
        return CDSCredentials(url: parsed, key: key)
    }
}
