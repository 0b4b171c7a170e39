/// The values of one column (or one row group of it): one slot per row; null rows hold a
/// zero / empty placeholder and are marked in ``validity``.
package struct ParquetColumnData: Sendable {
    /// The typed values.
    package enum Values: Sendable {
        case boolean([Bool])
        case int32([Int32])
        case int64([Int64])
        case float([Float])
        case double([Double])
        /// BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY and INT96 values as byte strings.
        case bytes(ParquetByteArrays)
    }

    package let descriptor: ParquetColumnDescriptor
    package var values: Values
    /// Per row, whether a value is present; nil when every row has one.
    package var validity: [Bool]?
    /// When every page of a single column chunk was dictionary-encoded: the dictionary and,
    /// per row, the index of its value (0 for nulls). Lets callers work on the few distinct
    /// values (species keys, months) instead of every row; nil otherwise.
    package var dictionary: Values?
    /// Per row, the index of its value in ``dictionary`` (see there).
    package var dictionaryIndices: [UInt32]?

    /// The number of rows.
    package var count: Int { values.count }

    package init(descriptor: ParquetColumnDescriptor, values: Values, validity: [Bool]?) {
        self.descriptor = descriptor
        self.values = values
        self.validity = validity
    }

    init(concatenating parts: [ParquetColumnData], descriptor: ParquetColumnDescriptor) {
        self.descriptor = descriptor
        let anyNulls = parts.contains { $0.validity != nil }
        validity = anyNulls ? parts.flatMap { $0.validity ?? Array(repeating: true, count: $0.count) } : nil
        func all<T>(_ pick: (Values) -> [T]?) -> [T] { parts.flatMap { pick($0.values) ?? [] } }
        switch descriptor.physicalType {
        case .boolean:
            values = .boolean(
                all {
                    if case .boolean(let v) = $0 { return v }
                    return nil
                }
            )
        case .int32:
            values = .int32(
                all {
                    if case .int32(let v) = $0 { return v }
                    return nil
                }
            )
        case .int64:
            values = .int64(
                all {
                    if case .int64(let v) = $0 { return v }
                    return nil
                }
            )
        case .float:
            values = .float(
                all {
                    if case .float(let v) = $0 { return v }
                    return nil
                }
            )
        case .double:
            values = .double(
                all {
                    if case .double(let v) = $0 { return v }
                    return nil
                }
            )
        case .byteArray, .fixedLenByteArray, .int96:
            var joined = ParquetByteArrays()
            for p in parts { if case .bytes(let v) = p.values { joined.append(contentsOf: v) } }
            values = .bytes(joined)
        }
        if parts.count == 1 {
            dictionary = parts[0].dictionary
            dictionaryIndices = parts[0].dictionaryIndices
        }
    }

    /// Whether row `i` holds a value.
    package func isValid(_ i: Int) -> Bool { validity?[i] ?? true }

    /// Byte-string values as UTF-8 text (nil for nulls).
    package var strings: [String?] {
        guard case .bytes(let v) = values else { return [] }
        return v.indices.map { isValid($0) ? String(decoding: v[$0], as: UTF8.self) : nil }
    }
}

extension ParquetColumnData.Values {
    /// The number of values.
    package var count: Int {
        switch self {
        case .boolean(let v): v.count
        case .int32(let v): v.count
        case .int64(let v): v.count
        case .float(let v): v.count
        case .double(let v): v.count
        case .bytes(let v): v.count
        }
    }
}

extension ParquetColumnData {
    /// Timestamps as nanoseconds since 1970 (nil for nulls): INT64 timestamps in any unit, and
    /// legacy INT96 values (nanoseconds of the day, then the Julian day number).
    package var timestampNanoseconds: [Int64?]? {
        switch (values, descriptor.logicalType) {
        case (.int64(let v), .timestamp(let unit, _)):
            let scale: Int64 = unit == .nanos ? 1 : unit == .micros ? 1_000 : 1_000_000
            return v.indices.map { isValid($0) ? v[$0] &* scale : nil }
        case (.bytes(let v), _) where descriptor.physicalType == .int96:
            return v.indices.map { i -> Int64? in
                let b = v[i]
                guard isValid(i), b.count == 12 else { return nil }
                let s = b.startIndex
                var nanos: UInt64 = 0
                for k in 0..<8 { nanos |= UInt64(b[s + k]) << (8 * UInt64(k)) }
                var day: UInt32 = 0
                for k in 0..<4 { day |= UInt32(b[s + 8 + k]) << (8 * UInt32(k)) }
                return (Int64(day) - 2_440_588) &* 86_400_000_000_000 &+ Int64(bitPattern: nanos)
            }
        default:
            return nil
        }
    }
}
