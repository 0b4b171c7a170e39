// Read an ERA5 NetCDF file directly, without building a store: its variables, its time
// slices, and one field placed on the BioCube Europe grid.
//
//   swift run read-era5 era5_single.nc t2m
import BioCubeCore
import BioCubeERA5
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: read-era5 FILE.nc VARIABLE\n".utf8))
    exit(2)
}
do {
    let file = try ERA5File(path: arguments[0])
    print("\(arguments[0]): \(file.times.count) time slices from \(file.times.first?.dateString ?? "-")")
    for v in file.variables {
        print("  \(v.name) [\(v.units ?? "")] \(v.levels.map { "\($0.count) levels" } ?? "single level")")
    }

    // The first time slice of the variable, on the 0.25° Europe grid (NaN outside the file).
    let variable = try file.variable(named: arguments[1])
    let field = try file.read(variable, slice: 0, onto: .europe025)
    let values = field.storage.filter { !$0.isNaN }
    let mean = values.reduce(0, +) / Float(max(1, values.count))
    print(
        "\(variable.name) at \(file.times[0].dateString): shape \(field.shape), \(values.count) cells,",
        "mean \(String(format: "%.3f", mean)), min \(values.min() ?? .nan), max \(values.max() ?? .nan)"
    )
} catch {
    FileHandle.standardError.write(Data("read-era5: \(error)\n".utf8))
    exit(1)
}
