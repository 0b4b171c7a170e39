import Foundation

/// A fresh folder under the system temporary directory, removed when released: keep the
/// object alive for as long as a test uses the folder.
public final class TemporaryDirectory: Sendable {
    /// The folder's absolute path.
    public let path: String

    /// Creates `<tmp>/<label>-<UUID>`.
    public init(_ label: String = "biocube-test") {
        path = NSTemporaryDirectory() + "/\(label)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The path of `name` inside the folder (nothing is created).
    public func file(_ name: String) -> String { path + "/" + name }

    /// All regular files below the folder, relative paths, sorted.
    public func allFiles() -> [String] {
        (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).filter { rel in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: path + "/" + rel, isDirectory: &isDir) && !isDir.boolValue
        }.sorted()
    }
}
