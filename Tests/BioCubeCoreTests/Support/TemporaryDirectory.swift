import Foundation

/// A fresh folder under the system temporary directory, removed when released.
final class TemporaryDirectory: Sendable {
    let path: String

    init(_ label: String = "biocube-test") {
        path = NSTemporaryDirectory() + "/\(label)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    /// All regular files below the folder, relative paths, sorted.
    func allFiles() -> [String] {
        (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).filter { rel in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: path + "/" + rel, isDirectory: &isDir) && !isDir.boolValue
        }.sorted()
    }
}
