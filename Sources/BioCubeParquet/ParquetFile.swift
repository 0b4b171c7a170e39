import BioCubeCore
import Dispatch
import Synchronization

/// A Parquet file opened for reading: its flat columns (required and optional top-level
/// primitives). Nested fields are listed in ``nestedColumns`` and refused by name when asked
/// for; the flat columns of a file that has them stay readable.
///
/// Supported so far: data pages v1 and v2; PLAIN, PLAIN_DICTIONARY/RLE_DICTIONARY and RLE
/// (booleans, levels) encodings; UNCOMPRESSED, SNAPPY, GZIP (also several members), ZSTD,
/// LZ4_RAW and the deprecated LZ4 (Hadoop framing or a raw block); page CRCs are checked
/// when present; the physical types
/// BOOLEAN, INT32, INT64, FLOAT, DOUBLE, BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY. Anything
/// else is refused with an error naming the file, column and page. Only the requested
/// columns' bytes are read (the file is memory-mapped).
package final class ParquetFile: Sendable {
    /// A column chunk: where one column's pages of one row group live.
    struct Chunk: Sendable {
        let start: Int
        let length: Int
        let codec: Int
        let values: Int
    }

    package let path: String
    /// The flat columns (top-level, not repeated), in schema order: the ones BioCube reads.
    package let columns: [ParquetColumnDescriptor]
    /// The leaves of nested fields (lists, maps, structs, repeated fields) as dotted paths,
    /// in schema order: listed so that errors can name them, never read.
    package let nestedColumns: [String]
    /// Rows in each row group.
    package let rowGroupSizes: [Int]
    /// `created_by` of the writer, if recorded.
    package let createdBy: String?
    /// Key/value metadata (pyarrow stores its schema here).
    package let keyValueMetadata: [String: String]
    let chunks: [[Chunk]]  // [rowGroup][column]
    /// Where the footer starts: no page lies beyond it.
    let dataEnd: Int
    let storage: ByteStorage

    /// The total number of rows.
    package var rowCount: Int { rowGroupSizes.reduce(0, +) }

    /// Opens and validates `path`: magic bytes, footer length, Thrift metadata, schema.
    package init(path: String) throws {
        self.path = path
        storage = try ByteStorage(mapping: path)
        let b = storage.buffer
        func bad(_ why: String) -> BioCubeError {
            BioCubeError(.corruptData, "not a readable Parquet file (\(why))", file: path)
        }
        guard b.count >= 12 else { throw bad("\(b.count) bytes is too short") }
        let magic: [UInt8] = [0x50, 0x41, 0x52, 0x31]
        guard Array(b[0..<4]) == magic else { throw bad("wrong magic at the start") }
        guard Array(b[(b.count - 4)...]) == magic else { throw bad("wrong magic at the end (truncated file?)") }
        let footerLength =
            Int(b[b.count - 8]) | Int(b[b.count - 7]) << 8 | Int(b[b.count - 6]) << 16 | Int(b[b.count - 5]) << 24
        guard footerLength > 0, footerLength <= b.count - 12 else {
            throw bad("footer length \(footerLength) does not fit the file")
        }
        let footerStart = b.count - 8 - footerLength
        dataEnd = footerStart
        let meta: ThriftValue
        do {
            var reader = ThriftCompactReader(
                UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(b)[footerStart..<(b.count - 8)])
            )
            meta = try reader.readStruct()
        } catch let f as BioCubeError {
            throw bad("corrupt footer metadata: \(f.message)")
        }
        guard let schema = meta[2]?.list, !schema.isEmpty else { throw bad("the footer has no schema") }
        // The schema is a tree in pre-order (each group gives its child count). Top-level
        // primitive fields that are not repeated are the flat columns BioCube reads; the
        // leaves of groups (lists, maps, structs) and repeated fields are nested: listed, not read.
        var leaves: [(descriptor: ParquetColumnDescriptor?, path: String)] = []
        var position = 1
        func walk(_ prefix: String, depth: Int) throws {
            guard position < schema.count else { throw bad("the schema ends inside a group") }
            guard depth < 64 else { throw bad("the schema nests more than 64 levels") }
            let e = schema[position]
            position += 1
            guard let name = e[4]?.string else { throw bad("a schema element has no name") }
            let path = prefix.isEmpty ? name : prefix + "." + name
            let children = Int(e[5]?.int ?? 0)
            let repetition = e[3]?.int ?? 0
            if children > 0 {
                guard children <= schema.count - position else {
                    throw bad("group '\(path)' declares \(children) children, the schema has fewer elements")
                }
                for _ in 0..<children { try walk(path, depth: depth + 1) }
                return
            }
            guard children == 0 else { throw bad("group '\(path)' declares \(children) children") }
            guard let t = e[1]?.int.flatMap({ ParquetPhysicalType(rawValue: Int($0)) }) else {
                throw bad("column '\(path)' has no valid type")
            }
            guard depth == 0, repetition != 2 else {
                leaves.append((nil, path))
                return
            }
            leaves.append(
                (
                    ParquetColumnDescriptor(
                        name: name,
                        physicalType: t,
                        logicalType: ParquetLogicalType(element: e),
                        isOptional: repetition == 1,
                        typeLength: Int(e[2]?.int ?? 0)
                    ), path
                )
            )
        }
        let topLevel = Int(schema[0][5]?.int ?? 0)
        guard topLevel >= 0, topLevel < schema.count else {
            throw bad("the schema root declares \(topLevel) fields in \(schema.count - 1) elements")
        }
        for _ in 0..<topLevel { try walk("", depth: 0) }
        guard position == schema.count else {
            throw bad("the schema root declares \(topLevel) fields, \(schema.count - position) elements are left over")
        }
        columns = leaves.compactMap(\.descriptor)
        nestedColumns = leaves.filter { $0.descriptor == nil }.map(\.path)
        let flat = leaves.indices.filter { leaves[$0].descriptor != nil }
        var sizes: [Int] = []
        var allChunks: [[Chunk]] = []
        for (g, group) in (meta[4]?.list ?? []).enumerated() {
            guard let all = group[1]?.list, all.count == leaves.count else {
                throw bad("row group \(g) does not list every column")
            }
            let cols = flat.map { all[$0] }
            let leaves = columns
            let rows = Int(group[3]?.int ?? -1)
            guard rows >= 0 else { throw bad("row group \(g) declares no or a negative row count") }
            sizes.append(rows)
            allChunks.append(
                try cols.enumerated().map { c, chunk in
                    guard let m = chunk[3] else {
                        throw bad("row group \(g), column '\(leaves[c].name)': no column metadata")
                    }
                    let dataOffset = Int(m[9]?.int ?? -1)
                    let dictOffset = m[11]?.int.map(Int.init)
                    let start = dictOffset.map { $0 > 0 ? min($0, dataOffset) : dataOffset } ?? dataOffset
                    let length = Int(m[7]?.int ?? -1)
                    let values = Int(m[5]?.int ?? 0)
                    // Flat columns hold one value (or null) per row.
                    guard values == sizes[g] else {
                        throw bad(
                            "row group \(g), column '\(leaves[c].name)': \(values) values in a row group of \(sizes[g]) rows"
                        )
                    }
                    // An empty row group's chunks hold no pages (writers leave their offsets at 0).
                    if values == 0 { return Chunk(start: 4, length: 0, codec: Int(m[4]?.int ?? 0), values: 0) }
                    // Compared without adding, so sizes near Int64.max are errors, not traps.
                    guard start >= 4, length >= 0, start <= footerStart, length <= footerStart - start else {
                        throw bad(
                            "row group \(g), column '\(leaves[c].name)': chunk at \(start)+\(length) lies outside the data"
                        )
                    }
                    return Chunk(start: start, length: length, codec: Int(m[4]?.int ?? 0), values: values)
                }
            )
        }
        rowGroupSizes = sizes
        chunks = allChunks
        createdBy = meta[6]?.string
        var kv: [String: String] = [:]
        for item in meta[5]?.list ?? [] { if let k = item[1]?.string { kv[k] = item[2]?.string ?? "" } }
        keyValueMetadata = kv
    }

    /// The index of the column called `name`; throws naming the file and the columns it has.
    package func columnIndex(_ name: String) throws -> Int {
        guard let i = columns.firstIndex(where: { $0.name == name }) else {
            if nestedColumns.contains(where: { $0 == name || $0.hasPrefix(name + ".") }) {
                throw BioCubeError(
                    .unsupported,
                    "column '\(name)' is nested (a list, map, struct or repeated field): BioCube reads flat columns only",
                    file: path
                )
            }
            throw BioCubeError(
                .notFound,
                "no column '\(name)' (columns: \(columns.map(\.name).joined(separator: ", ")))",
                file: path
            )
        }
        return i
    }

    /// Reads one column of one row group.
    /// - Parameter dictionaryIndices: also return, when every page of the chunk is
    ///   dictionary-encoded, the dictionary and each row's index into it
    ///   (``ParquetColumnData/dictionary``, ``ParquetColumnData/dictionaryIndices``).
    package func read(column: Int, rowGroup: Int, dictionaryIndices: Bool = false) throws -> ParquetColumnData {
        guard columns.indices.contains(column), rowGroupSizes.indices.contains(rowGroup) else {
            throw BioCubeError(
                .invalidArgument,
                "no column \(column) in row group \(rowGroup) (\(columns.count) columns, \(rowGroupSizes.count) row groups)",
                file: path
            )
        }
        var decoder = try ParquetPageDecoder(
            file: self,
            column: columns[column],
            chunk: chunks[rowGroup][column],
            rowGroup: rowGroup
        )
        return try decoder.decodeAll(keepingDictionaryIndices: dictionaryIndices)
    }

    /// Reads several columns of one row group, decoding them on up to `maxConcurrency`
    /// threads; results in the order of `columns`. `dictionaryIndices` lists the columns
    /// to return with their dictionary indices (see ``read(column:rowGroup:dictionaryIndices:)``).
    package func read(
        columns wanted: [Int],
        rowGroup: Int,
        dictionaryIndices: Set<Int> = [],
        maxConcurrency: Int = 2
    ) throws -> [ParquetColumnData] {
        let results = Locked([Result<ParquetColumnData, any Error>?](repeating: nil, count: wanted.count))
        let next = Locked(0)
        DispatchQueue.concurrentPerform(iterations: max(1, min(maxConcurrency, wanted.count))) { _ in
            while true {
                let k = next.withLock { n -> Int in
                    defer { n += 1 }
                    return n
                }
                guard k < wanted.count else { return }
                let r = Result {
                    try read(
                        column: wanted[k],
                        rowGroup: rowGroup,
                        dictionaryIndices: dictionaryIndices.contains(wanted[k])
                    )
                }
                results.withLock { $0[k] = r }
            }
        }
        return try results.withLock { $0 }.map { try $0!.get() }
    }

    /// Reads a whole column (every row group, in order).
    package func read(column name: String) throws -> ParquetColumnData {
        let c = try columnIndex(name)
        var parts: [ParquetColumnData] = []
        for g in 0..<rowGroupSizes.count { parts.append(try read(column: c, rowGroup: g)) }
        return ParquetColumnData(concatenating: parts, descriptor: columns[c])
    }
}
