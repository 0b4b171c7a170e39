internal import CNetCDF

/// A dimension of a NetCDF file.
package struct NetCDFDimension: Hashable, Sendable {
    /// The dimension id in the file.
    package let id: Int32
    /// The dimension name.
    package let name: String
    /// The current length.
    package let length: Int
    /// Whether the dimension is unlimited (record dimension).
    package let isUnlimited: Bool
}

/// A variable of a NetCDF file: name, type, dimension names and shape.
package struct NetCDFVariable: Hashable, Sendable {
    /// The variable id in the file.
    package let id: Int32
    /// The variable name.
    package let name: String
    /// The stored type.
    package let type: NetCDFType
    /// Dimension names, outermost first.
    package let dimensions: [String]
    /// Dimension lengths, outermost first.
    package let shape: [Int]
}

/// The NetCDF external data types.
package enum NetCDFType: Hashable, Sendable, CustomStringConvertible {
    case byte, char, short, int, float, double, ubyte, ushort, uint, int64, uint64, string
    case other(Int32)

    init(raw: nc_type) {
        switch raw {
        case NC_BYTE: self = .byte
        case NC_CHAR: self = .char
        case NC_SHORT: self = .short
        case NC_INT: self = .int
        case NC_FLOAT: self = .float
        case NC_DOUBLE: self = .double
        case NC_UBYTE: self = .ubyte
        case NC_USHORT: self = .ushort
        case NC_UINT: self = .uint
        case NC_INT64: self = .int64
        case NC_UINT64: self = .uint64
        case NC_STRING: self = .string
        default: self = .other(raw)
        }
    }

    /// Whether values are numbers (and can be read as floats).
    package var isNumeric: Bool {
        switch self {
        case .char, .string, .other: false
        default: true
        }
    }

    /// Whether values are integers (packed data is stored as such).
    package var isInteger: Bool {
        switch self {
        case .byte, .short, .int, .ubyte, .ushort, .uint, .int64, .uint64: true
        default: false
        }
    }

    package var description: String {
        switch self {
        case .byte: "byte"
        case .char: "char"
        case .short: "short"
        case .int: "int"
        case .float: "float"
        case .double: "double"
        case .ubyte: "ubyte"
        case .ushort: "ushort"
        case .uint: "uint"
        case .int64: "int64"
        case .uint64: "uint64"
        case .string: "string"
        case .other(let t): "type \(t)"
        }
    }
}

/// A NetCDF attribute value.
package enum NetCDFAttribute: Hashable, Sendable {
    /// Text (NC_CHAR, or a single NC_STRING).
    case text(String)
    /// Several strings (NC_STRING array).
    case strings([String])
    /// Floating-point values.
    case numbers([Double])
    /// Integer values.
    case integers([Int64])

    /// The text, if this is text.
    package var text: String? { if case .text(let s) = self { return s } else { return nil } }

    /// The first value as a Double, if numeric.
    package var number: Double? {
        switch self {
        case .numbers(let v): v.first
        case .integers(let v): v.first.map(Double.init)
        default: nil
        }
    }

    /// All values as Doubles, if numeric.
    package var numbers: [Double]? {
        switch self {
        case .numbers(let v): v
        case .integers(let v): v.map(Double.init)
        default: nil
        }
    }
}
