import BioCubeCore
import Foundation

/// A service's requests per UTC day, counted across runs in a small JSON file
/// (`{"day": "2026-12-07", "requests": 123}`), so a list of species spread over several runs
/// stays within the service's daily limit (iNaturalist: 10 000 a day).
actor RequestBudget {
    private let path: String
    private let limit: Int
    private let service: String
    private var day: String
    private var used: Int

    /// The budget of `limit` requests a day recorded at `path`.
    init(path: String, limit: Int, service: String) throws {
        self.path = path
        self.limit = max(0, limit)
        self.service = service
        let today = Self.today()
        day = today
        used = 0
        if FileIO.exists(path) {
            guard let doc = try? JSONValue.decode(Data(try FileIO.read(path))), let d = doc["day"]?.stringValue,
                let n = doc["requests"]?.intValue, n >= 0
            else {
                throw BioCubeError(
                    .corruptData,
                    "unreadable request budget (delete it to start counting anew)",
                    file: path
                )
            }
            if d == today { used = Int(min(n, Int64(Int.max / 2))) }
        }
    }

    static func today() -> String {
        String(UTCDateTime(secondsSince1970: Int64(Date().timeIntervalSince1970)).dateString.prefix(10))
    }

    /// Spends one request, or throws when the day's budget is used up.
    func spend() throws {
        let today = Self.today()
        if today != day {
            day = today
            used = 0
        }
        guard used < limit else {
            throw BioCubeError(
                .accessDenied,
                "\(service): the budget of \(limit) requests for \(day) (UTC) is used up; run again tomorrow (what landed is kept) or raise --daily-requests",
                file: path
            )
        }
        used += 1
        let text = #"{"day":"\#(day)","requests":\#(used)}"#
        try FileIO.writeAtomically(path, Array(text.utf8))
    }
}
