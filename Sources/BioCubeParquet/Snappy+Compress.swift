extension Snappy {
    /// Compresses `input` into one Snappy block (greedy LZ77 with a 14-bit hash table over
    /// 4-byte sequences, the scheme of the reference encoder), appending to `out`.
    static func compress(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        var n = UInt64(input.count)
        while n >= 0x80 {
            out.append(UInt8(n & 0x7F) | 0x80)
            n >>= 7
        }
        out.append(UInt8(n))
        guard input.count > 0 else { return }
        // Snappy bounds a block at 64 KiB of input so offsets fit two bytes.
        var blockStart = 0
        var table = [Int32](repeating: -1, count: 1 << 14)
        while blockStart < input.count {
            let blockEnd = min(input.count, blockStart + 65_536)
            for k in table.indices { table[k] = -1 }
            compressBlock(input, blockStart, blockEnd, &table, &out)
            blockStart = blockEnd
        }
    }

    private static func load32(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        p.loadUnaligned(fromByteOffset: i, as: UInt32.self)
    }

    private static func compressBlock(
        _ input: UnsafeRawBufferPointer,
        _ start: Int,
        _ end: Int,
        _ table: inout [Int32],
        _ out: inout [UInt8]
    ) {
        var literalStart = start
        var i = start
        let limit = end - 4
        while i <= limit {
            let word = load32(input, i)
            let h = Int((word &* 0x1E35_A7BD) >> 18)
            let candidate = Int(table[h])
            table[h] = Int32(i)
            if candidate >= start, load32(input, candidate) == word {
                var length = 4
                while i + length < end, input[candidate + length] == input[i + length] { length += 1 }
                emitLiteral(input, literalStart, i, &out)
                emitCopy(offset: i - candidate, length: length, &out)
                i += length
                literalStart = i
            } else {
                i += 1
            }
        }
        emitLiteral(input, literalStart, end, &out)
    }

    private static func emitLiteral(_ input: UnsafeRawBufferPointer, _ from: Int, _ to: Int, _ out: inout [UInt8]) {
        let n = to - from
        guard n > 0 else { return }
        let m = n - 1
        if m < 60 {
            out.append(UInt8(m << 2))
        } else {
            var bytes: [UInt8] = []
            var v = m
            while v > 0 {
                bytes.append(UInt8(v & 0xFF))
                v >>= 8
            }
            out.append(UInt8((59 + bytes.count) << 2))
            out.append(contentsOf: bytes)
        }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[from..<to]))
    }

    private static func emitCopy(offset: Int, length: Int, _ out: inout [UInt8]) {
        var remaining = length
        // Copies with a 2-byte offset carry at most 64 bytes each.
        while remaining > 0 {
            // A 1-byte-offset copy holds 4…11 bytes; a 2-byte-offset copy 1…64.
            let chunk = min(remaining, 64)
            if chunk >= 4 && chunk <= 11 && offset < 2048 {
                out.append(UInt8(1 | ((chunk - 4) << 2) | ((offset >> 8) << 5)))
                out.append(UInt8(offset & 0xFF))
            } else {
                out.append(UInt8(2 | ((chunk - 1) << 2)))
                out.append(UInt8(offset & 0xFF))
                out.append(UInt8(offset >> 8))
            }
            remaining -= chunk
        }
    }
}
