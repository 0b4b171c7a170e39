import BioCubeCore

/// Writes flat Parquet files that pyarrow, DuckDB and Spark read: required or optional
/// columns of INT64, DOUBLE, STRING (BYTE_ARRAY/UTF8) and TIMESTAMP, data pages v1,
/// dictionary or plain encoding, Snappy, zstd or no compression, column statistics
/// (null count, min, max) and any number of row groups.
///
/// The file is streamed into a temporary sibling and moved into place by ``finish(metadata:)``,
/// so a failed or interrupted write never leaves a partial file under `path`.
///
/// ```swift
/// let writer = try ParquetWriter(path: "out.parquet", fields: [
///     .init("Species", .string), .init("Distribution", .double, optional: true),
/// ])
/// try writer.write([.string(["1340361", "1340503"]), .double([2, 0], validity: [true, false])])
/// try writer.finish()
/// ```
package final class ParquetWriter {
    /// A column of the schema.
    package struct Field: Sendable, Hashable {
        /// Column types the writer supports.
        package enum Kind: Sendable, Hashable {
            case int64, double, string
            /// Raw bytes (BYTE_ARRAY with no annotation), never dictionary-encoded.
            case binary
            /// INT64 timestamps in `unit`; `utc` sets `isAdjustedToUTC`.
            case timestamp(ParquetLogicalType.TimeUnit, utc: Bool)
        }
        /// The column name.
        package var name: String
        /// The column type.
        package var kind: Kind
        /// Whether the column may hold nulls.
        package var optional: Bool

        /// Creates a field.
        package init(_ name: String, _ kind: Kind, optional: Bool = false) {
            self.name = name
            self.kind = kind
            self.optional = optional
        }
    }

    /// One column's values for ``write(_:)``: one slot per row; with `validity`, rows
    /// marked `false` are null and their slot is ignored.
    package enum Column: Sendable {
        case int64([Int64], validity: [Bool]? = nil)
        case double([Double], validity: [Bool]? = nil)
        case string([String], validity: [Bool]? = nil)
        case binary([[UInt8]], validity: [Bool]? = nil)

        var count: Int {
            switch self {
            case .int64(let v, _): v.count
            case .double(let v, _): v.count
            case .string(let v, _): v.count
            case .binary(let v, _): v.count
            }
        }
        var validity: [Bool]? {
            switch self {
            case .int64(_, let m), .double(_, let m), .string(_, let m), .binary(_, let m): m
            }
        }
    }

    /// Page compression.
    package enum Compression: Sendable, Hashable {
        case none, snappy
        case zstd(level: Int)

        var thriftCode: Int32 {
            switch self {
            case .none: 0
            case .snappy: 1
            case .zstd: 6
            }
        }
    }

    /// Writer settings.
    package struct Options: Sendable {
        /// Page compression (Snappy by default, as pyarrow).
        package var compression: Compression = .snappy
        /// Dictionary-encode columns whose dictionary stays under ``dictionaryLimit`` bytes.
        package var dictionary = true
        /// Largest dictionary (in plain-encoded bytes) before a column chunk falls back to plain.
        package var dictionaryLimit = 1 << 20
        /// Rows per row group; ``write(_:)`` splits larger inputs.
        package var rowGroupRows = 1 << 20
        /// Rows per data page.
        package var pageRows = 1 << 16
        /// The `created_by` string.
        package var createdBy = "BioCube parquet writer"

        /// Default settings.
        package init() {}
    }

    /// The schema.
    package let fields: [Field]
    /// The destination path.
    package let path: String
    private let options: Options
    private let file: AtomicFileWriter
    private var rowGroups: [RowGroupInfo] = []
    private let zstd = ZstdCodec()

    /// Starts a file at `path` with the given schema.
    package init(path: String, fields: [Field], options: Options = Options()) throws {
        guard !fields.isEmpty else {
            throw BioCubeError(.invalidArgument, "\(path): a Parquet schema needs at least one column")
        }
        var seen = Set<String>()
        for f in fields where !seen.insert(f.name).inserted {
            throw BioCubeError(.invalidArgument, "\(path): column '\(f.name)' appears twice in the schema")
        }
        guard options.rowGroupRows > 0, options.pageRows > 0 else {
            throw BioCubeError(.invalidArgument, "\(path): row group and page sizes must be positive")
        }
        self.path = path
        self.fields = fields
        self.options = options
        file = try AtomicFileWriter(path: path)
        try file.write(Array("PAR1".utf8))
    }

    /// Appends rows: one ``Column`` per field, in schema order, all of equal length. Inputs
    /// longer than ``Options/rowGroupRows`` become several row groups.
    package func write(_ columns: [Column]) throws {
        guard columns.count == fields.count else {
            throw BioCubeError(
                .invalidArgument,
                "\(path): \(columns.count) columns given for a schema of \(fields.count)"
            )
        }
        let rows = columns[0].count
        for (c, f) in zip(columns, fields) {
            guard c.count == rows else {
                throw BioCubeError(
                    .invalidArgument,
                    "\(path): column '\(f.name)' has \(c.count) rows, '\(fields[0].name)' has \(rows)"
                )
            }
            if let m = c.validity {
                guard m.count == rows else {
                    throw BioCubeError(
                        .invalidArgument,
                        "\(path): column '\(f.name)': validity has \(m.count) entries for \(rows) rows"
                    )
                }
                guard f.optional || !m.contains(false) else {
                    throw BioCubeError(.invalidArgument, "\(path): column '\(f.name)' is required but has null rows")
                }
            }
            switch (c, f.kind) {
            case (.int64, .int64), (.int64, .timestamp), (.double, .double), (.string, .string), (.binary, .binary):
                break
            default:
                throw BioCubeError(
                    .invalidArgument,
                    "\(path): column '\(f.name)' is \(f.kind) but was given other values"
                )
            }
        }
        var start = 0
        repeat {
            let end = min(rows, start + options.rowGroupRows)
            try writeRowGroup(columns, start..<end)
            start = end
        } while start < rows
    }

    /// Writes the footer and moves the file into place. `metadata` becomes the file's
    /// key-value metadata.
    package func finish(metadata: [String: String] = [:]) throws {
        var w = ThriftCompactWriter()
        w.beginStruct()
        w.i32(1, 1)
        w.list(2, of: .structure, count: fields.count + 1) { w in
            w.beginStruct()
            w.string(4, "schema")
            w.i32(5, Int32(fields.count))
            w.endStruct()
            for f in fields { Self.writeSchemaElement(f, &w) }
        }
        w.i64(3, Int64(rowGroups.reduce(0) { $0 + $1.rows }))
        w.list(4, of: .structure, count: rowGroups.count) { w in
            for (ordinal, g) in rowGroups.enumerated() {
                Self.writeRowGroup(g, ordinal: ordinal, fields: fields, codec: options.compression.thriftCode, &w)
            }
        }
        if !metadata.isEmpty {
            w.list(5, of: .structure, count: metadata.count) { w in
                for (k, v) in metadata.sorted(by: { $0.key < $1.key }) {
                    w.beginStruct()
                    w.string(1, k)
                    w.string(2, v)
                    w.endStruct()
                }
            }
        }
        w.string(6, options.createdBy)
        w.list(7, of: .structure, count: fields.count) { w in
            for _ in fields {
                // ColumnOrder union: TYPE_ORDER (an empty struct), so readers use min/max_value.
                w.beginStruct()
                w.structure(1) { _ in }
                w.endStruct()
            }
        }
        w.endStruct()
        var footer = w.bytes
        let n = UInt32(footer.count)
        footer += [UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), UInt8((n >> 16) & 0xFF), UInt8(n >> 24)]
        footer += Array("PAR1".utf8)
        try file.write(footer)
        try file.commit()
    }

    // MARK: - Row groups

    private struct ChunkInfo {
        var fileOffset: Int
        var dictionaryPageOffset: Int?
        var dataPageOffset: Int
        var compressedSize: Int
        var uncompressedSize: Int
        var valueCount: Int
        var usedDictionary: Bool
        var nullCount: Int
        var minValue: [UInt8]?
        var maxValue: [UInt8]?
    }

    private struct RowGroupInfo {
        var rows: Int
        var chunks: [ChunkInfo]
    }

    private func writeRowGroup(_ columns: [Column], _ rows: Range<Int>) throws {
        var chunks: [ChunkInfo] = []
        for (column, field) in zip(columns, fields) {
            chunks.append(try writeChunk(column, field, rows))
        }
        rowGroups.append(RowGroupInfo(rows: rows.count, chunks: chunks))
    }

    /// Plain-encoded values and statistics of one slice of rows (non-null rows only).
    private struct Encoded {
        var bytes: [UInt8] = []
        var nullCount = 0
    }

    private func writeChunk(_ column: Column, _ field: Field, _ rows: Range<Int>) throws -> ChunkInfo {
        let validity = column.validity
        let present: (Int) -> Bool = { validity?[$0] ?? true }
        var nulls = 0
        if let validity { for r in rows where !validity[r] { nulls += 1 } }
        var info = ChunkInfo(
            fileOffset: file.offset,
            dictionaryPageOffset: nil,
            dataPageOffset: file.offset,
            compressedSize: 0,
            uncompressedSize: 0,
            valueCount: rows.count,
            usedDictionary: false,
            nullCount: nulls,
            minValue: nil,
            maxValue: nil
        )
        (info.minValue, info.maxValue) = Self.statistics(column, rows, present)

        // Dictionary: value → index over the present rows; plain-encoded dictionary bytes.
        var indices: [UInt32]? = nil
        if case .binary = column {
            // Tensors and other blobs: distinct by nature, plain-encoded.
        } else if options.dictionary {
            indices = []
            indices!.reserveCapacity(rows.count)
            var dictionaryBytes = PlainEncoder()
            var dictionaryCount = 0
            var ok = true
            switch column {
            case .int64(let v, _):
                var map: [Int64: UInt32] = [:]
                for r in rows where present(r) {
                    if let i = map[v[r]] {
                        indices!.append(i)
                        continue
                    }
                    let i = UInt32(map.count)
                    map[v[r]] = i
                    indices!.append(i)
                    dictionaryCount += 1
                    dictionaryBytes.append(v[r])
                    if dictionaryBytes.bytes.count > options.dictionaryLimit {
                        ok = false
                        break
                    }
                }
            case .double(let v, _):
                var map: [UInt64: UInt32] = [:]
                for r in rows where present(r) {
                    let key = v[r].bitPattern
                    if let i = map[key] {
                        indices!.append(i)
                        continue
                    }
                    let i = UInt32(map.count)
                    map[key] = i
                    indices!.append(i)
                    dictionaryCount += 1
                    dictionaryBytes.append(key)
                    if dictionaryBytes.bytes.count > options.dictionaryLimit {
                        ok = false
                        break
                    }
                }
            case .string(let v, _):
                var map: [String: UInt32] = [:]
                for r in rows where present(r) {
                    if let i = map[v[r]] {
                        indices!.append(i)
                        continue
                    }
                    let i = UInt32(map.count)
                    map[v[r]] = i
                    indices!.append(i)
                    dictionaryCount += 1
                    dictionaryBytes.appendByteArray(v[r])
                    if dictionaryBytes.bytes.count > options.dictionaryLimit {
                        ok = false
                        break
                    }
                }
            case .binary:
                ok = false
            }
            if ok {
                info.dictionaryPageOffset = file.offset
                let sizes = try writePage(dictionaryBytes.bytes) { w, compressed, crc in
                    w.i32(1, 2)  // DICTIONARY_PAGE
                    w.i32(2, Int32(dictionaryBytes.bytes.count))
                    w.i32(3, Int32(compressed))
                    w.i32(4, Int32(bitPattern: crc))
                    w.structure(7) { w in
                        w.i32(1, Int32(dictionaryCount))
                        w.i32(2, 0)  // PLAIN
                    }
                }
                info.compressedSize += sizes.compressed
                info.uncompressedSize += sizes.uncompressed
                info.usedDictionary = true
            } else {
                indices = nil
            }
        }

        info.dataPageOffset = file.offset
        var nextIndex = 0
        var pageStart = rows.lowerBound
        while pageStart < rows.upperBound {
            let pageRows = pageStart..<min(rows.upperBound, pageStart + options.pageRows)
            var body = PlainEncoder()
            if field.optional {
                var levels = RLEHybridEncoder(bitWidth: 1)
                for r in pageRows { levels.append(present(r) ? 1 : 0) }
                let encoded = levels.finish()
                body.appendUInt32(UInt32(encoded.count))
                body.bytes += encoded
            }
            let presentInPage = pageRows.reduce(0) { $0 + (present($1) ? 1 : 0) }
            if let all = indices {
                let slice = all[nextIndex..<(nextIndex + presentInPage)]
                nextIndex += presentInPage
                let maxIndex = slice.max() ?? 0
                let width = maxIndex == 0 ? 0 : (32 - maxIndex.leadingZeroBitCount)
                body.bytes.append(UInt8(width))
                var enc = RLEHybridEncoder(bitWidth: width)
                for i in slice { enc.append(i) }
                body.bytes += enc.finish()
            } else {
                switch column {
                case .int64(let v, _): for r in pageRows where present(r) { body.append(v[r]) }
                case .double(let v, _): for r in pageRows where present(r) { body.append(v[r].bitPattern) }
                case .string(let v, _): for r in pageRows where present(r) { body.appendByteArray(v[r]) }
                case .binary(let v, _): for r in pageRows where present(r) { body.appendByteArray(v[r]) }
                }
            }
            let encoding: Int32 = indices != nil ? 8 : 0  // RLE_DICTIONARY or PLAIN
            let sizes = try writePage(body.bytes) { w, compressed, crc in
                w.i32(1, 0)  // DATA_PAGE
                w.i32(2, Int32(body.bytes.count))
                w.i32(3, Int32(compressed))
                w.i32(4, Int32(bitPattern: crc))
                w.structure(5) { w in
                    w.i32(1, Int32(pageRows.count))
                    w.i32(2, encoding)
                    w.i32(3, 3)  // RLE definition levels
                    w.i32(4, 3)  // RLE repetition levels
                }
            }
            info.compressedSize += sizes.compressed
            info.uncompressedSize += sizes.uncompressed
            pageStart = pageRows.upperBound
        }
        return info
    }

    /// Compresses a page body and writes header + body; returns the on-disk sizes (header
    /// included, as ColumnMetaData counts them). The header closure gets the compressed size
    /// and the page's CRC-32 (of the bytes after the header, as the format specifies).
    private func writePage(
        _ body: [UInt8],
        header: (inout ThriftCompactWriter, Int, UInt32) -> Void
    ) throws -> (compressed: Int, uncompressed: Int) {
        guard body.count <= Int(Int32.max) else {
            throw BioCubeError(
                .invalidArgument,
                "\(path): a page of \(body.count) bytes exceeds Parquet's 2 GiB limit; lower pageRows"
            )
        }
        var compressed: [UInt8] = []
        switch options.compression {
        case .none: compressed = body
        case .snappy: body.withUnsafeBytes { Snappy.compress($0, into: &compressed) }
        case .zstd(let level):
            try body.withUnsafeBytes { try zstd.compress($0, level: level, checksum: false, into: &compressed) }
        }
        var w = ThriftCompactWriter()
        w.beginStruct()
        header(&w, compressed.count, compressed.withUnsafeBytes { CRC32.checksum($0) })
        w.endStruct()
        try file.write(w.bytes)
        try file.write(compressed)
        return (w.bytes.count + compressed.count, w.bytes.count + body.count)
    }

    /// Min and max of the present values, plain-encoded (NaN ignored; nil when none).
    private static func statistics(
        _ column: Column,
        _ rows: Range<Int>,
        _ present: (Int) -> Bool
    ) -> ([UInt8]?, [UInt8]?) {
        func le(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8((v >> (8 * UInt64($0))) & 0xFF) } }
        switch column {
        case .int64(let v, _):
            var lo = Int64.max
            var hi = Int64.min
            var any = false
            for r in rows where present(r) {
                lo = min(lo, v[r])
                hi = max(hi, v[r])
                any = true
            }
            return any ? (le(UInt64(bitPattern: lo)), le(UInt64(bitPattern: hi))) : (nil, nil)
        case .double(let v, _):
            var lo = Double.infinity
            var hi = -Double.infinity
            var any = false
            for r in rows where present(r) && !v[r].isNaN {
                lo = min(lo, v[r])
                hi = max(hi, v[r])
                any = true
            }
            return any ? (le(lo.bitPattern), le(hi.bitPattern)) : (nil, nil)
        case .string(let v, _):
            var lo: [UInt8]? = nil
            var hi: [UInt8]? = nil
            for r in rows where present(r) {
                let b = Array(v[r].utf8)
                if lo == nil || b.lexicographicallyPrecedes(lo!) { lo = b }
                if hi == nil || hi!.lexicographicallyPrecedes(b) { hi = b }
            }
            return (lo, hi)
        case .binary:
            return (nil, nil)  // blobs: min/max would only bloat the footer
        }
    }

    // MARK: - Footer pieces

    private static func writeSchemaElement(_ f: Field, _ w: inout ThriftCompactWriter) {
        w.beginStruct()
        switch f.kind {
        case .int64, .timestamp: w.i32(1, 2)
        case .double: w.i32(1, 5)
        case .string, .binary: w.i32(1, 6)
        }
        w.i32(3, f.optional ? 1 : 0)
        w.string(4, f.name)
        switch f.kind {
        case .string:
            w.i32(6, 0)  // UTF8
            w.structure(10) { w in w.structure(1) { _ in } }
        case .timestamp(let unit, let utc):
            if unit == .millis { w.i32(6, 9) } else if unit == .micros { w.i32(6, 10) }
            w.structure(10) { w in
                w.structure(8) { w in
                    w.bool(1, utc)
                    w.structure(2) { w in
                        switch unit {
                        case .millis: w.structure(1) { _ in }
                        case .micros: w.structure(2) { _ in }
                        case .nanos: w.structure(3) { _ in }
                        }
                    }
                }
            }
        case .int64, .double, .binary: break
        }
        w.endStruct()
    }

    private static func writeRowGroup(
        _ g: RowGroupInfo,
        ordinal: Int,
        fields: [Field],
        codec: Int32,
        _ w: inout ThriftCompactWriter
    ) {
        w.beginStruct()
        w.list(1, of: .structure, count: g.chunks.count) { w in
            for (c, f) in zip(g.chunks, fields) {
                w.beginStruct()
                w.i64(2, Int64(c.fileOffset))
                w.structure(3) { w in
                    switch f.kind {
                    case .int64, .timestamp: w.i32(1, 2)
                    case .double: w.i32(1, 5)
                    case .string, .binary: w.i32(1, 6)
                    }
                    let encodings: [Int32] = c.usedDictionary ? [0, 3, 8] : [0, 3]
                    w.list(2, of: .i32, count: encodings.count) { w in for e in encodings { w.rawI32(e) } }
                    w.list(3, of: .binary, count: 1) { w in w.rawBinary(Array(f.name.utf8)) }
                    w.i32(4, codec)
                    w.i64(5, Int64(c.valueCount))
                    w.i64(6, Int64(c.uncompressedSize))
                    w.i64(7, Int64(c.compressedSize))
                    w.i64(9, Int64(c.dataPageOffset))
                    if let d = c.dictionaryPageOffset { w.i64(11, Int64(d)) }
                    w.structure(12) { w in
                        w.i64(3, Int64(c.nullCount))
                        if let m = c.maxValue { w.binary(5, m) }
                        if let m = c.minValue { w.binary(6, m) }
                    }
                }
                w.endStruct()
            }
        }
        w.i64(2, Int64(g.chunks.reduce(0) { $0 + $1.uncompressedSize }))
        w.i64(3, Int64(g.rows))
        if let first = g.chunks.first { w.i64(5, Int64(first.fileOffset)) }
        w.i64(6, Int64(g.chunks.reduce(0) { $0 + $1.compressedSize }))
        w.i16(7, Int16(clamping: ordinal))
        w.endStruct()
    }
}
