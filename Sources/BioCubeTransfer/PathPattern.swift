#if canImport(Glibc)
import BioCubeCore
import Glibc
#endif

/// A glob over `/`-separated relative paths: `*` and `?` and `[…]` within one component
/// (POSIX `fnmatch`), `**` for any number of whole components (`Copernicus/**/*.nc`).
package struct PathPattern: Sendable, Hashable {
    private let parts: [String]

    /// The pattern `text`.
    package init(_ text: String) { parts = text.split(separator: "/").map(String.init) }

    /// Whether `path` matches.
    package func matches(_ path: String) -> Bool {
        Self.match(parts[...], path.split(separator: "/").map(String.init)[...])
    }

    private static func match(_ p: ArraySlice<String>, _ s: ArraySlice<String>) -> Bool {
        guard let first = p.first else { return s.isEmpty }
        if first == "**" {
            var rest = s
            while true {
                if match(p.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let head = s.first, fnmatch(first, head, 0) == 0 else { return false }
        return match(p.dropFirst(), s.dropFirst())
    }
}
