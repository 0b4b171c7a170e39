// Fuzz target for BioCube's Parquet reader (libFuzzer). Built by `make fuzz` with
// `-sanitize=fuzzer,address -DFUZZING`; any input must give values or a BioCubeError — never a
// crash, a hang or an unbounded allocation.
//
// A normal build (no FUZZING) is a replay tool: `parquet-fuzz FILE...` runs each file
// through the same code, which the tests use to replay the corpus and crash reproducers.
import BioCubeParquet
import BioCubeCore
import Foundation

/// Opens `bytes` as a Parquet file and decodes every column of every row group.
func exercise(_ bytes: UnsafeRawBufferPointer, scratch: String) -> String {
    guard FileManager.default.createFile(atPath: scratch, contents: Data(bytes)) else {
        return "cannot write \(scratch)"
    }
    do {
        let file = try ParquetFile(path: scratch)
        var values = 0
        for g in 0..<file.rowGroupSizes.count {
            for c in file.columns.indices {
                do { values += try file.read(column: c, rowGroup: g).count } catch let e as BioCubeError { _ = e }
            }
        }
        return "ok: \(file.rowCount) rows, \(values) values"
    } catch let e as BioCubeError {
        return "error: \(e.message.prefix(120))"
    } catch {
        return "unexpected error type: \(error)"
    }
}

let scratchPath = "/dev/shm/biocube-parquet-fuzz-\(getpid()).parquet"

#if FUZZING
/// libFuzzer's entry: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = exercise(UnsafeRawBufferPointer(start: data, count: size), scratch: scratchPath)
    return 0
}

/// libFuzzer's driver (the package's executable entry point replaces libFuzzer's `main`).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

@main
struct ParquetFuzz {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, { data, size in fuzzOne(data, size) }))
        #else
        let files = CommandLine.arguments.dropFirst()
        guard !files.isEmpty else {
            print("usage: parquet-fuzz FILE... (replays inputs; `make fuzz` builds the libFuzzer target)")
            exit(2)
        }
        for f in files {
            guard let data = FileManager.default.contents(atPath: f) else { print("\(f): unreadable"); continue }
            let result = data.withUnsafeBytes { exercise($0, scratch: scratchPath) }
            print("\(f): \(result)")
        }
        try? FileManager.default.removeItem(atPath: scratchPath)
        #endif
    }
}
