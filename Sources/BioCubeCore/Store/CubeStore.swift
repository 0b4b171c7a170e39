import Foundation

/// A Zarr v3 hierarchy on the local file system: BioCube's chunked, zstd-compressed store.
///
/// Groups and arrays are folders with a `zarr.json`; chunks are files under `c/`. Every
/// metadata and chunk write is atomic. The root `zarr.json` carries consolidated metadata
/// (kept current after every metadata change unless `autoConsolidate` is off), so
/// zarr-python 3 and `xarray.open_datatree(path, engine="zarr")` open the store directly.
///
/// ```swift
/// let store = try CubeStore.create(at: "cube.zarr")
/// try store.createGroup("surface_variables")
/// let t2m = try store.createArray("surface_variables/t2m", metadata: .init(
///     shape: [2, 161, 281], dataType: .float32, chunkShape: [1, 161, 281],
///     dimensionNames: ["time", "latitude", "longitude"]))
/// try t2m.write(plane, to: [.index(0), .all, .all])
/// ```
public struct CubeStore: Sendable {
    /// The store's root folder.
    public let root: String
    /// Whether metadata changes rewrite the root's consolidated metadata immediately.
    /// Turn it off while creating many nodes, then call ``consolidateMetadata()`` once.
    package var autoConsolidate: Bool = true

    private init(root: String) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    /// A node in the hierarchy.
    public enum Node: Sendable {
        case group(attributes: [String: JSONValue])
        case array(ArrayMetadata)
    }

    // MARK: Creating and opening

    /// Creates a new store with an empty root group.
    ///
    /// Throws `.alreadyExists` when a Zarr node is already there, unless `overwrite` is
    /// true, which removes the old store first.
    public static func create(
        at path: String,
        attributes: [String: JSONValue] = [:],
        overwrite: Bool = false
    ) throws -> CubeStore {
        let store = CubeStore(root: path)
        let meta = store.metadataFile("")
        if FileIO.exists(meta) {
            guard overwrite else { throw BioCubeError(.alreadyExists, "\(path): a Zarr store already exists here") }
            try FileIO.removeItem(store.root)
        } else if FileIO.exists(store.root) && !FileIO.isDirectory(store.root) {
            throw BioCubeError(.alreadyExists, "\(path): exists and is not a folder")
        }
        try FileIO.createDirectories(store.root)
        do {
            try FileIO.writeAtomically(
                meta,
                Array(try groupDocument(attributes: attributes).encoded()),
                exclusive: true
            )
        } catch let e as BioCubeError where e.code == .alreadyExists {
            throw BioCubeError(.alreadyExists, "\(path): a Zarr store already exists here")
        }
        return store
    }

    /// Whether `path` is a folder whose root is a Zarr v3 group (a store `open(at:)` accepts);
    /// false for batch files, missing paths and folders without a readable `zarr.json`.
    public static func isStore(at path: String) -> Bool {
        let store = CubeStore(root: path)
        guard FileIO.isDirectory(store.root), case .group? = try? store.node(at: "") else { return false }
        return true
    }

    /// Opens an existing store; its root must be a Zarr v3 group.
    public static func open(at path: String) throws -> CubeStore {
        let store = CubeStore(root: path)
        guard FileIO.isDirectory(store.root) else { throw BioCubeError(.notFound, "\(path): no such store folder") }
        guard case .group = try store.node(at: "") else {
            throw BioCubeError(.invalidMetadata, "\(store.metadataFile("")): the store root is an array, not a group")
        }
        return store
    }

    /// Opens the store at `path`, or creates it when nothing is there. Safe when several
    /// processes call it at once: exactly one creates the store, the others open it.
    public static func openOrCreate(at path: String, attributes: [String: JSONValue] = [:]) throws -> CubeStore {
        do { return try create(at: path, attributes: attributes) } catch let e as BioCubeError
            where e.code == .alreadyExists
        { return try open(at: path) }
    }

    // MARK: Paths

    static func validate(_ path: String) throws -> String {
        if path.isEmpty || path == "/" { return "" }
        let trimmed = path.hasPrefix("/") ? String(path.dropFirst()) : path
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        for p in parts where p.isEmpty || p == "." || p == ".." || p.hasPrefix(".") {
            throw BioCubeError(.invalidArgument, "node path '\(path)' has an invalid component '\(p)'")
        }
        return trimmed
    }

    func directory(_ path: String) -> String { path.isEmpty ? root : root + "/" + path }
    func metadataFile(_ path: String) -> String { directory(path) + "/zarr.json" }

    // MARK: Nodes

    /// Reads the metadata of the node at `path` (`""` is the root).
    public func node(at path: String) throws -> Node {
        let p = try CubeStore.validate(path)
        let file = metadataFile(p)
        let json = try readDocument(file)
        switch json["node_type"]?.stringValue {
        case "group":
            guard json["zarr_format"]?.intValue == 3 else {
                throw BioCubeError(.unsupported, "\(file): zarr_format is \(json["zarr_format"] ?? .null), not 3")
            }
            return .group(attributes: json["attributes"]?.objectValue ?? [:])
        case "array":
            return .array(try ArrayMetadata(json: json, context: "array '\(p)' (\(file))"))
        default:
            throw BioCubeError(
                .invalidMetadata,
                "\(file): node_type is \(json["node_type"] ?? .null), not \"group\" or \"array\""
            )
        }
    }

    private func readDocument(_ file: String) throws -> JSONValue {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(file) } catch let e as BioCubeError where e.code == .notFound {
            throw BioCubeError(.notFound, "\(file): missing zarr.json (no Zarr node here)")
        }
        do { return try JSONValue.decode(Data(bytes)) } catch {
            throw BioCubeError(.invalidMetadata, "\(file): not valid JSON (\(bytes.count) bytes)")
        }
    }

    /// Opens the array at `path`.
    public func openArray(_ path: String) throws -> ZarrArray {
        let p = try CubeStore.validate(path)
        guard case .array(let meta) = try node(at: p) else {
            throw BioCubeError(.invalidArgument, "\(metadataFile(p)): '\(p)' is a group, not an array")
        }
        return ZarrArray(path: p, directory: directory(p), metadata: meta)
    }

    /// Whether a node exists at `path`.
    public func contains(_ path: String) -> Bool {
        guard let p = try? CubeStore.validate(path) else { return false }
        return FileIO.exists(metadataFile(p))
    }

    /// Creates a group (and any missing parent groups). Succeeds when the group exists;
    /// existing attributes are replaced only when `attributes` is given.
    public func createGroup(_ path: String, attributes: [String: JSONValue]? = nil) throws {
        let p = try CubeStore.validate(path)
        try createParents(of: p)
        if FileIO.exists(metadataFile(p)) {
            guard case .group(let old) = try node(at: p) else {
                throw BioCubeError(.alreadyExists, "\(metadataFile(p)): '\(p)' is an array, not a group")
            }
            guard let attributes, attributes != old else { return }
        }
        try writeNode(p, CubeStore.groupDocument(attributes: attributes ?? [:]))
        try consolidateIfNeeded()
    }

    /// Creates an array (and any missing parent groups).
    ///
    /// When an array with identical metadata exists it is returned unchanged, chunks
    /// included (so concurrent or resumed writers can all call this). Different metadata is
    /// an `.alreadyExists` error. With `overwrite`, any existing node and its chunks are
    /// deleted first.
    @discardableResult
    public func createArray(_ path: String, metadata: ArrayMetadata, overwrite: Bool = false) throws -> ZarrArray {
        let p = try CubeStore.validate(path)
        guard !p.isEmpty else { throw BioCubeError(.invalidArgument, "\(root): the store root must stay a group") }
        let context = "array '\(p)' (\(directory(p)))"
        try metadata.validate(context: context)
        try createParents(of: p)
        if FileIO.exists(metadataFile(p)) {
            if overwrite {
                try FileIO.removeItem(directory(p))
            } else if case .array(let old) = try? node(at: p), old == metadata {
                return ZarrArray(path: p, directory: directory(p), metadata: old)
            } else {
                throw BioCubeError(
                    .alreadyExists,
                    "\(context): a node with different metadata exists (pass overwrite to replace it)"
                )
            }
        }
        try writeNode(p, metadata.json)
        try consolidateIfNeeded()
        return ZarrArray(path: p, directory: directory(p), metadata: metadata)
    }

    /// Replaces the user attributes of the node at `path`.
    public func setAttributes(_ attributes: [String: JSONValue], of path: String) throws {
        let p = try CubeStore.validate(path)
        switch try node(at: p) {
        case .group:
            var doc = CubeStore.groupDocument(attributes: attributes).objectValue!
            if p.isEmpty, let cm = try readDocument(metadataFile(p))["consolidated_metadata"] {
                doc["consolidated_metadata"] = cm
            }
            try writeNode(p, .object(doc))
        case .array(var meta):
            meta.attributes = attributes
            try writeNode(p, meta.json)
        }
        try consolidateIfNeeded()
    }

    /// The user attributes of the node at `path`.
    public func attributes(of path: String) throws -> [String: JSONValue] {
        switch try node(at: path) {
        case .group(let a): a
        case .array(let m): m.attributes
        }
    }

    /// The names of the direct children of the group at `path`, sorted.
    public func children(of path: String) throws -> [String] {
        let p = try CubeStore.validate(path)
        return FileIO.contents(ofDirectory: directory(p)).filter { name in
            !name.hasPrefix(".") && FileIO.exists(directory(p) + "/" + name + "/zarr.json")
        }
    }

    /// Every node below the root (paths relative to the root), depth first in sorted order.
    public func allNodes() throws -> [(path: String, node: Node)] {
        var out: [(String, Node)] = []
        func walk(_ p: String) throws {
            for name in try children(of: p) {
                let child = p.isEmpty ? name : p + "/" + name
                let n = try node(at: child)
                out.append((child, n))
                if case .group = n { try walk(child) }
            }
        }
        try walk("")
        return out
    }

    private func createParents(of p: String) throws {
        var parts = p.split(separator: "/").map(String.init)
        guard !parts.isEmpty else { return }
        parts.removeLast()
        var current = ""
        for part in parts {
            current = current.isEmpty ? part : current + "/" + part
            if !FileIO.exists(metadataFile(current)) {
                try writeNode(current, CubeStore.groupDocument(attributes: [:]))
            } else if case .array = try node(at: current) {
                throw BioCubeError(
                    .invalidArgument,
                    "\(metadataFile(current)): '\(current)' is an array and cannot hold children"
                )
            }
        }
    }

    func writeNode(_ p: String, _ json: JSONValue) throws {
        try FileIO.writeAtomically(metadataFile(p), Array(try json.encoded()))
    }

    static func groupDocument(attributes: [String: JSONValue]) -> JSONValue {
        ["zarr_format": 3, "node_type": "group", "attributes": .object(attributes)]
    }

    // MARK: Consolidated metadata

    private func consolidateIfNeeded() throws {
        if autoConsolidate { try consolidateMetadata() }
    }

    /// Writes every node's metadata into the root `zarr.json` (`consolidated_metadata`,
    /// `kind: inline`, `must_understand: false`), as zarr-python's `consolidate_metadata` does.
    package func consolidateMetadata() throws {
        var flat: [String: JSONValue] = [:]
        for (path, _) in try allNodes() {
            var doc = try readDocument(metadataFile(path))
            if case .object(var o) = doc, o["node_type"]?.stringValue == "group" {
                o["consolidated_metadata"] = ["kind": "inline", "must_understand": false, "metadata": [:]]
                doc = .object(o)
            }
            flat[path] = doc
        }
        var rootDoc = try readDocument(metadataFile("")).objectValue ?? [:]
        rootDoc["consolidated_metadata"] = ["kind": "inline", "must_understand": false, "metadata": .object(flat)]
        try writeNode("", .object(rootDoc))
    }
}
