import ArgumentParser
import BioCube
import Foundation

struct DownloadBioCube: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "biocube",
        abstract: "Download the published BioCube dataset from the Hugging Face Hub (no git or git-lfs needed).",
        discussion: """
            Lists the files of the dataset (BioDT/BioCube by default) through the Hub's API, downloads \
            the selected ones with ranged resume into .part files, and verifies each against the \
            listed SHA-256 (or git blob id). Files already complete are verified and skipped, so a \
            rerun downloads only what is missing. HF_TOKEN is sent when set; HF_ENDPOINT (or \
            --endpoint) points at a mirror.
            Examples: biocube download biocube --out data/BioCube --include Copernicus,Species
                      biocube download biocube --out data/BioCube --pattern 'Copernicus/ERA5-monthly/**/*.nc'
            """
    )

    @Option(help: "Output folder (the repository's layout below it; `biocube scan` reads it).")
    var out: String
    @Option(help: "Only files under these top-level folders, comma-separated (Copernicus, Species, Land, …).")
    var include: String?
    @Option(
        help: "Only files whose repository path matches this glob (* and ? within a folder, ** across); repeatable."
    )
    var pattern: [String] = []
    @Option(help: "Branch, tag or commit.")
    var revision: String = "main"
    @Option(help: "The dataset repository.")
    var repository: String = "BioDT/BioCube"
    @Option(help: "The Hub's address (default: HF_ENDPOINT, else https://huggingface.co).")
    var endpoint: String?
    @Option(help: "Files downloaded at once.")
    var concurrent: Int = 3
    @Flag(help: "Only list what would be downloaded.")
    var list = false

    @OptionGroup var identity: ContactOption

    func run() async throws {
        try await reportingErrors {
            let root = endpoint ?? ProcessInfo.processInfo.environment["HF_ENDPOINT"] ?? "https://huggingface.co"
            guard let url = URL(string: root.hasSuffix("/") ? String(root.dropLast()) : root), url.host != nil else {
                throw ValidationError("--endpoint '\(Redaction.text(root))' is not a URL")
            }
            var options = DownloadOptions()
            options.concurrentDownloads = max(1, min(concurrent, 64))
            options.contact = identity.resolved()
            let hub = HuggingFaceDataset(repository: repository, revision: revision, endpoint: url, options: options)
            let all = try await hub.files()
            let folders = include.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
            let patterns = pattern.map(PathPattern.init)
            let chosen = all.filter { f in
                (folders.map { $0.contains(String(f.path.split(separator: "/").first ?? "")) } ?? true)
                    && (patterns.isEmpty || patterns.contains { $0.matches(f.path) })
            }
            let bytes = chosen.reduce(Int64(0)) { $0 + $1.size }
            print(
                "\(repository)@\(revision): \(chosen.count) of \(all.count) files selected, \(String(format: "%.2f", Double(bytes) / 1e9)) GB"
            )
            if chosen.isEmpty, let folders {
                let top = Set(all.map { String($0.path.split(separator: "/").first ?? "") }).sorted()
                throw ValidationError(
                    "--include \(folders.sorted().joined(separator: ",")) matches nothing (top-level folders: \(top.joined(separator: ", ")))"
                )
            }
            if list {
                for f in chosen { print(String(format: "%12lld  %@", f.size, f.path)) }
                return
            }
            let progress = TransferProgress(total: bytes)
            let summary = try await hub.download(chosen, into: out) { progress.show($0) }
            progress.finish()
            print(
                "done: \(summary.downloaded) downloaded (\(String(format: "%.2f", Double(summary.bytes) / 1e9)) GB), \(summary.skipped) already complete and verified, in \(out)"
            )
        }
    }
}

/// Bytes, rate and time left over several concurrent downloads, on one redrawn line.
final class TransferProgress: @unchecked Sendable {
    // Safety: all state is guarded by `lock`.
    private let lock = NSLock()
    private let total: Int64
    private var perFile: [String: Int64] = [:]
    private var skipped: Int64 = 0
    private var sizes: [String: Int64] = [:]
    private let start = Date()
    private var lastPrint = Date.distantPast
    private let isTerminal = isatty(1) == 1

    init(total: Int64) { self.total = total }

    func show(_ event: DownloadEvent) {
        lock.withLock {
            switch event {
            case .skipped(let f): print("  \(f): complete and verified, skipped")
            case .status(let f, _, let s): print("  \(f): \(s)")
            case .retrying(let n, let why): print("  retry \(n): \(why)")
            case .downloading(let f, let b, let size):
                perFile[f] = b
                if let size { sizes[f] = size }
            case .completed(let f, let b):
                perFile[f] = b
                if !isTerminal { print("  \(f): done") }
            default: break
            }
            let now = Date()
            guard now.timeIntervalSince(lastPrint) > (isTerminal ? 0.2 : 10) else { return }
            lastPrint = now
            let got = perFile.values.reduce(0, +)
            let elapsed = max(0.001, now.timeIntervalSince(start))
            let rate = Double(got) / elapsed
            let left = rate > 0 ? Double(max(0, total - got)) / rate : 0
            let line = String(
                format: "  %.1f / %.1f MB, %.1f MB/s, about %@ left",
                Double(got) / 1e6,
                Double(total) / 1e6,
                rate / 1e6,
                Self.duration(left)
            )
            if isTerminal {
                print("\r\u{1B}[2K" + line, terminator: "")
                FileHandle.standardOutput.synchronizeFile()
            } else {
                print(line)
            }
        }
    }

    func finish() {
        lock.withLock { if isTerminal { print("\r\u{1B}[2K", terminator: "") } }
    }

    static func duration(_ s: Double) -> String {
        s < 90 ? "\(Int(s)) s" : s < 5400 ? "\(Int(s / 60)) min" : String(format: "%.1f h", s / 3600)
    }
}
