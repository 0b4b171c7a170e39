import Foundation

/// The one rule for names that come from outside — a server's listing, a manifest line, a
/// record id, a table row: they are checked once, here, before anything is written, read or
/// deleted under them.
///
/// A name is refused when it is empty or absolute, or when a component is empty, `.` or
/// `..`, holds a NUL, a control character or a backslash, or ends in a space or a dot (names
/// that different file systems and tools read differently). Percent-encoded names
/// (`..%2F..%2Fx` from a URL) are decoded before the check. A checked name must also resolve
/// inside the folder it is meant for: a symbolic link on the way that leads out is refused.
package enum UntrustedPath {
    /// The components of the relative path `text`, checked; `what` names it in errors
    /// (`"the Hub listing entry"`, `"the manifest line 12"`).
    package static func components(_ text: String, what: String, percentEncoded: Bool = false) throws -> [String] {
        let decoded = percentEncoded ? (text.removingPercentEncoding ?? text) : text
        func refuse(_ why: String) -> BioCubeError {
            BioCubeError(.invalidArgument, "\(what) '\(printable(text))' is not a safe relative path: \(why)")
        }
        guard !decoded.isEmpty else { throw refuse("it is empty") }
        guard !decoded.hasPrefix("/") else { throw refuse("it is absolute") }
        let parts = decoded.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for p in parts {
            if p.isEmpty { throw refuse("it has an empty component") }
            if p == "." || p == ".." { throw refuse("it has a '\(p)' component") }
            if p.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" }) {
                throw refuse("it holds a control character, NUL or backslash")
            }
            if p.hasSuffix(" ") || p.hasSuffix(".") { throw refuse("a component ends in a space or a dot") }
        }
        return parts
    }

    /// A single file name (no `/`), checked as ``components(_:what:percentEncoded:)`` does.
    package static func fileName(_ text: String, what: String, percentEncoded: Bool = false) throws -> String {
        let parts = try components(text, what: what, percentEncoded: percentEncoded)
        guard parts.count == 1 else {
            throw BioCubeError(.invalidArgument, "\(what) '\(printable(text))' is not a plain file name (it has a '/')")
        }
        return parts[0]
    }

    /// `root/text` when `text` is a safe relative path that stays inside `root` (symbolic
    /// links among its existing folders included); else an error naming `what`.
    package static func resolve(
        _ text: String,
        inside root: String,
        what: String,
        percentEncoded: Bool = false
    ) throws
        -> String
    {
        let parts = try components(text, what: what, percentEncoded: percentEncoded)
        let path = ([root.hasSuffix("/") ? String(root.dropLast()) : root] + parts).joined(separator: "/")
        try checkInside(path, root: root, what: what)
        return path
    }

    /// Throws unless `path` lies inside `root` once the symbolic links among their existing
    /// folders are resolved (either may not exist yet: the part that does not is taken as
    /// written, its components having been checked).
    package static func checkInside(_ path: String, root: String, what: String) throws {
        let resolvedRoot = resolvedPrefix(root)
        let resolvedPath = resolvedPrefix(FileIO.parent(of: path))
        guard
            resolvedPath == resolvedRoot
                || resolvedPath.hasPrefix(resolvedRoot.hasSuffix("/") ? resolvedRoot : resolvedRoot + "/")
        else {
            throw BioCubeError(
                .invalidArgument,
                "\(what) leads outside \(root) (its folder resolves to \(resolvedPath))",
                file: path
            )
        }
        // The last component itself must not be a link that leads out.
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
            throw BioCubeError(
                .invalidArgument,
                "\(what) is a symbolic link (to \(target)); refusing to write through it",
                file: path
            )
        }
    }

    /// `path` with its deepest existing ancestor's symbolic links resolved and the rest
    /// appended as written.
    private static func resolvedPrefix(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var head = (absolute as NSString).standardizingPath
        var tail: [String] = []
        while real(head) == nil, head != "/", !head.isEmpty {
            tail.insert((head as NSString).lastPathComponent, at: 0)
            head = FileIO.parent(of: head)
        }
        let base = real(head.isEmpty ? "/" : head) ?? head
        return ([base == "/" ? "" : base] + tail).joined(separator: "/")
    }

    private static func real(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    /// `text` with control characters shown as `\u{…}` (so a NUL or an escape never reaches a terminal).
    package static func printable(_ text: String) -> String {
        String(
            text.prefix(200).unicodeScalars.map { s in
                s.value < 0x20 || s.value == 0x7F ? "\\u{\(String(s.value, radix: 16))}" : String(s)
            }.joined()
        )
    }
}
