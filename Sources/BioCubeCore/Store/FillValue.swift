/// The value of an array's cells that were never written (Zarr `fill_value`).
///
/// Kept as exact bits of the array's data type, so NaN payloads and large int64 values
/// survive a metadata round trip.
package struct FillValue: Hashable, Sendable, CustomStringConvertible {
    /// The data type the bits belong to.
    package let dataType: ZarrDataType
    /// The little-endian element bits, zero-extended to 64 bits.
    package let bits: UInt64

    /// NaN (float types) or zero (integer types and bool): the natural "missing" value.
    package static func missing(for dataType: ZarrDataType) -> FillValue {
        dataType.isFloatingPoint ? FillValue(dataType, double: .nan) : FillValue(dataType, int: 0)
    }

    /// A fill value from a floating-point number (converted to the data type).
    package init(_ dataType: ZarrDataType, double value: Double) {
        self.dataType = dataType
        switch dataType {
        case .float32: bits = UInt64(Float(value).bitPattern)
        case .float64: bits = value.bitPattern
        default:
            let v = value.isFinite ? Int64(exactly: value.rounded()) ?? 0 : 0
            bits = FillValue.truncate(UInt64(bitPattern: v), to: dataType)
        }
    }

    /// A fill value from an integer.
    package init(_ dataType: ZarrDataType, int value: Int64) {
        if dataType.isFloatingPoint {
            self.init(dataType, double: Double(value))
        } else {
            self.init(dataType, bits: UInt64(bitPattern: value))
        }
    }

    init(_ dataType: ZarrDataType, bits: UInt64) {
        self.dataType = dataType
        self.bits = FillValue.truncate(bits, to: dataType)
    }

    private static func truncate(_ bits: UInt64, to type: ZarrDataType) -> UInt64 {
        type.byteSize == 8 ? bits : bits & ((1 << UInt64(type.byteSize * 8)) - 1)
    }

    /// The value as a Double (integers converted; NaN stays NaN).
    package var doubleValue: Double {
        switch dataType {
        case .float32: Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .float64: Double(bitPattern: bits)
        case .uint64: Double(bits)
        default: Double(int64Value)
        }
    }

    /// The value as a signed integer (sign-extended from the type's width; floats truncated).
    package var int64Value: Int64 {
        switch dataType {
        case .float32, .float64:
            let d = doubleValue
            return d.isFinite ? Int64(exactly: d.rounded(.towardZero)) ?? 0 : 0
        case .int8: return Int64(Int8(truncatingIfNeeded: bits))
        case .int16: return Int64(Int16(truncatingIfNeeded: bits))
        case .int32: return Int64(Int32(truncatingIfNeeded: bits))
        default: return Int64(bitPattern: bits)
        }
    }

    package var description: String { json.description }

    /// The Zarr v3 JSON spelling: numbers, `"NaN"`, `"Infinity"`, `"-Infinity"`, or `true`/`false`.
    package var json: JSONValue {
        switch dataType {
        case .bool: return .bool(bits != 0)
        case .float32, .float64:
            let d = doubleValue
            if d.isNaN {
                // Canonical NaN is "NaN"; any other payload is kept as a hex bit pattern.
                let canonical = dataType == .float32 ? UInt64(Float.nan.bitPattern) : Double.nan.bitPattern
                if bits == canonical { return "NaN" }
                let hex = String(bits, radix: 16)
                return .string("0x" + String(repeating: "0", count: dataType.byteSize * 2 - hex.count) + hex)
            }
            return .double(d)
        case .uint64: return bits > UInt64(Int64.max) ? .double(Double(bits)) : .int(Int64(bits))
        default: return .int(int64Value)
        }
    }

    /// Parses a Zarr v3 `fill_value` for `dataType`; `context` names the array in errors.
    package init(json: JSONValue, dataType: ZarrDataType, context: String) throws {
        func bad() -> BioCubeError {
            BioCubeError(
                .invalidMetadata,
                "\(context): fill_value \(json) is not valid for data type \(dataType.rawValue)"
            )
        }
        switch (json, dataType) {
        case (.bool(let b), .bool): self.init(.bool, bits: b ? 1 : 0)
        case (.int(let i), .bool) where i == 0 || i == 1: self.init(.bool, bits: UInt64(i))
        case (.int(let i), _) where dataType != .bool: self.init(dataType, int: i)
        case (.double(let d), _) where dataType.isFloatingPoint: self.init(dataType, double: d)
        case (.double(let d), _) where dataType != .bool && d.rounded() == d: self.init(dataType, int: Int64(d))
        case (.string(let s), _) where dataType.isFloatingPoint:
            switch s {
            case "NaN": self.init(dataType, double: .nan)
            case "Infinity": self.init(dataType, double: .infinity)
            case "-Infinity": self.init(dataType, double: -.infinity)
            default:
                guard s.hasPrefix("0x"), s.count == 2 + dataType.byteSize * 2,
                    let b = UInt64(s.dropFirst(2), radix: 16)
                else { throw bad() }
                self.init(dataType, bits: b)
            }
        default: throw bad()
        }
    }
}
