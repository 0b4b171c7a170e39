/// The metadata of a Zarr v3 array (its `zarr.json`): shape, data type, regular chunk
/// grid, fill value, codec chain, dimension names and user attributes.
public struct ArrayMetadata: Hashable, Sendable {
    /// The array extent per dimension.
    public var shape: [Int]
    /// The element type.
    public var dataType: ZarrDataType
    /// The regular chunk extent per dimension.
    public var chunkShape: [Int]
    /// The value of never-written cells.
    package var fillValue: FillValue
    /// The codec chain, `bytes` first.
    package var codecs: [ZarrCodec]
    /// One name per dimension (`["time", "latitude", "longitude"]`), or `nil`.
    public var dimensionNames: [String?]?
    /// User attributes (units, long names, CF attributes, …).
    public var attributes: [String: JSONValue]
    /// The chunk key encoding: `default` (`c/0/1`) or `v2` (`0.1`).
    package var chunkKeyEncoding: ChunkKeyEncoding

    /// How chunk coordinates become store keys.
    package enum ChunkKeyEncoding: Hashable, Sendable {
        /// `c` + separator-joined coordinates (`c/0/1/2`).
        case `default`(separator: Character)
        /// Separator-joined coordinates without prefix (`0.1.2`).
        case v2(separator: Character)
    }

    /// Creates array metadata with NaN (floats) or zero fill, BioCube's standard codecs
    /// (little-endian bytes, zstd level 3, CRC-32C) and `c/…` chunk keys.
    public init(
        shape: [Int],
        dataType: ZarrDataType,
        chunkShape: [Int],
        dimensionNames: [String]? = nil,
        attributes: [String: JSONValue] = [:]
    ) throws {
        try self.init(
            shape: shape,
            dataType: dataType,
            chunkShape: chunkShape,
            fillValue: nil,
            codecs: ZarrCodec.standard(),
            dimensionNames: dimensionNames,
            attributes: attributes
        )
    }

    /// Creates array metadata with an explicit fill value and codec chain.
    package init(
        shape: [Int],
        dataType: ZarrDataType,
        chunkShape: [Int],
        fillValue: FillValue?,
        codecs: [ZarrCodec] = ZarrCodec.standard(),
        dimensionNames: [String]? = nil,
        attributes: [String: JSONValue] = [:]
    ) throws {
        self.shape = shape
        self.dataType = dataType
        self.chunkShape = chunkShape
        self.fillValue = fillValue ?? .missing(for: dataType)
        self.codecs = codecs
        self.dimensionNames = dimensionNames
        self.attributes = attributes
        self.chunkKeyEncoding = .default(separator: "/")
        try validate(context: "array")
    }

    func validate(context: String) throws {
        guard !shape.isEmpty, shape.count == chunkShape.count else {
            throw BioCubeError(
                .invalidMetadata,
                "\(context): shape \(shape) and chunk shape \(chunkShape) must have the same, non-zero rank"
            )
        }
        guard shape.allSatisfy({ $0 >= 0 }), chunkShape.allSatisfy({ $0 > 0 }) else {
            throw BioCubeError(
                .invalidMetadata,
                "\(context): shape \(shape) must be ≥ 0 and chunk shape \(chunkShape) > 0"
            )
        }
        // Element counts must be computable: a hostile shape (2^63 − 1) would overflow the
        // chunk-grid arithmetic. 2^48 elements (a petabyte of float32) is far past any store.
        var elements = 1
        for d in shape {
            let (p, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow, p <= 1 << 48 else {
                throw BioCubeError(.invalidMetadata, "\(context): shape \(shape) has more than 2^48 elements")
            }
            elements = p
        }
        let chunkElements = chunkShape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        // A chunk is decoded into memory whole: 512 MiB is 40 × a global 0.25° grid of 13
        // levels, and keeps a hostile chunk_shape from costing gigabytes before any check.
        guard chunkElements <= (512 << 20) / dataType.byteSize else {
            throw BioCubeError(.unsupported, "\(context): chunk shape \(chunkShape) exceeds 512 MiB per chunk")
        }
        if let names = dimensionNames, names.count != shape.count {
            throw BioCubeError(
                .invalidMetadata,
                "\(context): \(names.count) dimension names for \(shape.count) dimensions"
            )
        }
        guard fillValue.dataType == dataType else {
            throw BioCubeError(
                .invalidMetadata,
                "\(context): fill value type \(fillValue.dataType) differs from data type \(dataType)"
            )
        }
        _ = try ChunkCoder(codecs: codecs, dataType: dataType, context: context)
    }

    /// The number of chunks along each dimension.
    package var chunkGridShape: [Int] { zip(shape, chunkShape).map { ($0 + $1 - 1) / $1 } }

    /// The Zarr v3 `zarr.json` document.
    package var json: JSONValue {
        var o: [String: JSONValue] = [
            "zarr_format": 3,
            "node_type": "array",
            "shape": .array(shape.map { .int(Int64($0)) }),
            "data_type": .string(dataType.rawValue),
            "chunk_grid": [
                "name": "regular", "configuration": ["chunk_shape": .array(chunkShape.map { .int(Int64($0)) })],
            ],
            "fill_value": fillValue.json,
            "codecs": .array(codecs.map(\.json)),
            "attributes": .object(attributes),
            "storage_transformers": [],
        ]
        switch chunkKeyEncoding {
        case .default(let s):
            o["chunk_key_encoding"] = ["name": "default", "configuration": ["separator": .string(String(s))]]
        case .v2(let s): o["chunk_key_encoding"] = ["name": "v2", "configuration": ["separator": .string(String(s))]]
        }
        if let names = dimensionNames { o["dimension_names"] = .array(names.map { $0.map(JSONValue.string) ?? .null }) }
        return .object(o)
    }

    /// Parses a `zarr.json` array document; `context` names the array in errors.
    package init(json: JSONValue, context: String) throws {
        guard let o = json.objectValue else {
            throw BioCubeError(.invalidMetadata, "\(context): zarr.json is not a JSON object")
        }
        func field(_ key: String) throws -> JSONValue {
            guard let v = o[key] else { throw BioCubeError(.invalidMetadata, "\(context): zarr.json lacks '\(key)'") }
            return v
        }
        guard try field("zarr_format").intValue == 3 else {
            throw BioCubeError(.unsupported, "\(context): zarr_format \(o["zarr_format"]!) is not 3")
        }
        guard try field("node_type").stringValue == "array" else {
            throw BioCubeError(.invalidMetadata, "\(context): node_type is \(o["node_type"]!), not \"array\"")
        }
        func intList(_ v: JSONValue, _ what: String) throws -> [Int] {
            guard let a = v.arrayValue, let ints = Optional(a.compactMap(\.intValue)), ints.count == a.count else {
                throw BioCubeError(.invalidMetadata, "\(context): \(what) \(v) is not a list of integers")
            }
            return ints.map { Int($0) }
        }
        shape = try intList(field("shape"), "shape")
        let typeName = try field("data_type")
        guard let t = typeName.stringValue.flatMap(ZarrDataType.init(rawValue:)) else {
            throw BioCubeError(
                .unsupported,
                "\(context): data type \(typeName) is not supported (supported: \(ZarrDataType.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        dataType = t
        let grid = try field("chunk_grid")
        guard grid["name"]?.stringValue == "regular", let cs = grid["configuration"]?["chunk_shape"] else {
            throw BioCubeError(
                .unsupported,
                "\(context): chunk grid \(grid["name"] ?? grid) is not supported (only 'regular')"
            )
        }
        chunkShape = try intList(cs, "chunk_shape")
        let keyEncoding = try field("chunk_key_encoding")
        let separator = keyEncoding["configuration"]?["separator"]?.stringValue
        switch keyEncoding["name"]?.stringValue {
        case "default":
            guard let s = (separator ?? "/").first, separator == nil || separator!.count == 1, s == "/" || s == "."
            else {
                throw BioCubeError(
                    .invalidMetadata,
                    "\(context): chunk key separator \(separator ?? "") is not '/' or '.'"
                )
            }
            chunkKeyEncoding = .default(separator: s)
        case "v2":
            guard let s = (separator ?? ".").first, s == "/" || s == "." else {
                throw BioCubeError(
                    .invalidMetadata,
                    "\(context): chunk key separator \(separator ?? "") is not '/' or '.'"
                )
            }
            chunkKeyEncoding = .v2(separator: s)
        default:
            throw BioCubeError(.unsupported, "\(context): chunk key encoding \(keyEncoding) is not supported")
        }
        fillValue = try FillValue(json: field("fill_value"), dataType: t, context: context)
        guard let codecList = try field("codecs").arrayValue else {
            throw BioCubeError(.invalidMetadata, "\(context): codecs is not a list")
        }
        codecs = try codecList.map { try ZarrCodec(json: $0, context: context) }
        if let transformers = o["storage_transformers"]?.arrayValue, !transformers.isEmpty {
            throw BioCubeError(
                .unsupported,
                "\(context): storage transformers \(JSONValue.array(transformers)) are not supported"
            )
        }
        switch o["dimension_names"] {
        case nil, .null?: dimensionNames = nil
        case .array(let names)?: dimensionNames = names.map(\.stringValue)
        case let other?: throw BioCubeError(.invalidMetadata, "\(context): dimension_names \(other) is not a list")
        }
        attributes = o["attributes"]?.objectValue ?? [:]
        let known: Set<String> = [
            "zarr_format", "node_type", "shape", "data_type", "chunk_grid", "chunk_key_encoding",
            "fill_value", "codecs", "storage_transformers", "dimension_names", "attributes",
        ]
        for (key, value) in o where !known.contains(key) {
            // Extension fields must be understood unless they say otherwise (Zarr v3 core spec).
            if value["must_understand"]?.boolValue != false {
                throw BioCubeError(
                    .unsupported,
                    "\(context): zarr.json field '\(key)' is an extension BioCube does not understand"
                )
            }
        }
        try validate(context: context)
    }
}
