package import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A response: status, lower-cased header names, body.
package struct HTTPResponse: Sendable {
    /// Creates a response.
    package init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    package let status: Int
    package let headers: [String: String]
    package let body: Data

    /// The JSON body, or nil.
    package var json: JSONValue? { try? JSONValue.decode(body) }

    /// A short human-readable reason from a JSON error body (`title`/`detail`), or the raw
    /// text, with anything that looks like a credential masked (a server may echo what it
    /// was sent).
    package var reason: String {
        if let j = json {
            let parts = [j["title"]?.stringValue, j["detail"]?.stringValue, j["message"]?.stringValue].compactMap { $0 }
            if !parts.isEmpty { return Redaction.text(parts.joined(separator: ": ")) }
        }
        return Redaction.text(String(decoding: body.prefix(300), as: UTF8.self))
    }
}
