/// Parquet physical types.
package enum ParquetPhysicalType: Int, Sendable {
    case boolean = 0
    case int32, int64, int96, float, double, byteArray, fixedLenByteArray
}

/// What a column's values mean (from the logical or legacy converted type).
package enum ParquetLogicalType: Hashable, Sendable {
    case none
    case string
    case date
    /// Timestamp in the given unit; `utc` is `isAdjustedToUTC`.
    case timestamp(unit: TimeUnit, utc: Bool)
    case integer(bits: Int, signed: Bool)
    case decimal(scale: Int, precision: Int)
    case other(String)

    /// Timestamp resolution.
    package enum TimeUnit: Hashable, Sendable { case millis, micros, nanos }
}

/// One leaf column of a flat Parquet schema.
package struct ParquetColumnDescriptor: Hashable, Sendable {
    package let name: String
    package let physicalType: ParquetPhysicalType
    package let logicalType: ParquetLogicalType
    /// Whether the column may hold nulls (`OPTIONAL`).
    package let isOptional: Bool
    /// Byte width of FIXED_LEN_BYTE_ARRAY values.
    package let typeLength: Int
}

extension ParquetLogicalType {
    /// Reads the `logicalType` union (field 10) or, failing that, the converted type (field 6).
    init(element: ThriftValue) {
        if let lt = element[10]?.fields, let (id, value) = lt.first {
            switch id {
            case 1: self = .string
            case 6: self = .date
            case 8:
                let utc = value[1]?.bool ?? false
                let unit: TimeUnit = value[2]?[1] != nil ? .millis : value[2]?[2] != nil ? .micros : .nanos
                self = .timestamp(unit: unit, utc: utc)
            case 10: self = .integer(bits: Int(value[1]?.int ?? 64), signed: value[2]?.bool ?? true)
            case 5: self = .decimal(scale: Int(value[1]?.int ?? 0), precision: Int(value[2]?.int ?? 0))
            default: self = .other("logical type #\(id)")
            }
            return
        }
        switch element[6]?.int {
        case 0?: self = .string
        case 5?: self = .decimal(scale: Int(element[7]?.int ?? 0), precision: Int(element[8]?.int ?? 0))
        case 6?: self = .date
        case 9?: self = .timestamp(unit: .millis, utc: true)
        case 10?: self = .timestamp(unit: .micros, utc: true)
        case let c? where (11...14).contains(c): self = .integer(bits: 8 << Int(c - 11), signed: false)
        case let c? where (15...18).contains(c): self = .integer(bits: 8 << Int(c - 15), signed: true)
        case nil: self = .none
        case let c?: self = .other("converted type \(c)")
        }
    }
}

extension ParquetLogicalType: CustomStringConvertible {
    /// A short readable form: `string`, `timestamp[ns, UTC]`, `int16`, `decimal(10,2)`.
    package var description: String {
        switch self {
        case .none: "none"
        case .string: "string"
        case .date: "date"
        case .timestamp(let unit, let utc):
            "timestamp[\(unit == .millis ? "ms" : unit == .micros ? "us" : "ns")\(utc ? ", UTC" : "")]"
        case .integer(let bits, let signed): "\(signed ? "" : "u")int\(bits)"
        case .decimal(let scale, let precision): "decimal(\(precision),\(scale))"
        case .other(let name): name
        }
    }
}
