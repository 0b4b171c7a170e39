// A custom batch exporter written outside the library: every variable of a batch as a
// NumPy `.npy` file (`<batch>/<group>/<variable>.npy`) plus `metadata.json`.
//
//   swift run npy-exporter cube.zarr out/ [--windows 3]
//
// `BatchExport` drives it like the built-in exporters: windows already exported are
// skipped, each store step is read once.
import BioCubeBatch
import BioCubeCore
import Foundation

/// Writes NumPy format 1.0 arrays (little-endian float32, C order).
struct NumpyExporter: BatchExporter {
    var format: String { "npy" }

    func name(for batch: Batch) -> String { batch.fileStem }

    func write(_ batch: Batch, to path: String) throws {
        // Write into a temporary folder, then rename: the batch folder appears complete or not at all.
        let temp = path + ".partial"
        try? FileManager.default.removeItem(atPath: temp)
        for (group, variable) in batch.allVariables {
            let dir = "\(temp)/\(group.rawValue)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let t = variable.tensor
            var header =
                "{'descr': '<f4', 'fortran_order': False, 'shape': (\(t.shape.map(String.init).joined(separator: ", ")),), }"
            // Magic (6) + version (2) + header length (2) + header + '\n', padded to 64 bytes.
            while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
            bytes += [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
            bytes += Array(header.utf8)
            t.storage.withUnsafeBytes { bytes += $0 }
            try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/\(variable.name).npy"))
        }
        let meta: [String: Any] = [
            "timestamp": batch.metadata.timestampStrings,
            "latitudes": batch.metadata.latitudes, "longitudes": batch.metadata.longitudes,
            "pressure_levels": batch.metadata.pressureLevels as Any, "species_list": batch.metadata.speciesList as Any,
        ]
        try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys]).write(
            to: URL(fileURLWithPath: "\(temp)/metadata.json")
        )
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: temp, toPath: path)
    }
}

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: npy-exporter STORE OUT [--windows N]\n".utf8))
    exit(2)
}
let store = arguments[arguments.startIndex]
let out = arguments[arguments.startIndex + 1]
var windows: Int? = nil
if let i = arguments.firstIndex(of: "--windows"), i + 1 < arguments.endIndex { windows = Int(arguments[i + 1]) }

do {
    let sampler = try BatchSampler(storePath: store)
    let end = windows.map { sampler.timestamps(ofWindow: min($0, sampler.count) - 1).1 }
    let limited = try BatchSampler(storePath: store, end: end)
    let summary = try await BatchExport(sampler: limited, exporter: NumpyExporter(), directory: out, missing: .nan)
        .run()
    print("npy-exporter: \(summary.written) batch folder(s) written, \(summary.skipped) already present → \(out)")
} catch {
    FileHandle.standardError.write(Data("npy-exporter: error: \(error)\n".utf8))
    exit(1)
}
