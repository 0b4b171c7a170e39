import ArgumentParser
import BioCube

struct StoreInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "List the groups and arrays of a store with shapes, types, codecs and chunks written."
    )

    @Argument(help: "The store folder (e.g. cube.zarr).")
    var store: String

    func run() async throws {
        try await reportingErrors {
            let s = try CubeStore.open(at: store)
            print("\(store)")
            for (path, node) in try s.allNodes() {
                let depth = path.split(separator: "/").count - 1
                let indent = String(repeating: "  ", count: depth + 1)
                let name = path.split(separator: "/").last.map(String.init) ?? path
                switch node {
                case .group(let attrs):
                    print("\(indent)\(name)/  (group, \(attrs.count) attributes)")
                case .array(let m):
                    let a = try s.openArray(path)
                    let total = a.chunkCount
                    let codecs = m.codecs.compactMap { $0.json["name"]?.stringValue }.joined(separator: "+")
                    let written = total <= 100_000 ? String(a.writtenChunkCount) : "?"
                    print(
                        "\(indent)\(name)  \(m.dataType.rawValue) \(m.shape) chunks \(m.chunkShape) [\(codecs)] fill \(m.fillValue) — \(written)/\(total) chunks written"
                    )
                }
            }
        }
    }
}
