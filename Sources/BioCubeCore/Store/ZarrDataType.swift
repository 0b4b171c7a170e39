/// The Zarr v3 core data types BioCube reads and writes.
public enum ZarrDataType: String, Hashable, Sendable, CaseIterable, Codable {
    case bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64

    /// Bytes per element.
    package var byteSize: Int {
        switch self {
        case .bool, .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    /// Whether the type is a floating-point type.
    package var isFloatingPoint: Bool { self == .float32 || self == .float64 }
}

/// A Swift scalar that maps to one ``ZarrDataType``: the element types of typed reads and
/// writes: `Float`, `Double`, the fixed-width integers and `Bool`.
public protocol ZarrScalar: Sendable, BitwiseCopyable {}

extension ZarrScalar {
    /// The Zarr data type stored for this Swift type; nil for a type conformed from outside
    /// (reads and writes of such a type are refused with `.unsupported`).
    package static var zarrDataType: ZarrDataType? {
        switch Self.self {
        case is Float.Type: .float32
        case is Double.Type: .float64
        case is Int8.Type: .int8
        case is Int16.Type: .int16
        case is Int32.Type: .int32
        case is Int64.Type: .int64
        case is UInt8.Type: .uint8
        case is UInt16.Type: .uint16
        case is UInt32.Type: .uint32
        case is UInt64.Type: .uint64
        case is Bool.Type: .bool
        default: nil
        }
    }
}

extension Float: ZarrScalar {}
extension Double: ZarrScalar {}
extension Int8: ZarrScalar {}
extension Int16: ZarrScalar {}
extension Int32: ZarrScalar {}
extension Int64: ZarrScalar {}
extension UInt8: ZarrScalar {}
extension UInt16: ZarrScalar {}
extension UInt32: ZarrScalar {}
extension UInt64: ZarrScalar {}
extension Bool: ZarrScalar {}
