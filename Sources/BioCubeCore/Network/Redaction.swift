package import Foundation

/// Masks credentials in text BioCube prints: server answers echoed into errors and retry
/// lines, and URLs (user-info, secret-looking query values). A server that repeats the
/// token it was sent, or a URL written as `https://user:password@host/…`, never puts the
/// secret on a terminal or in a log.
package enum Redaction {
    private static let rules: [(NSRegularExpression, String)] = [
        (#"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@]+(:[^/\s@]*)?@"#, "$1***@"),
        (#"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{6,}"#, "$1$2***"),
        (
            #"(?i)\b(api[_-]?key|key|token|access[_-]?token|password|passwd|pwd|secret|private-token|authorization)("?\s*[=:]\s*)("?)[^\s&"',;}]+"#,
            "$1$2$3***"
        ),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    /// `text` with credentials masked.
    package static func text(_ text: String) -> String {
        var s = text
        for (rule, template) in rules {
            s = rule.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: template)
        }
        return s
    }

    /// `url` as text with its user-info and secret-looking query values masked.
    package static func url(_ url: URL) -> String { text(url.absoluteString) }
}
