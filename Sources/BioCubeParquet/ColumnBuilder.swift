/// The values of one column chunk as its pages are decoded: one growing array of the
/// column's physical type (the others stay empty), appended to in place.
struct ColumnBuilder {
    let type: ParquetPhysicalType
    var booleans: [Bool] = []
    var int32s: [Int32] = []
    var int64s: [Int64] = []
    var floats: [Float] = []
    var doubles: [Double] = []
    var arrays = ParquetByteArrays()

    init(type: ParquetPhysicalType) { self.type = type }

    /// Reserves room for `count` values.
    mutating func reserve(_ count: Int) {
        switch type {
        case .boolean: booleans.reserveCapacity(count)
        case .int32: int32s.reserveCapacity(count)
        case .int64: int64s.reserveCapacity(count)
        case .float: floats.reserveCapacity(count)
        case .double: doubles.reserveCapacity(count)
        case .byteArray, .fixedLenByteArray, .int96: arrays.reserve(count: count, byteCount: 0)
        }
    }

    /// The values so far.
    var values: ParquetColumnData.Values {
        switch type {
        case .boolean: .boolean(booleans)
        case .int32: .int32(int32s)
        case .int64: .int64(int64s)
        case .float: .float(floats)
        case .double: .double(doubles)
        case .byteArray, .fixedLenByteArray, .int96: .bytes(arrays)
        }
    }

    /// Appends decoded values of the column's type (others are ignored: the decoders only
    /// produce the column's own type).
    mutating func append(_ v: ParquetColumnData.Values) {
        switch v {
        case .boolean(let x): booleans.append(contentsOf: x)
        case .int32(let x): int32s.append(contentsOf: x)
        case .int64(let x): int64s.append(contentsOf: x)
        case .float(let x): floats.append(contentsOf: x)
        case .double(let x): doubles.append(contentsOf: x)
        case .bytes(let x): arrays.append(contentsOf: x)
        }
    }

    /// Appends `dictionary[i]` for each index (all checked to be in range by the caller).
    mutating func append(gathering indices: UnsafeBufferPointer<UInt32>, from dictionary: ParquetColumnData.Values) {
        switch dictionary {
        case .boolean(let d): booleans.appendGathering(indices, from: d)
        case .int32(let d): int32s.appendGathering(indices, from: d)
        case .int64(let d): int64s.appendGathering(indices, from: d)
        case .float(let d): floats.appendGathering(indices, from: d)
        case .double(let d): doubles.appendGathering(indices, from: d)
        case .bytes(let d): arrays.append(gathering: indices, from: d)
        }
    }

    /// Spreads the last `valueCount` values over `present.count` rows (absent rows get a
    /// zero / empty placeholder).
    mutating func spreadTail(valueCount: Int, present: [Bool]) {
        switch type {
        case .boolean: booleans.spreadTail(valueCount: valueCount, present: present, empty: false)
        case .int32: int32s.spreadTail(valueCount: valueCount, present: present, empty: 0)
        case .int64: int64s.spreadTail(valueCount: valueCount, present: present, empty: 0)
        case .float: floats.spreadTail(valueCount: valueCount, present: present, empty: 0)
        case .double: doubles.spreadTail(valueCount: valueCount, present: present, empty: 0)
        case .byteArray, .fixedLenByteArray, .int96: arrays.spreadTail(valueCount: valueCount, present: present)
        }
    }
}

extension Array where Element: BitwiseCopyable {
    /// Appends `n` elements written by `fill` (which must initialise all of them): no
    /// element-by-element growth, and no copy at all when the array was empty.
    mutating func appendUninitialized(_ n: Int, _ fill: (UnsafeMutableBufferPointer<Element>) -> Void) {
        guard n > 0 else { return }
        let added = [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            fill(buffer)
            initialized = n
        }
        if isEmpty { self = added } else { append(contentsOf: added) }
    }

    /// Appends `source[i]` for each index (indices checked by the caller).
    mutating func appendGathering(_ indices: UnsafeBufferPointer<UInt32>, from source: [Element]) {
        guard !source.isEmpty, !indices.isEmpty else { return }
        source.withUnsafeBufferPointer { s in
            appendUninitialized(indices.count) { o in
                for k in 0..<indices.count { o[k] = s[Int(indices[k])] }
            }
        }
    }
}

extension Array {
    /// Spreads the last `valueCount` elements over the last `present.count` slots, walking
    /// backwards in place; absent slots get `empty`.
    mutating func spreadTail(valueCount: Int, present: [Bool], empty: Element) {
        let rows = present.count
        guard valueCount < rows else { return }
        let base = count - valueCount
        append(contentsOf: repeatElement(empty, count: rows - valueCount))
        withUnsafeMutableBufferPointer { a in
            var v = base + valueCount - 1
            for r in stride(from: rows - 1, through: 0, by: -1) {
                if present[r] && v >= base {
                    a[base + r] = a[v]
                    v -= 1
                } else {
                    a[base + r] = empty
                }
            }
        }
    }
}

extension Array where Element: BitwiseCopyable {
    /// Appends little-endian values (integers or IEEE floats) copied from raw bytes.
    mutating func appendLittleEndian(_ raw: UnsafeRawBufferPointer) {
        #if _endian(big)
        #error("big-endian hosts need a byte swap of Parquet's little-endian values here")
        #endif
        let n = raw.count / MemoryLayout<Element>.stride
        appendUninitialized(n) {
            UnsafeMutableRawBufferPointer($0).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: raw[0..<(n * MemoryLayout<Element>.stride)])
            )
        }
    }
}
