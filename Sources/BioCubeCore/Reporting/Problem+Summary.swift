extension Problem {
    /// Problems for people: the same problem at many steps becomes one line listing the
    /// steps (up to four; more as a count with the first and last), in first-seen order.
    /// Monthly steps are shown as `YYYY-MM`.
    ///
    /// ```swift
    /// for line in Problem.summarised(summary.problems) { print("problem:", line) }
    /// ```
    public static func summarised(_ problems: [Problem]) -> [String] {
        var order: [Problem] = []
        var steps: [Problem: [String]] = [:]
        for p in problems {
            var key = p
            key.step = nil
            if steps[key] == nil { order.append(key) }
            if let s = p.step {
                steps[key, default: []].append(String(s.prefix(s.hasSuffix("00:00:00") ? 7 : 19)))
            } else {
                steps[key] = steps[key] ?? []
            }
        }
        return order.map { p in
            let s = steps[p] ?? []
            switch s.count {
            case 0: return p.description
            case 1...4: return "\(p) (at \(s.joined(separator: ", ")))"
            default: return "\(p) (at \(s.count) steps: \(s[0]) … \(s[s.count - 1]))"
            }
        }
    }
}
