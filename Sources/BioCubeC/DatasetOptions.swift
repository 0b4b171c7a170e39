import BioCubeBatch
import BioCubeCore
import Foundation

/// The options of `biocube_open`, a JSON object: the Python `CubeDataset`'s keyword
/// arguments, with the command line's spellings (`biocube batches`).
///
/// ```json
/// {"store": "cube.zarr", "contract": "monthly", "variables": "-surface:lsm", "species": "top:10",
///  "levels": "1000,500", "region": "60,-10,40,20", "start": "2000-01", "end": "2000-12",
///  "missing": "zero", "normalise": "stats.json", "normalise_mode": "standardise",
///  "skip_incomplete": false, "chip": [32, 32], "threads": 2, "labels": "label_mappings.json"}
/// ```
/// Only `store` is required; an unknown key is an error (a misspelt option never passes silently).
struct DatasetOptions {
    var windows: TrainingWindows
    /// Rows and columns of a chip (nil: whole windows).
    var chip: (height: Int, width: Int)?
    /// Threads one read decodes on.
    var threads: Int

    static let keys: Set<String> = [
        "store", "contract", "variables", "species", "levels", "region", "start", "end", "missing", "normalise",
        "normalise_mode", "skip_incomplete", "chip", "threads", "labels",
    ]

    init(json bytes: [UInt8]) throws {
        guard let object = try? JSONValue.decode(Data(bytes)).objectValue else {
            throw BioCubeError(.invalidArgument, "the options are not a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw BioCubeError(
                .invalidArgument,
                "unknown option '\(unknown)' (known: \(Self.keys.sorted().joined(separator: ", ")))"
            )
        }
        func text(_ key: String) throws -> String? {
            guard let v = object[key], v != .null else { return nil }
            guard let s = v.stringValue else {
                throw BioCubeError(.invalidArgument, "option '\(key)' must be a string")
            }
            return s
        }
        func integer(_ v: JSONValue?, _ key: String) throws -> Int? {
            guard let v, v != .null else { return nil }
            guard let d = v.doubleValue, d == d.rounded(), let n = Int(exactly: d) else {
                throw BioCubeError(.invalidArgument, "option '\(key)' must be an integer")
            }
            return n
        }
        guard let store = try text("store") else { throw BioCubeError(.invalidArgument, "option 'store' is required") }
        let contractName = try text("contract") ?? "monthly"
        guard let contract = TrainingWindows.Contract(rawValue: contractName) else {
            throw BioCubeError(.invalidArgument, "contract '\(contractName)' is not monthly or daily")
        }
        var changes = try text("variables").map(VariableSelection.parsingVariables) ?? VariableSelection()
        if let species = try text("species") { changes.species = try VariableSelection.parsingSpecies(species) }
        if let levels = try text("levels") { changes.levels = try VariableSelection.parsingLevels(levels) }
        let missing = try text("missing").map { name in
            guard let m = MissingValuePolicy(rawValue: name) else {
                throw BioCubeError(.invalidArgument, "missing-value policy '\(name)' is not zero or nan")
            }
            return m
        }
        let modeName = try text("normalise_mode") ?? "standardise"
        guard let mode = Batch.NormalisationMode(rawValue: modeName) else {
            throw BioCubeError(.invalidArgument, "normalise_mode '\(modeName)' is not standardise or minMax")
        }
        var skip = false
        if let v = object["skip_incomplete"], v != .null {
            guard case .bool(let b) = v else {
                throw BioCubeError(.invalidArgument, "option 'skip_incomplete' must be true or false")
            }
            skip = b
        }
        windows = try TrainingWindows(
            storePath: store,
            contract: contract,
            start: try text("start").map(UTCDateTime.init(parsing:)),
            end: try text("end").map(UTCDateTime.init(parsing:)),
            region: try text("region").map(Region.init(parsing:)),
            changes: changes,
            missing: missing,
            normalise: try text("normalise"),
            normaliseMode: mode,
            skipIncomplete: skip,
            labels: try text("labels")
        )
        if let v = object["chip"], v != .null {
            guard let pair = v.arrayValue, pair.count == 2, let h = try integer(pair[0], "chip"),
                let w = try integer(pair[1], "chip"), h > 0, w > 0
            else { throw BioCubeError(.invalidArgument, "option 'chip' must be [height, width], both positive") }
            let grid = windows.sampler.grid
            guard h <= grid.height, w <= grid.width else {
                throw BioCubeError(
                    .invalidArgument,
                    "a \(h) × \(w) chip does not fit the \(grid.height) × \(grid.width) grid",
                    file: store
                )
            }
            chip = (h, w)
        }
        threads = try integer(object["threads"], "threads") ?? 1
        guard threads >= 1 else { throw BioCubeError(.invalidArgument, "option 'threads' must be at least 1") }
    }
}
