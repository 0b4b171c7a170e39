import ArgumentParser
import BioCube
import Foundation

/// `--contact`: who runs the download, for the `User-Agent` every request carries.
struct ContactOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "An e-mail address or URL that reaches you, sent in the User-Agent (default: BIOCUBE_CONTACT).",
            discussion:
                "Wikimedia, iNaturalist and GBIF ask clients to identify themselves; Wikimedia refuses generic agents."
        )
    )
    var contact: String?

    /// The contact given or in the environment; prints a note when there is none.
    func resolved(noteFor service: String? = nil) -> String? {
        let c = contact.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        if c == nil, ProcessInfo.processInfo.environment["BIOCUBE_CONTACT"]?.isEmpty ?? true, let service {
            FileHandle.standardError.write(
                Data(
                    "note: \(service) asks clients to say who runs them: set BIOCUBE_CONTACT or --contact to your e-mail address or a URL\n"
                        .utf8
                )
            )
        }
        return c
    }
}

/// Hours given on the command line as a bounded duration.
func hours(_ value: Double, _ flag: String) throws -> Duration {
    guard value.isFinite, value > 0, value <= 24 * 366 else {
        throw ValidationError("\(flag) \(value): give a number of hours between 0 and \(24 * 366)")
    }
    return .milliseconds(Int64(value * 3_600_000))
}
