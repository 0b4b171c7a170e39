package import BioCubeCore
package import Foundation

/// A response: status, lower-cased header names, body, and the URL it came from (after
/// redirects).
package struct HTTPResponse: Sendable {
    /// Creates a response.
    package init(status: Int, headers: [String: String], body: Data, url: URL? = nil, bodyFile: String? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
        self.bodyFile = bodyFile
    }

    package let status: Int
    package let headers: [String: String]
    package let body: Data
    /// Where the answer came from (the last redirect's target).
    package let url: URL?
    /// For ``HTTPTransport/sendToFile(_:_:headers:)``: the file holding the body (the caller
    /// moves or removes it); ``body`` is then empty.
    package let bodyFile: String?

    /// This answer with the first `limit` bytes of its ``bodyFile`` as ``body`` (for the
    /// reason of an error answer that went to a file).
    package func withBodyPrefix(_ limit: Int = 65536) -> HTTPResponse {
        guard let bodyFile else { return self }
        return HTTPResponse(
            status: status,
            headers: headers,
            body: Data(FileIO.readPrefix(bodyFile, count: limit) ?? []),
            url: url,
            bodyFile: bodyFile
        )
    }

    /// The JSON body, or nil.
    package var json: JSONValue? { try? JSONValue.decode(body) }

    /// A short human-readable reason from a JSON error body (`title`/`detail`/`message`, and
    /// a `traceback` when the service sends one), or the raw text, with anything that looks
    /// like a credential masked (a server may echo what it was sent).
    package var reason: String {
        if let j = json {
            let parts = [j["title"]?.stringValue, j["detail"]?.stringValue, j["message"]?.stringValue].compactMap {
                $0
            }.filter { !$0.isEmpty }
            if !parts.isEmpty { return Redaction.text(parts.joined(separator: ": ")) }
        }
        return Redaction.text(String(decoding: body.prefix(300), as: UTF8.self))
    }

    /// Whether the body is an HTML page (a portal's error or "offline" page, not data).
    package var isHTML: Bool {
        if headers["content-type"]?.lowercased().contains("text/html") == true { return true }
        let head = String(decoding: body.prefix(512), as: UTF8.self).lowercased()
        return head.contains("<!doctype html") || head.contains("<html")
    }

    /// The `<title>` of an HTML body, if any.
    package var htmlTitle: String? {
        let text = String(decoding: body.prefix(65536), as: UTF8.self)
        guard let open = text.range(of: "<title>", options: .caseInsensitive),
            let close = text.range(of: "</title>", options: .caseInsensitive, range: open.upperBound..<text.endIndex)
        else { return nil }
        return String(text[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
