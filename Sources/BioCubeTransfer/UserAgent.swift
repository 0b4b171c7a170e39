import BioCubeCore
import Foundation

/// The `User-Agent` every BioCube request carries:
/// `biocube/<version> (+<project URL>; <contact>)`.
///
/// Wikimedia, iNaturalist and GBIF ask clients to identify themselves with a way to reach
/// the person running them; Wikimedia answers generic agents (`curl/…`) with 403. The
/// contact is ``DownloadOptions/contact`` when set, else the `BIOCUBE_CONTACT` environment
/// variable (an e-mail address or a URL); without either the agent names only the project.
package enum UserAgent {
    /// Where BioCube lives (the organisation behind the BioCube dataset and its models).
    package static let projectURL = "https://github.com/BioDT"
    /// The environment variable that names the contact.
    package static let contactVariable = "BIOCUBE_CONTACT"

    /// The contact to use: `explicit` when given and not blank, else `BIOCUBE_CONTACT`.
    package static func contact(
        _ explicit: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        for c in [explicit, environment[contactVariable]] {
            if let c = c.map(sanitised), !c.isEmpty { return c }
        }
        return nil
    }

    /// The header value for `contact` (see ``contact(_:environment:)``).
    package static func value(contact explicit: String? = nil) -> String {
        let tail = contact(explicit).map { "; " + $0 } ?? ""
        return "biocube/\(BioCubeVersion.string) (+\(projectURL)\(tail))"
    }

    /// `text` without characters a header cannot carry (control characters, parentheses
    /// that would end the comment), trimmed.
    static func sanitised(_ text: String) -> String {
        String(
            text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F && $0 != "(" && $0 != ")" }
                .map(Character.init)
        ).trimmingCharacters(in: .whitespaces)
    }
}
