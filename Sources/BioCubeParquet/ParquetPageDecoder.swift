import BioCubeCore

/// Walks the pages of one column chunk and decodes them into ``ParquetColumnData``.
struct ParquetPageDecoder {
    let file: ParquetFile
    let column: ParquetColumnDescriptor
    let chunk: ParquetFile.Chunk
    let rowGroup: Int
    private var dictionary: ParquetColumnData.Values? = nil
    /// Reused buffer for decoded levels and dictionary indices.
    private var scratch: [UInt32] = []
    private let zstd = ZstdCodec()

    /// Bytes per value of fixed-width physical types (nil for byte arrays).
    var fixedWidth: Int? {
        switch column.physicalType {
        case .boolean: 1
        case .int32, .float: 4
        case .int64, .double: 8
        case .int96: 12
        case .fixedLenByteArray: max(1, column.typeLength)
        case .byteArray: nil
        }
    }

    init(file: ParquetFile, column: ParquetColumnDescriptor, chunk: ParquetFile.Chunk, rowGroup: Int) throws {
        self.file = file
        self.column = column
        self.chunk = chunk
        self.rowGroup = rowGroup
        guard [0, 1, 2, 5, 6, 7].contains(chunk.codec) else {
            let names = [3: "LZO", 4: "BROTLI"]
            throw BioCubeError(
                .unsupportedEncoding,
                "column '\(column.name)': compression \(names[chunk.codec] ?? "#\(chunk.codec)") is not supported (UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4, LZ4_RAW)",
                file: file.path
            )
        }
    }

    private func fail(_ page: Int, _ why: String, _ code: BioCubeError.Code = .corruptData) -> BioCubeError {
        BioCubeError(code, "row group \(rowGroup), page \(page): \(why)", file: file.path, column: column.name)
    }

    /// Decodes every page; `keepingDictionaryIndices` also returns the dictionary and the
    /// per-row indices when every data page is dictionary-encoded.
    mutating func decodeAll(keepingDictionaryIndices: Bool = false) throws -> ParquetColumnData {
        let b = UnsafeRawBufferPointer(file.storage.buffer)
        var position = chunk.start
        // Pages are read until the chunk's values are all there, up to the footer: old
        // parquet-mr footers under-report column-chunk sizes (pyarrow tolerates it too).
        let end = file.dataEnd
        var page = 0
        var out = ColumnBuilder(type: column.physicalType)
        // Reserve for what the footer declares, within reason: a lying footer must not make
        // one huge allocation up front (the arrays still grow to any size real pages need).
        out.reserve(min(chunk.values, 1 << 22))
        var validity: [Bool]? = nil
        var rows = 0
        // Per-row dictionary indices while every data page is dictionary-encoded.
        var indices: [UInt32]? = keepingDictionaryIndices ? [] : nil
        while rows < chunk.values && position < end {
            var reader = ThriftCompactReader(UnsafeRawBufferPointer(rebasing: b[position..<end]))
            let header: ThriftValue
            do { header = try reader.readStruct() } catch let f as BioCubeError {
                throw fail(page, "corrupt page header (\(f.message))")
            }
            position += reader.position
            guard let type = header[1]?.int, let uncompressed = header[2]?.int.map(Int.init),
                let compressed = header[3]?.int.map(Int.init),
                uncompressed >= 0, compressed >= 0, uncompressed <= 1 << 30
            else {
                throw fail(page, "page header lacks or misstates its sizes")
            }
            guard compressed <= end - position else {
                throw fail(page, "page of \(compressed) bytes runs past the data (into the footer)")
            }
            // Fixed-width values bound what a page can hold (the remaining values, each with its
            // level bytes): a header claiming more would only make a huge allocation.
            if let width = fixedWidth {
                let room = (chunk.values - rows + 1) * (width + 2) + 65_536
                guard uncompressed <= room else {
                    throw fail(
                        page,
                        "page declares \(uncompressed) bytes uncompressed; \(chunk.values - rows) values of \(width) bytes need at most \(room)"
                    )
                }
            }
            // No codec expands beyond a fixed ratio (uncompressed 1, snappy 32, LZ4 255, gzip
            // 1032, zstd 32768 with RLE blocks): a header claiming more is refused before the
            // page is allocated, whatever the column's type.
            let ratio = [0: 1, 1: 32, 2: 1032, 5: 255, 7: 255][chunk.codec] ?? 32_768
            guard uncompressed <= compressed * ratio + 65_536 else {
                throw fail(
                    page,
                    "page declares \(uncompressed) bytes uncompressed from \(compressed) stored bytes, more than its codec can expand to"
                )
            }
            let body = UnsafeRawBufferPointer(rebasing: b[position..<(position + compressed)])
            position += compressed
            // The page's CRC-32 (of the bytes after the header), when the writer recorded one.
            if let crc = header[4]?.int {
                let found = CRC32.checksum(body)
                guard found == UInt32(truncatingIfNeeded: crc) else {
                    throw fail(
                        page,
                        "page checksum mismatch (CRC-32 \(String(found, radix: 16)), the header records \(String(UInt32(truncatingIfNeeded: crc), radix: 16)))"
                    )
                }
            }
            /// Decodes one data page's values given its definition levels.
            func dataPage(_ values: UnsafeRawBufferPointer, rows n: Int, present: [Bool]?, encoding: Int) throws {
                let nonNull = present.map { $0.reduce(0) { $0 &+ ($1 ? 1 : 0) } } ?? n
                guard n <= chunk.values - rows else {
                    throw fail(
                        page,
                        "page holds \(n) rows, more than the column chunk's \(chunk.values - rows) remaining"
                    )
                }
                if try !decodeValues(
                    values,
                    encoding: encoding,
                    count: nonNull,
                    page: page,
                    into: &out,
                    indices: &indices
                ) {
                    indices = nil
                }
                if let present {
                    out.spreadTail(valueCount: nonNull, present: present)
                    if indices != nil { indices!.spreadTail(valueCount: nonNull, present: present, empty: 0) }
                    if validity == nil { validity = [Bool](repeating: true, count: rows) }
                    validity!.append(contentsOf: present)
                } else if validity != nil {
                    validity!.append(contentsOf: repeatElement(true, count: n))
                }
                rows += n
            }
            switch type {
            case 2:  // dictionary page
                let n = Int(header[7]?[1]?.int ?? -1)
                guard n >= 0 else { throw fail(page, "dictionary page header lacks num_values") }
                let raw = try decompress(body, uncompressed, page)
                var d = ColumnBuilder(type: column.physicalType)
                _ = try raw.withUnsafeBytes { try plain(UnsafeRawBufferPointer($0), count: n, page: page, into: &d) }
                dictionary = d.values
            case 0:  // data page v1
                guard let h = header[5], let n = h[1]?.int.map(Int.init), n >= 0, let encoding = h[2]?.int else {
                    throw fail(page, "data page header is incomplete")
                }
                guard n <= chunk.values - rows else {
                    throw fail(
                        page,
                        "page holds \(n) rows, more than the column chunk's \(chunk.values - rows) remaining"
                    )
                }
                let raw = try decompress(body, uncompressed, page)
                try raw.withUnsafeBytes { p in
                    let data = UnsafeRawBufferPointer(p)
                    var offset = 0
                    var present: [Bool]? = nil
                    if column.isOptional {
                        guard data.count >= 4 else { throw fail(page, "truncated definition levels") }
                        let length = Int(data[0]) | Int(data[1]) << 8 | Int(data[2]) << 16 | Int(data[3]) << 24
                        guard length >= 0, 4 + length <= data.count else {
                            throw fail(page, "definition levels of \(length) bytes do not fit the page")
                        }
                        present = try levels(
                            UnsafeRawBufferPointer(rebasing: data[4..<(4 + length)]),
                            count: n,
                            page: page
                        )
                        offset = 4 + length
                    }
                    try dataPage(
                        UnsafeRawBufferPointer(rebasing: data[offset...]),
                        rows: n,
                        present: present,
                        encoding: Int(encoding)
                    )
                }
            case 3:  // data page v2
                guard let h = header[8], let n = h[1]?.int.map(Int.init), n >= 0, let encoding = h[4]?.int,
                    let defLength = h[5]?.int.map(Int.init), let repLength = h[6]?.int.map(Int.init)
                else {
                    throw fail(page, "data page v2 header is incomplete")
                }
                guard n <= chunk.values - rows else {
                    throw fail(
                        page,
                        "page holds \(n) rows, more than the column chunk's \(chunk.values - rows) remaining"
                    )
                }
                // A flat column's repetition levels are all 0: some writers still store them
                // (first in the page); they are skipped.
                guard repLength >= 0, defLength >= 0, repLength <= body.count, defLength <= body.count - repLength
                else {
                    throw fail(
                        page,
                        "levels of \(repLength) + \(defLength) bytes do not fit the page of \(body.count)"
                    )
                }
                let levelBytes = repLength + defLength
                let present =
                    column.isOptional && defLength > 0
                    ? try levels(
                        UnsafeRawBufferPointer(rebasing: body[repLength..<levelBytes]),
                        count: n,
                        page: page
                    )
                    : nil
                let compressedValues = h[7]?.bool ?? true
                let rest = UnsafeRawBufferPointer(rebasing: body[levelBytes...])
                // An all-null page may have an empty values section, which no codec decodes.
                let raw =
                    rest.isEmpty && uncompressed == levelBytes
                    ? [] : compressedValues ? try decompress(rest, uncompressed - levelBytes, page) : Array(rest)
                try raw.withUnsafeBytes {
                    try dataPage(UnsafeRawBufferPointer($0), rows: n, present: present, encoding: Int(encoding))
                }
            default:
                break  // index pages and unknown page types are skipped
            }
            page += 1
        }
        guard rows == chunk.values else {
            throw fail(page, "column chunk ends after \(rows) of \(chunk.values) values")
        }
        var result = ParquetColumnData(descriptor: column, values: out.values, validity: validity)
        if let indices, let dictionary, chunk.values > 0, indices.count == chunk.values {
            result.dictionary = dictionary
            result.dictionaryIndices = indices
        }
        return result
    }

    private mutating func decompress(_ body: UnsafeRawBufferPointer, _ size: Int, _ page: Int) throws -> [UInt8] {
        guard size >= 0 else { throw fail(page, "negative uncompressed size") }
        var out = [UInt8](repeating: 0, count: size)
        do {
            try out.withUnsafeMutableBytes { dst in
                switch chunk.codec {
                case 0:
                    guard body.count == size else {
                        throw fail(page, "uncompressed page of \(body.count) bytes, header says \(size)")
                    }
                    dst.copyMemory(from: body)
                case 1: try Snappy.decompress(body, into: dst)
                case 2: try GzipCodec.decompress(body, into: dst)
                case 5: try LZ4Block.decompressLegacy(body, into: dst)
                case 7:
                    do { try LZ4Block.decompress(body, into: dst) } catch let e as BioCubeError {
                        let frame = body.count >= 4 && Array(body[0..<4]) == [0x04, 0x22, 0x4D, 0x18]
                        throw BioCubeError(
                            .corruptData,
                            "LZ4_RAW (a bare LZ4 block): \(e.message)"
                                + (frame ? "; the bytes are an LZ4 frame (magic 04 22 4D 18) instead" : ""),
                            cause: e
                        )
                    }
                default: try zstd.decompress(body, into: dst)
                }
            }
        } catch let e as BioCubeError where e.file == nil {
            // Only the codecs throw without a file: name the page and the codec.
            let codec = [0: "uncompressed", 1: "snappy", 2: "gzip", 5: "LZ4", 7: "LZ4_RAW"][Int(chunk.codec)] ?? "zstd"
            throw fail(page, "\(codec) decompression failed: \(e.message)")
        }
        return out
    }

    /// The scratch buffer, at least `count` long, moved out of `self` (put it back after use).
    private mutating func takeScratch(_ count: Int) -> [UInt32] {
        var b: [UInt32] = []
        swap(&b, &scratch)
        if b.count < count { b = [UInt32](repeating: 0, count: count) }
        return b
    }

    /// Definition levels of a flat optional column (bit width 1): nil when every row has a value.
    private mutating func levels(_ data: UnsafeRawBufferPointer, count: Int, page: Int) throws -> [Bool]? {
        guard count > 0 else { return nil }
        var decoder = RLEHybridDecoder(data, bitWidth: 1)
        var buffer = takeScratch(count)
        defer { scratch = buffer }
        var ones = 0
        do {
            try buffer.withUnsafeMutableBufferPointer { p in
                try decoder.decode(count, writingTo: p.baseAddress!)
                for i in 0..<count { ones &+= Int(p[i] & 1) }
            }
        } catch let f as BioCubeError { throw fail(page, "definition levels: \(f.message)") }
        if ones == count { return nil }
        return buffer.withUnsafeBufferPointer { p in (0..<count).map { p[$0] == 1 } }
    }

    /// Decodes `count` non-null values of one page into `out`; returns whether the page was
    /// dictionary-encoded (its indices then also go to `indices`).
    private mutating func decodeValues(
        _ data: UnsafeRawBufferPointer,
        encoding: Int,
        count: Int,
        page: Int,
        into out: inout ColumnBuilder,
        indices: inout [UInt32]?
    ) throws -> Bool {
        switch encoding {
        case 0:
            _ = try plain(data, count: count, page: page, into: &out)
            return false
        case 2, 8:
            guard let dictionary else { throw fail(page, "dictionary-encoded page without a dictionary page") }
            let dictionaryCount = dictionary.count
            if count == 0 { return true }
            guard let width = data.first else { throw fail(page, "dictionary indices: empty page for \(count) values") }
            var decoder = RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: data[1...]), bitWidth: Int(width))
            var buffer = takeScratch(count)
            defer { scratch = buffer }
            let (path, name, group) = (file.path, column.name, rowGroup)
            let failure = { (why: String) in
                BioCubeError(.corruptData, "row group \(group), page \(page): \(why)", file: path, column: name)
            }
            try buffer.withUnsafeMutableBufferPointer { p in
                do { try decoder.decode(count, writingTo: p.baseAddress!) } catch let f as BioCubeError {
                    throw failure("dictionary indices: \(f.message)")
                }
                let used = UnsafeBufferPointer(rebasing: p[0..<count])
                var largest: UInt32 = 0
                for i in used { largest = max(largest, i) }
                guard Int(largest) < dictionaryCount else {
                    throw failure("dictionary index \(largest) outside a dictionary of \(dictionaryCount)")
                }
                out.append(gathering: used, from: dictionary)
                indices?.append(contentsOf: used)
            }
            return true
        case 3 where column.physicalType == .boolean:
            guard data.count >= 4 else { throw fail(page, "truncated boolean run") }
            let length = Int(data[0]) | Int(data[1]) << 8 | Int(data[2]) << 16 | Int(data[3]) << 24
            guard length >= 0, 4 + length <= data.count else { throw fail(page, "boolean runs do not fit the page") }
            var decoder = RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: data[4..<(4 + length)]), bitWidth: 1)
            var raw: [UInt32] = []
            do { try decoder.decode(count, into: &raw) } catch let f as BioCubeError {
                throw fail(page, "booleans: \(f.message)")
            }
            out.append(.boolean(raw.map { $0 == 1 }))
            return false
        case 5 where column.physicalType == .int32 || column.physicalType == .int64:
            do {
                let (v, _) = try DeltaDecoders.binaryPacked(data, count: count, bits32: column.physicalType == .int32)
                out.append(column.physicalType == .int32 ? .int32(v.map { Int32(truncatingIfNeeded: $0) }) : .int64(v))
                return false
            } catch let f as BioCubeError { throw fail(page, "DELTA_BINARY_PACKED: \(f.message)") }
        case 6 where column.physicalType == .byteArray:
            do {
                out.append(.bytes(ParquetByteArrays(try DeltaDecoders.lengthByteArray(data, count: count).values)))
            } catch let f as BioCubeError { throw fail(page, "DELTA_LENGTH_BYTE_ARRAY: \(f.message)") }
            return false
        case 7 where column.physicalType == .byteArray || column.physicalType == .fixedLenByteArray:
            do { out.append(.bytes(ParquetByteArrays(try DeltaDecoders.byteArray(data, count: count)))) } catch let f
                as BioCubeError
            { throw fail(page, "DELTA_BYTE_ARRAY: \(f.message)") }
            return false
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
                _ = try bytes.withUnsafeBytes { try plain($0, count: count, page: page, into: &out) }
                return false
            } catch let f as BioCubeError { throw fail(page, "BYTE_STREAM_SPLIT: \(f.message)") }
        default:
            let names = [
                5: "DELTA_BINARY_PACKED", 6: "DELTA_LENGTH_BYTE_ARRAY", 7: "DELTA_BYTE_ARRAY", 9: "BYTE_STREAM_SPLIT",
                4: "BIT_PACKED",
            ]
            throw fail(
                page,
                "encoding \(names[encoding] ?? "#\(encoding)") is not supported for \(column.physicalType)",
                .unsupportedEncoding
            )
        }
    }

    /// PLAIN-decodes `count` values into `out`; returns the bytes consumed.
    private func plain(
        _ data: UnsafeRawBufferPointer,
        count: Int,
        page: Int,
        into out: inout ColumnBuilder
    ) throws -> Int {
        func fixed(_ size: Int) throws -> UnsafeRawBufferPointer {
            guard count <= data.count / max(1, size) else {
                throw fail(page, "\(count) values of \(size) bytes do not fit in \(data.count) bytes")
            }
            return UnsafeRawBufferPointer(rebasing: data[0..<(count * size)])
        }
        switch column.physicalType {
        case .int32:
            out.int32s.appendLittleEndian(try fixed(4))
            return count * 4
        case .int64:
            out.int64s.appendLittleEndian(try fixed(8))
            return count * 8
        case .float:
            out.floats.appendLittleEndian(try fixed(4))
            return count * 4
        case .double:
            out.doubles.appendLittleEndian(try fixed(8))
            return count * 8
        case .int96, .fixedLenByteArray:
            let w = column.physicalType == .int96 ? 12 : column.typeLength
            guard w > 0 else { throw fail(page, "FIXED_LEN_BYTE_ARRAY without a type length") }
            let raw = try fixed(w)
            out.arrays.reserve(count: count, byteCount: raw.count)
            for k in 0..<count { out.arrays.append(UnsafeRawBufferPointer(rebasing: raw[(k * w)..<(k * w + w)])) }
            return count * w
        case .boolean:
            guard (count + 7) / 8 <= data.count else {
                throw fail(page, "\(count) booleans do not fit in \(data.count) bytes")
            }
            out.booleans.append(contentsOf: (0..<count).map { data[$0 / 8] >> UInt8($0 % 8) & 1 == 1 })
            return (count + 7) / 8
        case .byteArray:
            out.arrays.reserve(count: count, byteCount: max(0, data.count - 4 * count))
            var p = 0
            for k in 0..<count {
                guard p + 4 <= data.count else { throw fail(page, "value \(k): truncated length") }
                let n = Int(data.loadUnaligned(fromByteOffset: p, as: UInt32.self).littleEndian)
                guard n <= data.count - p - 4 else { throw fail(page, "value \(k): length \(n) runs past the page") }
                out.arrays.append(UnsafeRawBufferPointer(rebasing: data[(p + 4)..<(p + 4 + n)]))
                p += 4 + n
            }
            return p
        }
    }
}
