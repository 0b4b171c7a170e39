import BioCubeCore
package import Foundation

/// Masks credentials in text BioCube prints: server answers echoed into errors and retry
/// lines, and URLs (user-info, secret-looking query values). A server that repeats the
/// token it was sent, or a URL written as `https://user:password@host/…`, never puts the
/// secret on a terminal or in a log.
///
/// Besides the shapes (`key=…`, `Bearer …`, user-info), every credential a client was given
/// is registered with ``register(_:)`` and masked by its value wherever it appears, also
/// when a server echoes it bare.
package enum Redaction {
    private static let rules: [(NSRegularExpression, String)] = [
        (#"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@]+(:[^/\s@]*)?@"#, "$1***@"),
        (#"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{6,}"#, "$1$2***"),
        (
            #"(?i)\b(api[_-]?key|key|token|access[_-]?token|password|passwd|pwd|secret|private-token|authorization)("?\s*[=:]\s*)("?)[^\s&"',;}]+"#,
            "$1$2$3***"
        ),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    /// The credential values in use by this process, longest first.
    private static let secrets = Locked<[String]>([])

    /// Masks `secret` (a token, key or password; also its percent-encoded and Base64 Basic
    /// forms are covered by the shapes) wherever BioCube prints text from now on. Values
    /// shorter than 4 characters are too common to mask and are ignored.
    package static func register(_ secret: String?) {
        guard let secret, secret.count >= 4 else { return }
        var forms = [secret]
        if let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics), encoded != secret {
            forms.append(encoded)
        }
        secrets.withLock { list in
            for f in forms where !list.contains(f) { list.append(f) }
            list.sort { $0.count > $1.count }
        }
    }

    /// `text` with credentials masked.
    package static func text(_ text: String) -> String {
        var s = text
        for secret in secrets.withLock({ $0 }) where s.contains(secret) {
            s = s.replacingOccurrences(of: secret, with: "***")
        }
        for (rule, template) in rules {
            s = rule.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: template)
        }
        return s
    }

    /// `url` as text with its user-info and secret-looking query values masked.
    package static func url(_ url: URL) -> String { text(url.absoluteString) }
}
