import BioCubeCore
import Foundation
import Synchronization

extension BatchStatistics {
    /// Statistics over every batch file (`.pt`, `.safetensors`) under `directory`, read
    /// `maxConcurrency` files at a time. Each file's statistics are merged in file order, so
    /// the result is the same for any concurrency.
    ///
    /// - Throws: `BioCubeError` naming the folder when it holds no batch file, or the file
    ///   that cannot be read.
    public static func batchFiles(in directory: String, maxConcurrency: Int = 2) async throws -> BatchStatistics {
        let files = try BatchFileReader.batchFiles(in: directory)
        let parts = Locked([BatchStatistics?](repeating: nil, count: files.count))
        try await concurrentForEach(count: files.count, maxConcurrency: max(1, maxConcurrency)) { i in
            var s = BatchStatistics()
            s.add(try BatchFileReader.read(path: directory + "/" + files[i]))
            parts.withLock { $0[i] = s }
        }
        var all = BatchStatistics()
        for p in parts.withLock({ $0 }) { all.merge(p!) }
        return all
    }
}
