import BioCubeCore

/// A value of the pickle subset `torch.save` uses for tensor dicts.
indirect enum PickleValue: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([PickleValue])
    case tuple([PickleValue])
    /// A dict, in insertion order.
    case dict([(PickleValue, PickleValue)])
    case global(module: String, name: String)
    case persistent(PickleValue)
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)`.
    case tensor(storage: String, storageType: String, offset: Int, size: [Int], stride: [Int])
    case mark

    var string: String? { if case .string(let s) = self { return s } else { return nil } }
}

/// Reads pickle protocol 2 with the opcodes and globals that
/// `torch.load(weights_only=True)` accepts; anything else is an error (never executed).
struct PickleReader {
    private let bytes: [UInt8]
    private var i = 0
    private var stack: [PickleValue] = []
    /// The nesting depth of each stack value (0 for scalars), in step with `stack`.
    private var depths: [Int] = []
    private var marks: [Int] = []
    private var memo: [Int: (value: PickleValue, depth: Int)] = [:]
    /// Deeper containers are refused: a batch pickle nests about four levels, and a hostile
    /// one nested millions deep would overflow the stack when the value is released.
    static let maxDepth = 64

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, i + n <= bytes.count else { throw BioCubeError(.truncated, "truncated at byte \(i)") }
        defer { i += n }
        return bytes[i..<(i + n)]
    }
    private mutating func u8() throws -> Int {
        guard i < bytes.count else { throw BioCubeError(.truncated, "truncated at byte \(i)") }
        defer { i += 1 }
        return Int(bytes[i])
    }
    private mutating func le(_ n: Int) throws -> UInt64 {
        var v: UInt64 = 0
        for (k, b) in try take(n).enumerated() { v |= UInt64(b) << (8 * UInt64(k)) }
        return v
    }
    private mutating func line() throws -> String {
        guard let end = bytes[i...].firstIndex(of: 0x0A) else {
            throw BioCubeError(.corruptData, "unterminated line at byte \(i)")
        }
        defer { i = end + 1 }
        return String(decoding: bytes[i..<end], as: UTF8.self)
    }
    private mutating func push(_ v: PickleValue, depth: Int = 0) throws {
        guard depth <= Self.maxDepth else {
            throw BioCubeError(.corruptData, "containers nested deeper than \(Self.maxDepth) levels at byte \(i)")
        }
        stack.append(v)
        depths.append(depth)
    }
    /// Pushes a container holding values of depth `inner`.
    private mutating func push(container v: PickleValue, inner: Int) throws { try push(v, depth: inner + 1) }
    private mutating func popEntry() throws -> (value: PickleValue, depth: Int) {
        guard let v = stack.popLast(), let d = depths.popLast() else {
            throw BioCubeError(.corruptData, "stack underflow at byte \(i)")
        }
        return (v, d)
    }
    private mutating func pop() throws -> PickleValue { try popEntry().value }
    private func peek() throws -> (value: PickleValue, depth: Int) {
        guard let v = stack.last, let d = depths.last else {
            throw BioCubeError(.corruptData, "memo of an empty stack at byte \(i)")
        }
        return (v, d)
    }
    /// The values above the last MARK, and the largest of their depths.
    private mutating func popMark() throws -> (values: [PickleValue], depth: Int) {
        guard let m = marks.popLast(), m <= stack.count else {
            throw BioCubeError(.corruptData, "no MARK at byte \(i)")
        }
        defer {
            stack.removeSubrange(m...)
            depths.removeSubrange(m...)
        }
        return (Array(stack[m...]), depths[m...].max() ?? 0)
    }

    mutating func read() throws -> PickleValue {
        while true {
            let op = try u8()
            switch op {
            case 0x80: _ = try u8()  // PROTO
            case 0x2E: return try pop()  // STOP
            case 0x4E: try push(.none)
            case 0x88: try push(.bool(true))
            case 0x89: try push(.bool(false))
            case 0x7D: try push(.dict([]), depth: 1)  // EMPTY_DICT
            case 0x5D: try push(.list([]), depth: 1)  // EMPTY_LIST
            case 0x29: try push(.tuple([]), depth: 1)  // EMPTY_TUPLE
            case 0x28: marks.append(stack.count)  // MARK
            case 0x4A: try push(.int(Int(Int32(truncatingIfNeeded: try le(4)))))  // BININT
            case 0x4B: try push(.int(try u8()))  // BININT1
            case 0x4D: try push(.int(Int(try le(2))))  // BININT2
            case 0x8A:  // LONG1
                let n = try u8()
                guard n <= 8 else { throw BioCubeError(.corruptData, "LONG1 of \(n) bytes") }
                var v = try le(n)
                if n > 0 && n < 8 && v & (1 << (8 * UInt64(n) - 1)) != 0 { v |= ~0 << (8 * UInt64(n)) }
                try push(.int(Int(Int64(bitPattern: v))))
            case 0x47:  // BINFLOAT (big-endian)
                var v: UInt64 = 0
                for b in try take(8) { v = v << 8 | UInt64(b) }
                try push(.double(Double(bitPattern: v)))
            case 0x58:  // BINUNICODE
                let n = Int(try le(4))
                try push(.string(String(decoding: try take(n), as: UTF8.self)))
            case 0x8C:  // SHORT_BINUNICODE
                let n = try u8()
                try push(.string(String(decoding: try take(n), as: UTF8.self)))
            case 0x71: memo[try u8()] = try peek()  // BINPUT
            case 0x72: memo[Int(try le(4))] = try peek()  // LONG_BINPUT
            case 0x68, 0x6A:  // BINGET, LONG_BINGET
                let k = op == 0x68 ? try u8() : Int(try le(4))
                guard let v = memo[k] else { throw BioCubeError(.corruptData, "memo \(k) not set") }
                try push(v.value, depth: v.depth)
            case 0x74:  // TUPLE
                let (items, d) = try popMark()
                try push(container: .tuple(items), inner: d)
            case 0x85:  // TUPLE1
                let a = try popEntry()
                try push(container: .tuple([a.value]), inner: a.depth)
            case 0x86:  // TUPLE2
                let b = try popEntry()
                let a = try popEntry()
                try push(container: .tuple([a.value, b.value]), inner: max(a.depth, b.depth))
            case 0x87:  // TUPLE3
                let c = try popEntry()
                let b = try popEntry()
                let a = try popEntry()
                try push(container: .tuple([a.value, b.value, c.value]), inner: max(a.depth, b.depth, c.depth))
            case 0x65, 0x61:  // APPENDS, APPEND
                let (items, d): ([PickleValue], Int)
                if op == 0x65 {
                    (items, d) = try popMark()
                } else {
                    let e = try popEntry()
                    (items, d) = ([e.value], e.depth)
                }
                let list = try popEntry()
                guard case .list(let l) = list.value else { throw BioCubeError(.corruptData, "APPEND to a non-list") }
                try push(.list(l + items), depth: max(list.depth, d + 1))
            case 0x75, 0x73:  // SETITEMS, SETITEM
                var items: [PickleValue]
                var inner: Int
                if op == 0x75 {
                    (items, inner) = try popMark()
                } else {
                    let v = try popEntry()
                    let k = try popEntry()
                    (items, inner) = ([k.value, v.value], max(k.depth, v.depth))
                }
                let dict = try popEntry()
                guard case .dict(var d) = dict.value, items.count % 2 == 0 else {
                    throw BioCubeError(.corruptData, "SETITEMS on a non-dict")
                }
                for k in stride(from: 0, to: items.count, by: 2) { d.append((items[k], items[k + 1])) }
                try push(.dict(d), depth: max(dict.depth, inner + 1))
            case 0x63:  // GLOBAL
                let module = try line()
                let name = try line()
                let allowed = ["torch._utils _rebuild_tensor_v2", "collections OrderedDict"]
                guard allowed.contains("\(module) \(name)") || (module == "torch" && name.hasSuffix("Storage")) else {
                    throw BioCubeError(.corruptData, "global \(module).\(name) is not allowed in a weights-only load")
                }
                try push(.global(module: module, name: name))
            case 0x51:  // BINPERSID
                let id = try popEntry()
                try push(container: .persistent(id.value), inner: id.depth)
            case 0x52:  // REDUCE
                let args = try pop()
                let function = try pop()
                guard case .global(let m, let n) = function, case .tuple(let a) = args else {
                    throw BioCubeError(.corruptData, "REDUCE of a non-global")
                }
                switch (m, n) {
                case ("collections", "OrderedDict"): try push(.dict([]), depth: 1)
                case ("torch._utils", "_rebuild_tensor_v2"):
                    guard a.count >= 4, case .persistent(.tuple(let pid)) = a[0], pid.count == 5,
                        case .global(_, let storageType) = pid[1], let key = pid[2].string,
                        case .int(let offset) = a[1], case .tuple(let size) = a[2], case .tuple(let stride) = a[3]
                    else {
                        throw BioCubeError(.corruptData, "malformed _rebuild_tensor_v2 arguments")
                    }
                    func ints(_ v: [PickleValue]) throws -> [Int] {
                        try v.map {
                            if case .int(let x) = $0 { return x }
                            throw BioCubeError(.corruptData, "non-integer size or stride")
                        }
                    }
                    try push(
                        .tensor(
                            storage: key,
                            storageType: storageType,
                            offset: offset,
                            size: try ints(size),
                            stride: try ints(stride)
                        )
                    )
                default: throw BioCubeError(.corruptData, "REDUCE of \(m).\(n)")
                }
            case 0x62:  // BUILD (OrderedDict state): ignore
                _ = try pop()
            default:
                throw BioCubeError(
                    .corruptData,
                    String(format: "opcode 0x%02X at byte %d is not accepted by weights-only loading", op, i - 1)
                )
            }
        }
    }
}
