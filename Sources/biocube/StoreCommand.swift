import ArgumentParser
import BioCube
import Foundation

struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect, dump and exercise BioCube (Zarr v3) stores.",
        subcommands: [StoreInfo.self, StoreDump.self, StoreDemo.self]
    )
}

/// Formats a byte count for people.
func humanBytes(_ n: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(n)
    var u = 0
    while v >= 1024 && u < units.count - 1 {
        v /= 1024
        u += 1
    }
    return u == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[u])
}

/// Runs `body`, turning a ``BioCubeError`` into a clean message and exit code 1.
func reportingErrors<R>(_ body: () async throws -> R) async throws -> R {
    do { return try await body() } catch let e as BioCubeError {
        FileHandle.standardError.write(Data("biocube: error: \(e)\n".utf8))
        throw ExitCode(1)
    }
}
