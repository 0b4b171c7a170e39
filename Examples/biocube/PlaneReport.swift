import BioCubeCore
import Foundation

/// Prints what a `read` command produced and optionally writes it as raw float32.
func reportPlane(_ t: Tensor, label: String, units: String? = nil, out: String?) throws {
    let valid = t.storage.filter { !$0.isNaN }
    let mean = valid.isEmpty ? Double.nan : valid.reduce(0.0) { $0 + Double($1) } / Double(valid.count)
    print("\(label): shape \(t.shape), \(valid.count) cells with a value, \(t.count - valid.count) NaN, " +
          "min \(valid.min() ?? .nan), max \(valid.max() ?? .nan), mean \(mean)\(units.map { " " + $0 } ?? "")")
    if let out {
        do { try t.storage.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: out)) } }
        catch { throw BioCubeError(.io, "\(out): cannot write: \(error.localizedDescription)") }
        print("wrote \(out) (raw little-endian float32)")
    }
}
