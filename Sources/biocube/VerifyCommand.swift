import ArgumentParser
import BioCube
import Foundation

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Check batch files (.pt, .safetensors) and stores against the batch contract; print every tensor's statistics.",
        discussion: "Exits with status 1 and a precise message for the first file that breaks the contract."
    )

    @Argument(help: "Batch files and/or store folders.")
    var paths: [String]
    @Option(
        help:
            "A selection file (or a build config with a select section) the batches must match; for stores, every selected variable, species and level must be stored."
    )
    var selection: String?

    func run() async throws {
        try await reportingErrors {
            let wanted = try selection.map(VariableSelection.load(path:))
            var failures = 0
            for path in paths {
                do {
                    let report = try await ContractReport.check(path: path, selection: wanted)
                    print("\(path): \(report.summary)")
                    for e in report.entries { print(line(e)) }
                    if !report.followsContract {
                        failures += 1
                        print("FAIL \(path): \(report.violations.joined(separator: "; "))")
                    }
                } catch let e as BioCubeError {
                    failures += 1
                    print("FAIL \(path): \(e.message)")
                }
            }
            if failures > 0 {
                print("\(failures) of \(paths.count) path(s) break the contract")
                throw ExitCode(1)
            }
            print("verify: \(paths.count) path(s) follow the batch contract")
        }
    }

    func line(_ e: ContractReport.Entry) -> String {
        let all = Double(max(1, e.validCount + e.nanCount + e.infinityCount))
        let range = e.min.map { String(format: "%.6g … %.6g", $0, e.max!) } ?? "no values"
        return "  " + e.name.padding(toLength: 36, withPad: " ", startingAt: 0) + " "
            + "\(e.shape)".padding(toLength: 18, withPad: " ", startingAt: 0)
            + " float32"
            + String(
                format: "  NaN %5.1f%%  Inf %4.1f%%  mean %-11.5g std %-11.5g ",
                100 * Double(e.nanCount) / all,
                100 * Double(e.infinityCount) / all,
                e.mean,
                e.standardDeviation
            ) + range
    }
}
