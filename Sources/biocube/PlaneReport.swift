import BioCube
import Foundation

/// Prints what a `read` command produced and optionally writes it as raw float32.
func reportPlane(_ t: Tensor, label: String, units: String? = nil, out: String?) throws {
    let valid = t.storage.filter { !$0.isNaN }
    let mean = valid.isEmpty ? Double.nan : valid.reduce(0.0) { $0 + Double($1) } / Double(valid.count)
    print(
        "\(label): shape \(t.shape), \(valid.count) cells with a value, \(t.count - valid.count) NaN, "
            + "min \(valid.min() ?? .nan), max \(valid.max() ?? .nan), mean \(mean)\(units.map { " " + $0 } ?? "")"
    )
    if let out {
        do { try t.storage.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: out)) } } catch {
            throw BioCubeError(.io, "\(out): cannot write: \(error.localizedDescription)")
        }
        print("wrote \(out) (raw little-endian float32)")
    }
}

/// The body of the `read` commands: finds `variable` in `modality`, reads it at `step` onto
/// `grid`, reports the plane and every problem met.
func readAndReport(
    _ modality: some Modality,
    variable: String,
    step: String,
    grid: String,
    out: String?,
    problems: ProblemLog,
    sources: [String]
) throws {
    guard let v = try modality.variables().first(where: { $0.name == variable }) else {
        throw BioCubeError(.notFound, "no variable '\(variable)' in \(sources.joined(separator: ", "))")
    }
    let t = try modality.read(v, at: UTCDateTime(parsing: step), onto: Grid(named: grid))
    try reportPlane(t, label: "\(variable) @ \(step)", units: v.units, out: out)
    for p in problems.problems { print(p) }
}
