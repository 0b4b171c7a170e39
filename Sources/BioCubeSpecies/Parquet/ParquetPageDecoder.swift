import BioCubeCore

/// Walks the pages of one column chunk and decodes them into ``ParquetColumnData``.
struct ParquetPageDecoder {
    let file: ParquetFile
    let column: ParquetColumnDescriptor
    let chunk: ParquetFile.Chunk
    let rowGroup: Int
    private var dictionary: ParquetColumnData.Values? = nil
    private let zstd = ZstdCodec()

    init(file: ParquetFile, column: ParquetColumnDescriptor, chunk: ParquetFile.Chunk, rowGroup: Int) throws {
        self.file = file
        self.column = column
        self.chunk = chunk
        self.rowGroup = rowGroup
        guard [0, 1, 2, 6, 7].contains(chunk.codec) else {
            let names = [3: "LZO", 4: "BROTLI", 5: "LZ4 (Hadoop framing)"]
            throw BioCubeError(.unsupported, "\(file.path): column '\(column.name)': compression \(names[chunk.codec] ?? "#\(chunk.codec)") is not supported (UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW)")
        }
    }

    private func fail(_ page: Int, _ why: String, _ code: BioCubeError.Code = .corruptData) -> BioCubeError {
        BioCubeError(code, "\(file.path): column '\(column.name)', row group \(rowGroup), page \(page): \(why)")
    }

    mutating func decodeAll() throws -> ParquetColumnData {
        let b = UnsafeRawBufferPointer(file.storage.buffer)
        var position = chunk.start
        let end = chunk.start + chunk.length
        var page = 0
        var values: [ParquetColumnData.Values] = []
        var validity: [Bool] = []
        var anyNull = false
        var rows = 0
        while rows < chunk.values && position < end {
            var reader = ThriftCompactReader(UnsafeRawBufferPointer(rebasing: b[position..<end]))
            let header: ThriftValue
            do { header = try reader.readStruct() } catch let f as ThriftCompactReader.Failure { throw fail(page, "corrupt page header (\(f.reason))") }
            position += reader.position
            guard let type = header[1]?.int, let uncompressed = header[2]?.int.map(Int.init), let compressed = header[3]?.int.map(Int.init),
                  uncompressed >= 0, compressed >= 0, uncompressed <= 1 << 30 else {
                throw fail(page, "page header lacks or misstates its sizes")
            }
            guard position + compressed <= end else { throw fail(page, "page of \(compressed) bytes runs past the column chunk") }
            let body = UnsafeRawBufferPointer(rebasing: b[position..<(position + compressed)])
            position += compressed
            switch type {
            case 2:  // dictionary page
                let n = Int(header[7]?[1]?.int ?? -1)
                guard n >= 0 else { throw fail(page, "dictionary page header lacks num_values") }
                let raw = try decompress(body, uncompressed, page)
                dictionary = try raw.withUnsafeBytes { try plain(UnsafeRawBufferPointer($0), count: n, page: page).values }
            case 0:  // data page v1
                guard let h = header[5], let n = h[1]?.int.map(Int.init), let encoding = h[2]?.int else { throw fail(page, "data page header is incomplete") }
                let raw = try decompress(body, uncompressed, page)
                try raw.withUnsafeBytes { p in
                    let data = UnsafeRawBufferPointer(p)
                    var offset = 0
                    var present = [Bool](repeating: true, count: n)
                    if column.isOptional {
                        guard data.count >= 4 else { throw fail(page, "truncated definition levels") }
                        let length = Int(data[0]) | Int(data[1]) << 8 | Int(data[2]) << 16 | Int(data[3]) << 24
                        guard length >= 0, 4 + length <= data.count else { throw fail(page, "definition levels of \(length) bytes do not fit the page") }
                        present = try levels(UnsafeRawBufferPointer(rebasing: data[4..<(4 + length)]), count: n, page: page)
                        offset = 4 + length
                    }
                    let nonNull = present.reduce(0) { $0 + ($1 ? 1 : 0) }
                    let decoded = try decodeValues(UnsafeRawBufferPointer(rebasing: data[offset...]), encoding: Int(encoding), count: nonNull, page: page)
                    values.append(expand(decoded, present))
                    if nonNull < n { anyNull = true }
                    validity.append(contentsOf: present)
                    rows += n
                }
            case 3:  // data page v2
                guard let h = header[8], let n = h[1]?.int.map(Int.init), let encoding = h[4]?.int,
                      let defLength = h[5]?.int.map(Int.init), let repLength = h[6]?.int.map(Int.init) else {
                    throw fail(page, "data page v2 header is incomplete")
                }
                guard repLength == 0 else { throw fail(page, "repetition levels (nested data) are not supported", .unsupported) }
                guard defLength >= 0, defLength <= body.count else { throw fail(page, "definition levels of \(defLength) bytes do not fit the page") }
                let present = column.isOptional && defLength > 0
                    ? try levels(UnsafeRawBufferPointer(rebasing: body[0..<defLength]), count: n, page: page)
                    : [Bool](repeating: true, count: n)
                let compressedValues = h[7]?.bool ?? true
                let rest = UnsafeRawBufferPointer(rebasing: body[defLength...])
                let raw = compressedValues ? try decompress(rest, uncompressed - defLength, page) : Array(rest)
                let nonNull = present.reduce(0) { $0 + ($1 ? 1 : 0) }
                let decoded = try raw.withUnsafeBytes { try decodeValues(UnsafeRawBufferPointer($0), encoding: Int(encoding), count: nonNull, page: page) }
                values.append(expand(decoded, present))
                if nonNull < n { anyNull = true }
                validity.append(contentsOf: present)
                rows += n
            default:
                break  // index pages and unknown page types are skipped
            }
            page += 1
        }
        guard rows == chunk.values else { throw fail(page, "column chunk ends after \(rows) of \(chunk.values) values") }
        let parts = values.map { ParquetColumnData(descriptor: column, values: $0, validity: nil) }
        var result = ParquetColumnData(concatenating: parts, descriptor: column)
        result.validity = anyNull ? validity : nil
        return result
    }

    private mutating func decompress(_ body: UnsafeRawBufferPointer, _ size: Int, _ page: Int) throws -> [UInt8] {
        guard size >= 0 else { throw fail(page, "negative uncompressed size") }
        var out = [UInt8](repeating: 0, count: size)
        do {
            try out.withUnsafeMutableBytes { dst in
                switch chunk.codec {
                case 0:
                    guard body.count == size else { throw fail(page, "uncompressed page of \(body.count) bytes, header says \(size)") }
                    dst.copyMemory(from: body)
                case 1: try Snappy.decompress(body, into: dst)
                case 2: try GzipCodec.decompress(body, into: dst)
                case 7: try LZ4Block.decompress(body, into: dst)
                default: try zstd.decompress(body, into: dst)
                }
            }
        } catch let e as Snappy.Failure {
            throw fail(page, "snappy decompression failed: \(e.reason)")
        } catch let e as LZ4Block.Failure {
            throw fail(page, "LZ4 decompression failed: \(e.reason)")
        } catch let e as BioCubeError where !e.message.hasPrefix(file.path) {
            throw fail(page, "decompression failed: \(e.message)")
        }
        return out
    }

    private func levels(_ data: UnsafeRawBufferPointer, count: Int, page: Int) throws -> [Bool] {
        var decoder = RLEHybridDecoder(data, bitWidth: 1)
        var raw: [UInt32] = []
        raw.reserveCapacity(count)
        do { try decoder.decode(count, into: &raw) } catch let f as RLEHybridDecoder.Failure { throw fail(page, "definition levels: \(f.reason)") }
        return raw.map { $0 == 1 }
    }

    private func decodeValues(_ data: UnsafeRawBufferPointer, encoding: Int, count: Int, page: Int) throws -> ParquetColumnData.Values {
        switch encoding {
        case 0:
            return try plain(data, count: count, page: page).values
        case 2, 8:
            guard let dictionary else { throw fail(page, "dictionary-encoded page without a dictionary page") }
            guard let width = data.first else { return try gather(dictionary, [], page) }
            var decoder = RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: data[1...]), bitWidth: Int(width))
            var indices: [UInt32] = []
            indices.reserveCapacity(count)
            do { try decoder.decode(count, into: &indices) } catch let f as RLEHybridDecoder.Failure { throw fail(page, "dictionary indices: \(f.reason)") }
            return try gather(dictionary, indices, page)
        case 3 where column.physicalType == .boolean:
            guard data.count >= 4 else { throw fail(page, "truncated boolean run") }
            let length = Int(data[0]) | Int(data[1]) << 8 | Int(data[2]) << 16 | Int(data[3]) << 24
            guard length >= 0, 4 + length <= data.count else { throw fail(page, "boolean runs do not fit the page") }
            var decoder = RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: data[4..<(4 + length)]), bitWidth: 1)
            var raw: [UInt32] = []
            do { try decoder.decode(count, into: &raw) } catch let f as RLEHybridDecoder.Failure { throw fail(page, "booleans: \(f.reason)") }
            return .boolean(raw.map { $0 == 1 })
        case 5 where column.physicalType == .int32 || column.physicalType == .int64:
            do {
                let (v, _) = try DeltaDecoders.binaryPacked(data, count: count, bits32: column.physicalType == .int32)
                return column.physicalType == .int32 ? .int32(v.map { Int32(truncatingIfNeeded: $0) }) : .int64(v)
            } catch let f as DeltaDecoders.Failure { throw fail(page, "DELTA_BINARY_PACKED: \(f.reason)") }
        case 6 where column.physicalType == .byteArray:
            do { return .bytes(try DeltaDecoders.lengthByteArray(data, count: count).values) }
            catch let f as DeltaDecoders.Failure { throw fail(page, "DELTA_LENGTH_BYTE_ARRAY: \(f.reason)") }
        case 7 where column.physicalType == .byteArray || column.physicalType == .fixedLenByteArray:
            do { return .bytes(try DeltaDecoders.byteArray(data, count: count)) }
            catch let f as DeltaDecoders.Failure { throw fail(page, "DELTA_BYTE_ARRAY: \(f.reason)") }
        case 9:
            let width: Int
            switch column.physicalType {
            case .float, .int32: width = 4
            case .double, .int64: width = 8
            case .fixedLenByteArray: width = column.typeLength
            default: throw fail(page, "BYTE_STREAM_SPLIT does not apply to \(column.physicalType)", .unsupported)
            }
            do {
                let bytes = try DeltaDecoders.byteStreamSplit(data, count: count, width: width)
                return try bytes.withUnsafeBytes { try plain($0, count: count, page: page).values }
            } catch let f as DeltaDecoders.Failure { throw fail(page, "BYTE_STREAM_SPLIT: \(f.reason)") }
        default:
            let names = [5: "DELTA_BINARY_PACKED", 6: "DELTA_LENGTH_BYTE_ARRAY", 7: "DELTA_BYTE_ARRAY", 9: "BYTE_STREAM_SPLIT", 4: "BIT_PACKED"]
            throw fail(page, "encoding \(names[encoding] ?? "#\(encoding)") is not supported for \(column.physicalType)", .unsupported)
        }
    }

    private func gather(_ dictionary: ParquetColumnData.Values, _ indices: [UInt32], _ page: Int) throws -> ParquetColumnData.Values {
        func pick<T>(_ d: [T]) throws -> [T] {
            try indices.map { i in
                guard Int(i) < d.count else { throw fail(page, "dictionary index \(i) outside a dictionary of \(d.count)") }
                return d[Int(i)]
            }
        }
        switch dictionary {
        case .boolean(let d): return .boolean(try pick(d))
        case .int32(let d): return .int32(try pick(d))
        case .int64(let d): return .int64(try pick(d))
        case .float(let d): return .float(try pick(d))
        case .double(let d): return .double(try pick(d))
        case .bytes(let d): return .bytes(try pick(d))
        }
    }

    /// PLAIN-decodes `count` values; returns them and the bytes consumed.
    private func plain(_ data: UnsafeRawBufferPointer, count: Int, page: Int) throws -> (values: ParquetColumnData.Values, used: Int) {
        func fixed<T>(_ size: Int, _ make: (UnsafeRawBufferPointer, Int) -> T) throws -> [T] {
            guard count * size <= data.count else { throw fail(page, "\(count) values of \(size) bytes do not fit in \(data.count) bytes") }
            return (0..<count).map { make(data, $0 * size) }
        }
        switch column.physicalType {
        case .int32: return (.int32(try fixed(4) { Int32(bitPattern: $0.loadUnaligned(fromByteOffset: $1, as: UInt32.self).littleEndian) }), count * 4)
        case .int64: return (.int64(try fixed(8) { Int64(bitPattern: $0.loadUnaligned(fromByteOffset: $1, as: UInt64.self).littleEndian) }), count * 8)
        case .float: return (.float(try fixed(4) { Float(bitPattern: $0.loadUnaligned(fromByteOffset: $1, as: UInt32.self).littleEndian) }), count * 4)
        case .double: return (.double(try fixed(8) { Double(bitPattern: $0.loadUnaligned(fromByteOffset: $1, as: UInt64.self).littleEndian) }), count * 8)
        case .int96: return (.bytes(try fixed(12) { Array($0[$1..<($1 + 12)]) }), count * 12)
        case .fixedLenByteArray:
            let w = column.typeLength
            guard w > 0 else { throw fail(page, "FIXED_LEN_BYTE_ARRAY without a type length") }
            return (.bytes(try fixed(w) { Array($0[$1..<($1 + w)]) }), count * w)
        case .boolean:
            guard (count + 7) / 8 <= data.count else { throw fail(page, "\(count) booleans do not fit in \(data.count) bytes") }
            return (.boolean((0..<count).map { data[$0 / 8] >> UInt8($0 % 8) & 1 == 1 }), (count + 7) / 8)
        case .byteArray:
            var out: [[UInt8]] = []
            out.reserveCapacity(count)
            var p = 0
            for k in 0..<count {
                guard p + 4 <= data.count else { throw fail(page, "value \(k): truncated length") }
                let n = Int(data.loadUnaligned(fromByteOffset: p, as: UInt32.self).littleEndian)
                guard n <= data.count - p - 4 else { throw fail(page, "value \(k): length \(n) runs past the page") }
                out.append(Array(data[(p + 4)..<(p + 4 + n)]))
                p += 4 + n
            }
            return (.bytes(out), p)
        }
    }

    /// Spreads non-null values over rows (nulls get placeholders).
    private func expand(_ values: ParquetColumnData.Values, _ present: [Bool]) -> ParquetColumnData.Values {
        guard present.contains(false) else { return values }
        func spread<T>(_ v: [T], _ empty: T) -> [T] {
            var out: [T] = []
            out.reserveCapacity(present.count)
            var i = 0
            for p in present {
                if p, i < v.count { out.append(v[i]); i += 1 } else { out.append(empty) }
            }
            return out
        }
        switch values {
        case .boolean(let v): return .boolean(spread(v, false))
        case .int32(let v): return .int32(spread(v, 0))
        case .int64(let v): return .int64(spread(v, 0))
        case .float(let v): return .float(spread(v, 0))
        case .double(let v): return .double(spread(v, 0))
        case .bytes(let v): return .bytes(spread(v, []))
        }
    }
}
