/// The Zarr v3 core data types BioCube reads and writes.
public enum ZarrDataType: String, Hashable, Sendable, CaseIterable, Codable {
    case bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    /// Whether the type is a floating-point type.
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }
}

/// A Swift scalar that maps to one ``ZarrDataType``: the element types of typed reads and writes.
public protocol ZarrScalar: Sendable, BitwiseCopyable {
    /// The Zarr data type stored for this Swift type.
    static var zarrDataType: ZarrDataType { get }
    /// Converts a fill value to this type.
    init(fill: FillValue)
}

extension Float: ZarrScalar {
    public static var zarrDataType: ZarrDataType { .float32 }
    public init(fill: FillValue) { self = Float(fill.doubleValue) }
}
extension Double: ZarrScalar {
    public static var zarrDataType: ZarrDataType { .float64 }
    public init(fill: FillValue) { self = fill.doubleValue }
}
extension Int8: ZarrScalar {
    public static var zarrDataType: ZarrDataType { .int8 }
    public init(fill: FillValue) { self = Int8(truncatingIfNeeded: fill.int64Value) }
}
extension Int16: ZarrScalar {
    public static var zarrDataType: ZarrDataType { .int16 }
    public init(fill: FillValue) { self = Int16(truncatingIfNeeded: fill.int64Value) }
}
extension Int32: ZarrScalar {
    public static var zarrDataType: ZarrDataType { .int32 }
    public init(fill: FillValue) { self = Int32(truncatingIfNeeded: fill.int64Value) }
}
extension Int64: ZarrScalar {
    public static var zarrDataType: ZarrDataType { .int64 }
    public init(fill: FillValue) { self = fill.int64Value }
}
extension UInt8: ZarrScalar {
    public static var zarrDataType: ZarrDataType { .uint8 }
    public init(fill: FillValue) { self = UInt8(truncatingIfNeeded: fill.int64Value) }
}
extension UInt16: ZarrScalar {
    public static var zarrDataType: ZarrDataType { .uint16 }
    public init(fill: FillValue) { self = UInt16(truncatingIfNeeded: fill.int64Value) }
}
extension UInt32: ZarrScalar {
    public static var zarrDataType: ZarrDataType { .uint32 }
    public init(fill: FillValue) { self = UInt32(truncatingIfNeeded: fill.int64Value) }
}
extension UInt64: ZarrScalar {
    public static var zarrDataType: ZarrDataType { .uint64 }
    public init(fill: FillValue) { self = UInt64(bitPattern: fill.int64Value) }
}
extension Bool: ZarrScalar {
    public static var zarrDataType: ZarrDataType { .bool }
    public init(fill: FillValue) { self = fill.int64Value != 0 }
}
