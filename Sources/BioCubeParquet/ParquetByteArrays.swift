/// BYTE_ARRAY (and FIXED_LEN_BYTE_ARRAY, INT96) values of a column stored back to back in
/// one buffer with offsets — one allocation per column instead of one per value. Element
/// `i` is the slice `bytes[offsets[i]..<offsets[i + 1]]`; a null row is an empty slice.
package struct ParquetByteArrays: RandomAccessCollection, Hashable, Sendable {
    /// Every value's bytes, back to back.
    package private(set) var bytes: [UInt8]
    /// Where each value starts in ``bytes``; one more entry than there are values.
    package private(set) var offsets: [Int]

    /// No values.
    package init() {
        bytes = []
        offsets = [0]
    }

    /// The given values.
    package init(_ values: some Sequence<some Collection<UInt8>>) {
        self.init()
        for v in values { append(v) }
    }

    package var startIndex: Int { 0 }
    package var endIndex: Int { offsets.count - 1 }

    /// Value `i` (a slice of ``bytes``).
    package subscript(i: Int) -> ArraySlice<UInt8> { bytes[offsets[i]..<offsets[i + 1]] }

    /// Reserves room for `count` more values of `byteCount` bytes in all.
    mutating func reserve(count: Int, byteCount: Int) {
        offsets.reserveCapacity(offsets.count + count)
        bytes.reserveCapacity(bytes.count + byteCount)
    }

    /// Appends one value.
    mutating func append(_ value: some Collection<UInt8>) {
        bytes.append(contentsOf: value)
        offsets.append(bytes.count)
    }

    /// Appends one value from raw memory.
    mutating func append(_ value: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: value)
        offsets.append(bytes.count)
    }

    /// Appends `other`'s values.
    mutating func append(contentsOf other: ParquetByteArrays) {
        let base = bytes.count
        bytes.append(contentsOf: other.bytes)
        offsets.reserveCapacity(offsets.count + other.count)
        for o in other.offsets.dropFirst() { offsets.append(base + o) }
    }

    /// Appends values `indices` of `dictionary` (each index already checked to be in range).
    mutating func append(gathering indices: UnsafeBufferPointer<UInt32>, from dictionary: ParquetByteArrays) {
        guard !indices.isEmpty else { return }
        dictionary.offsets.withUnsafeBufferPointer { so in
            var total = 0
            for i in indices { total &+= so[Int(i) + 1] &- so[Int(i)] }
            var end = bytes.count
            offsets.appendUninitialized(indices.count) { off in
                for k in 0..<indices.count {
                    let i = Int(indices[k])
                    end &+= so[i + 1] &- so[i]
                    off[k] = end
                }
            }
            dictionary.bytes.withUnsafeBufferPointer { src in
                bytes.appendUninitialized(total) { dst in
                    guard let from = src.baseAddress, let to = dst.baseAddress else { return }
                    var p = 0
                    for k in 0..<indices.count {
                        let i = Int(indices[k])
                        let lo = so[i]
                        let n = so[i + 1] &- lo
                        // Short strings (species keys, names) copy faster inline than through memcpy.
                        if n <= 16 {
                            for b in 0..<n { to[p &+ b] = from[lo &+ b] }
                        } else {
                            (to + p).update(from: from + lo, count: n)
                        }
                        p &+= n
                    }
                }
            }
        }
    }

    /// Spreads the last `valueCount` values over the last `present.count` rows: rows
    /// marked absent become empty values.
    mutating func spreadTail(valueCount: Int, present: [Bool]) {
        let rows = present.count
        let first = offsets.count - 1 - valueCount  // index of the first spread value
        var tail = Array(offsets[(first + 1)...])  // ends of the spread values
        offsets.removeLast(valueCount)
        var v = 0
        var end = offsets[first]
        for r in 0..<rows {
            if present[r], v < tail.count {
                end = tail[v]
                v += 1
            }
            offsets.append(end)
        }
        tail.removeAll()
    }
}
