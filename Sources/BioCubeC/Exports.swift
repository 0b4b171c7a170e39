import BioCubeBatch
import BioCubeCore
import Foundation

// The C ABI of `libBioCubeC` (declared in biocube.h beside this file). Every function
// returns 0 on success or a `BIOCUBE_E_…` code, with a message (malloc'd, to be released
// with `biocube_free`) in `*error` when `error` is not NULL. No Swift error or trap crosses
// the boundary for bad input.

/// Status codes of the C ABI (biocube.h).
enum CStatus: Int32 {
    case ok = 0
    case invalidArgument = 1
    case notFound = 2
    case invalidMetadata = 3
    case corruptData = 4
    case unsupported = 5
    case io = 6
    case other = 99

    init(_ error: any Error) {
        guard let e = error as? BioCubeError else {
            self = .other
            return
        }
        switch e.code.category {
        case .invalidArgument: self = .invalidArgument
        case .notFound: self = .notFound
        case .invalidMetadata, .missingStatistics: self = .invalidMetadata
        case .corruptData: self = .corruptData
        case .unsupported: self = .unsupported
        case .io, .notAFile: self = .io
        default: self = .other
        }
    }
}

/// A malloc'd copy of `bytes` (NUL-terminated), for the caller to `biocube_free`.
func mallocCopy(_ bytes: [UInt8]) -> UnsafeMutablePointer<UInt8> {
    let p = malloc(bytes.count + 1)!.bindMemory(to: UInt8.self, capacity: bytes.count + 1)
    bytes.withUnsafeBufferPointer { src in
        if let base = src.baseAddress { p.update(from: base, count: bytes.count) }
    }
    p[bytes.count] = 0
    return p
}

/// Runs `body`, turning a thrown error into a status and, when `message` is not NULL, a
/// malloc'd message there.
func guarded(_ message: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ body: () throws -> Void) -> Int32 {
    message?.pointee = nil
    do {
        try body()
        return CStatus.ok.rawValue
    } catch {
        if let message {
            let text = (error as? BioCubeError)?.description ?? "\(error)"
            message.pointee = UnsafeMutableRawPointer(mallocCopy(Array(text.utf8))).assumingMemoryBound(to: CChar.self)
        }
        return CStatus(error).rawValue
    }
}

/// The library's version, a static NUL-terminated string.
@_cdecl("biocube_version")
public func biocube_version() -> UnsafePointer<CChar> { versionString }

nonisolated(unsafe) private let versionString: UnsafePointer<CChar> = {
    let bytes = Array(BioCubeVersion.string.utf8) + [0]
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
    for (i, b) in bytes.enumerated() { p[i] = CChar(bitPattern: b) }
    return UnsafePointer(p)
}()

/// Releases a string or pickle the library returned (NULL is ignored).
@_cdecl("biocube_free")
public func biocube_free(_ pointer: UnsafeMutableRawPointer?) { free(pointer) }

/// Opens a dataset over a store: `options` is a NUL-terminated JSON object (see
/// DatasetOptions); `*dataset` receives the handle, released with `biocube_close`.
@_cdecl("biocube_open")
public func biocube_open(
    _ options: UnsafePointer<CChar>?,
    _ dataset: UnsafeMutablePointer<OpaquePointer?>?,
    _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    guarded(error) {
        guard let options, let dataset else {
            throw BioCubeError(.invalidArgument, "options and dataset must not be NULL")
        }
        dataset.pointee = nil
        let bytes = Array(UnsafeBufferPointer(start: options, count: strlen(options))).map { UInt8(bitPattern: $0) }
        let handle = try DatasetHandle(options: try DatasetOptions(json: bytes))
        dataset.pointee = OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
    }
}

/// Releases a dataset (NULL is ignored). No read of it may be running.
@_cdecl("biocube_close")
public func biocube_close(_ dataset: OpaquePointer?) {
    guard let dataset else { return }
    Unmanaged<DatasetHandle>.fromOpaque(UnsafeRawPointer(dataset)).release()
}

/// The dataset's description, a malloc'd NUL-terminated JSON object in `*json`: items,
/// windows, timestamps, grid, latitudes, longitudes, chip, storages (dtype, bytes),
/// variables, problems.
@_cdecl("biocube_describe")
public func biocube_describe(
    _ dataset: OpaquePointer?,
    _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    guarded(error) {
        guard let dataset, let json else { throw BioCubeError(.invalidArgument, "dataset and json must not be NULL") }
        let handle = Unmanaged<DatasetHandle>.fromOpaque(UnsafeRawPointer(dataset)).takeUnretainedValue()
        let text = try handle.describe()
        json.pointee = UnsafeMutableRawPointer(mallocCopy(text)).assumingMemoryBound(to: CChar.self)
    }
}

/// Reads item `item` into the caller's `count` buffers (buffer k holds `sizes[k]` bytes, as
/// the description's storage k says), cut to the chip whose top-left cell is (`row`,
/// `column`) when the dataset has chips (else both 0). `*pickle` receives the item's
/// `torch.save` pickle (protocol 2; storage k is persistent id "k"), malloc'd, and
/// `*pickle_size` its length. Safe to call from several threads at once.
@_cdecl("biocube_read")
public func biocube_read(
    _ dataset: OpaquePointer?,
    _ item: Int64,
    _ row: Int64,
    _ column: Int64,
    _ buffers: UnsafePointer<UnsafeMutableRawPointer?>?,
    _ sizes: UnsafePointer<Int64>?,
    _ count: Int64,
    _ pickle: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
    _ pickleSize: UnsafeMutablePointer<Int64>?,
    _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    guarded(error) {
        guard let dataset, let pickle, let pickleSize, count >= 0, count == 0 || (buffers != nil && sizes != nil)
        else { throw BioCubeError(.invalidArgument, "dataset, buffers, sizes, pickle and pickle_size must be given") }
        pickle.pointee = nil
        pickleSize.pointee = 0
        let handle = Unmanaged<DatasetHandle>.fromOpaque(UnsafeRawPointer(dataset)).takeUnretainedValue()
        var views: [UnsafeMutableRawBufferPointer] = []
        for k in 0..<Int(count) {
            guard let base = buffers![k], sizes![k] >= 0 else {
                throw BioCubeError(.invalidArgument, "buffer \(k) is NULL or has a negative size")
            }
            views.append(UnsafeMutableRawBufferPointer(start: base, count: Int(sizes![k])))
        }
        let bytes = try handle.read(Int(item), row: Int(row), column: Int(column), into: views)
        pickle.pointee = mallocCopy(bytes)
        pickleSize.pointee = Int64(bytes.count)
    }
}
