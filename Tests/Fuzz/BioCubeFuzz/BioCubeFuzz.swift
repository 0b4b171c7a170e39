// libFuzzer targets for BioCube's readers of untrusted bytes (FuzzTarget lists them). Built
// by `make fuzz` with `-sanitize=fuzzer,address -DFUZZING`: `biocube-fuzz TARGET [libFuzzer
// options] CORPUS`. Any input must give values or a BioCubeError — never a crash, a hang or
// an unbounded allocation.
//
// A normal build (no FUZZING) replays: `biocube-fuzz TARGET FILE...` runs each file through
// the same code (the tests replay mutated inputs and crash reproducers with it), and
// `biocube-fuzz seed TARGET DIR` writes the target's seed corpus.
import BioCubeCore
import Foundation

let scratch = "/dev/shm/biocube-fuzz-\(getpid())"

#if FUZZING
nonisolated(unsafe) var selected = FuzzTarget.parquet

/// libFuzzer's entry: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = selected.exercise(UnsafeRawBufferPointer(start: data, count: size), scratch: scratch)
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
struct BioCubeFuzz {
    static let usage =
        "usage: biocube-fuzz TARGET FILE... | biocube-fuzz seed TARGET DIR   (TARGET: "
        + FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ") + ")"

    static func target(_ name: String) -> FuzzTarget {
        guard let t = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("unknown target '\(name)'\n\(usage)\n".utf8))
            exit(2)
        }
        return t
    }

    static func main() throws {
        let args = CommandLine.arguments
        guard args.count >= 3 else {
            print(usage)
            exit(2)
        }
        if args[1] == "seed" {
            guard args.count == 4 else {
                print(usage)
                exit(2)
            }
            let written = try FuzzSeeds.write(target(args[2]), into: args[3])
            print("\(args[2]): \(written) seed(s) in \(args[3])")
            return
        }
        let t = target(args[1])
        try FileIO.createDirectories(scratch)
        defer { try? FileIO.removeItem(scratch) }
        #if FUZZING
        selected = t
        // libFuzzer sees the program name and the options after the target.
        let rest = [args[0]] + args.dropFirst(2)
        var pointers: [UnsafeMutablePointer<CChar>?] = rest.map { strdup($0) } + [nil]
        var argc = CInt(rest.count)
        let status = pointers.withUnsafeMutableBufferPointer { buffer -> CInt in
            var argv = buffer.baseAddress!
            return runFuzzerDriver(&argc, &argv, { data, size in fuzzOne(data, size) })
        }
        try? FileIO.removeItem(scratch)
        exit(status)
        #else
        for f in args.dropFirst(2) {
            guard let data = FileManager.default.contents(atPath: f) else {
                print("\(f): unreadable")
                continue
            }
            print("\(f): \(data.withUnsafeBytes { t.exercise($0, scratch: scratch) })")
        }
        // This process's own peak (VmHWM starts afresh at exec; a parent's getrusage would
        // report the larger of the child's peak and the forking parent's).
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) {
            FileHandle.standardError.write(
                Data("biocube-fuzz: peak RSS \(line.dropFirst(6).trimmingCharacters(in: .whitespaces))\n".utf8)
            )
        }
        #endif
    }
}
