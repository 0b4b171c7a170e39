import BioCubeCore
import SystemPackage

/// Where each variable's values lie in a netCDF-3 file (CDF-1 classic, CDF-2 64-bit
/// offset, CDF-5 64-bit data), read from the header as the format specification lays it
/// out. Values are big-endian and stored row-major; a record variable's slice `t` starts
/// at `begin + t × recordSize`. With this, fields are read with `pread` outside the
/// library lock, so several threads read and convert at once.
package struct NetCDF3Layout: Sendable {
    /// The external types (`nc_type` codes 1…11).
    package enum ValueType: Int32, Sendable {
        case byte = 1
        case char, short, int, float, double, ubyte, ushort, uint, int64, uint64

        var size: Int {
            switch self {
            case .byte, .char, .ubyte: 1
            case .short, .ushort: 2
            case .int, .float, .uint: 4
            case .double, .int64, .uint64: 8
            }
        }
    }

    package struct Variable: Sendable {
        let type: ValueType
        /// Dimension lengths (the record dimension as the record count).
        let shape: [Int]
        let isRecord: Bool
        let begin: Int64
    }

    package let path: String
    package let recordCount: Int
    package let recordSize: Int64
    package let variables: [String: Variable]
    /// The bytes the header promises (the end of the last variable or record).
    package let expectedFileSize: Int64

    /// Parses the header of `path`; nil when the file is not netCDF-3.
    package static func read(path: String) throws -> NetCDF3Layout? {
        guard let magic = FileIO.readPrefix(path, count: 4), magic.count == 4, magic[0] == 67, magic[1] == 68,
            magic[2] == 70,
            [1, 2, 5].contains(magic[3])
        else { return nil }
        var size = 1 << 16
        while true {
            let bytes = FileIO.readPrefix(path, count: size) ?? []
            do {
                return try NetCDF3Layout(path: path, header: bytes)
            } catch let e as BioCubeError where e.code == .headerEndsEarly {
                if bytes.count < size {
                    throw BioCubeError(
                        .corruptData,
                        "the netCDF-3 header ends early (file of \(bytes.count) bytes)",
                        file: path
                    )
                }
                size *= 4
            }
        }
    }

    // Only a header running past the bytes read so far is retried with more bytes.

    private init(path: String, header bytes: [UInt8]) throws {
        self.path = path
        let version = bytes[3]
        var p = 4
        func need(_ n: Int) throws {
            if p + n > bytes.count {
                throw BioCubeError(.headerEndsEarly, "the header runs past the bytes read", file: path)
            }
        }
        func u32() throws -> UInt32 {
            try need(4)
            defer { p += 4 }
            return UInt32(bytes[p]) << 24 | UInt32(bytes[p + 1]) << 16 | UInt32(bytes[p + 2]) << 8
                | UInt32(bytes[p + 3])
        }
        func u64() throws -> UInt64 { UInt64(try u32()) << 32 | UInt64(try u32()) }
        func count() throws -> Int {
            let n = version == 5 ? try u64() : UInt64(try u32())
            guard n <= UInt64(Int32.max) else {
                throw BioCubeError(.corruptData, "netCDF-3 header count \(n) is out of range", file: path)
            }
            return Int(n)
        }
        func name() throws -> String {
            let n = try count()
            try need((n + 3) & ~3)
            defer { p += (n + 3) & ~3 }
            return String(decoding: bytes[p..<(p + n)], as: UTF8.self)
        }
        func skipAttributes() throws {
            let tag = try u32()
            let n = try count()
            guard tag == 0x0C || (tag == 0 && n == 0) else {
                throw BioCubeError(.corruptData, "netCDF-3 attribute list tag \(tag)", file: path)
            }
            for _ in 0..<n {
                _ = try name()
                guard let type = ValueType(rawValue: Int32(bitPattern: try u32())) else {
                    throw BioCubeError(.corruptData, "netCDF-3 attribute of unknown type", file: path)
                }
                let length = try count() * type.size
                try need((length + 3) & ~3)
                p += (length + 3) & ~3
            }
        }

        let records = version == 5 ? try u64() : UInt64(try u32())
        // 0xFFFFFFFF: "streaming", the count was never written; libnetcdf derives it, so do we below.
        let streaming = records == 0xFFFF_FFFF || records == UInt64.max
        var dims: [(name: String, length: Int)] = []
        let dimTag = try u32()
        let dimCount = try count()
        guard dimTag == 0x0A || (dimTag == 0 && dimCount == 0) else {
            throw BioCubeError(.corruptData, "netCDF-3 dimension list tag \(dimTag)", file: path)
        }
        for _ in 0..<dimCount { dims.append((try name(), try count())) }
        try skipAttributes()
        let varTag = try u32()
        let varCount = try count()
        guard varTag == 0x0B || (varTag == 0 && varCount == 0) else {
            throw BioCubeError(.corruptData, "netCDF-3 variable list tag \(varTag)", file: path)
        }
        var parsed: [(name: String, dims: [Int], type: ValueType, vsize: Int64, begin: Int64)] = []
        for _ in 0..<varCount {
            let n = try name()
            let rank = try count()
            var ids: [Int] = []
            for _ in 0..<rank {
                let id = try count()
                guard id < dims.count else {
                    throw BioCubeError(
                        .corruptData,
                        "variable '\(n)' uses dimension #\(id) of \(dims.count)",
                        file: path
                    )
                }
                ids.append(id)
            }
            try skipAttributes()
            guard let type = ValueType(rawValue: Int32(bitPattern: try u32())) else {
                throw BioCubeError(.corruptData, "variable '\(n)' has an unknown netCDF-3 type", file: path)
            }
            let vsize = version == 5 ? Int64(bitPattern: try u64()) : Int64(try u32())
            let begin = version == 1 ? Int64(try u32()) : Int64(bitPattern: try u64())
            parsed.append((n, ids, type, vsize, begin))
        }
        let recordVariables = parsed.filter { !$0.dims.isEmpty && dims[$0.dims[0]].length == 0 }
        // One record variable: records are not padded to 4 bytes.
        func valueBytes(_ v: (name: String, dims: [Int], type: ValueType, vsize: Int64, begin: Int64)) -> Int64 {
            v.dims.dropFirst().reduce(Int64(v.type.size)) { $0 * Int64(dims[$1].length) }
        }
        let recordSize =
            recordVariables.count == 1
            ? valueBytes(recordVariables[0])
            : recordVariables.reduce(Int64(0)) { $0 + (valueBytes($1) + 3) / 4 * 4 }
        let firstRecord = recordVariables.map(\.begin).min() ?? 0
        var recordCount = Int(clamping: records)
        if streaming {
            let size = FileIO.attributes(path)?.size ?? 0
            recordCount = recordSize > 0 ? Int((size - firstRecord) / recordSize) : 0
        }
        var variables: [String: Variable] = [:]
        var end: Int64 = Int64(p)
        for v in parsed {
            let isRecord = recordVariables.contains { $0.name == v.name }
            let shape = v.dims.enumerated().map { isRecord && $0.offset == 0 ? recordCount : dims[$0.element].length }
            variables[v.name] = Variable(type: v.type, shape: shape, isRecord: isRecord, begin: v.begin)
            if !isRecord { end = max(end, v.begin + valueBytes(v)) }
        }
        if !recordVariables.isEmpty && recordCount > 0 {
            // The last record ends with its last variable (unpadded when it is the only one).
            let last = recordVariables.max { $0.begin < $1.begin }!
            end = max(end, last.begin + Int64(recordCount - 1) * recordSize + valueBytes(last))
        }
        self.recordCount = recordCount
        self.recordSize = recordSize
        self.variables = variables
        self.expectedFileSize = end
    }

    /// The byte offset of element `index` (one index per dimension) of `variable`.
    package func offset(of variable: Variable, index: [Int]) -> Int64 {
        var linear: Int64 = 0
        let first = variable.isRecord ? 1 : 0
        for a in first..<variable.shape.count { linear = linear * Int64(variable.shape[a]) + Int64(index[a]) }
        let start = variable.isRecord ? variable.begin + Int64(index[0]) * recordSize : variable.begin
        return start + linear * Int64(variable.type.size)
    }

    /// The byte ranges holding slices `slices` of the first axis of `variable` (one per
    /// record for record variables, merged when adjacent).
    package func byteRanges(of variable: Variable, slices: Range<Int>) -> [Range<Int64>] {
        guard !variable.shape.isEmpty else { return [] }
        let slice = variable.shape.dropFirst().reduce(Int64(variable.type.size)) { $0 * Int64($1) }
        var ranges: [Range<Int64>] = []
        for t in slices.clamped(to: 0..<variable.shape[0]) {
            var index = [Int](repeating: 0, count: variable.shape.count)
            index[0] = t
            let start = offset(of: variable, index: index)
            if let last = ranges.last, last.upperBound == start {
                ranges[ranges.count - 1] = last.lowerBound..<(start + slice)
            } else {
                ranges.append(start..<(start + slice))
            }
        }
        return ranges
    }

    /// Reads `count` consecutive values of `variable` from element `index` into `out` as
    /// floats (integers converted as they are; unpacking is the caller's), with one `pread`.
    package func readFloats(
        _ name: String,
        _ variable: Variable,
        index: [Int],
        count: Int,
        into out: UnsafeMutableBufferPointer<Float>,
        scratch: inout [UInt8]
    ) throws {
        let bytes = count * variable.type.size
        if scratch.count < bytes { scratch = [UInt8](repeating: 0, count: bytes) }
        let offset = self.offset(of: variable, index: index)
        let fd = try FileIO.openRegularFile(path).descriptor
        try fd.closeAfter {
            var done = 0
            while done < bytes {
                let n: Int
                do {
                    n = try scratch.withUnsafeMutableBytes {
                        try fd.read(
                            fromAbsoluteOffset: offset + Int64(done),
                            into: UnsafeMutableRawBufferPointer(rebasing: $0[done..<bytes])
                        )
                    }
                } catch {
                    throw BioCubeError(.io, "variable '\(name)': read failed: \(error)", file: path, cause: error)
                }
                if n == 0 {
                    throw BioCubeError(
                        .corruptData,
                        "variable '\(name)': the file ends at byte \(offset + Int64(done)), before the \(bytes) bytes of values at \(offset) (truncated?)",
                        file: path
                    )
                }
                done += n
            }
        }
        scratch.withUnsafeBytes { raw in
            func convert<T: FixedWidthInteger>(_: T.Type, _ f: (T) -> Float) {
                for i in 0..<count {
                    out[i] = f(T(bigEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)))
                }
            }
            switch variable.type {
            case .byte: convert(Int8.self) { Float($0) }
            case .char, .ubyte: convert(UInt8.self) { Float($0) }
            case .short: convert(Int16.self) { Float($0) }
            case .ushort: convert(UInt16.self) { Float($0) }
            case .int: convert(Int32.self) { Float($0) }
            case .uint: convert(UInt32.self) { Float($0) }
            case .float: convert(UInt32.self) { Float(bitPattern: $0) }
            case .double: convert(UInt64.self) { Float(Double(bitPattern: $0)) }
            case .int64: convert(Int64.self) { Float($0) }
            case .uint64: convert(UInt64.self) { Float($0) }
            }
        }
    }
}

extension BioCubeError.Code {
    /// A netCDF-3 header that runs past the bytes read so far (read more and retry).
    fileprivate static let headerEndsEarly = BioCubeError.Code(rawValue: "netCDF-3 header ends early")
}
