import BioCubeCore

/// LZ4 block decompression (Parquet's LZ4_RAW: the bare block format, no frame), with every
/// literal run and match checked against the input and the declared output size.
enum LZ4Block {
    static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        var i = 0
        var o = 0
        func length(_ base: Int) throws -> Int {
            var n = base
            guard base == 15 else { return n }
            while true {
                guard i < input.count else { throw BioCubeError(.truncated, "truncated length at byte \(i)") }
                let b = Int(input[i])
                i += 1
                n += b
                guard n <= output.count else { throw BioCubeError(.corruptData, "length \(n) exceeds the page") }
                if b != 255 { return n }
            }
        }
        while i < input.count {
            let token = Int(input[i])
            i += 1
            let literals = try length(token >> 4)
            guard i + literals <= input.count, o + literals <= output.count else {
                throw BioCubeError(.corruptData, "literal run past the end at byte \(i)")
            }
            (output.baseAddress! + o).copyMemory(from: input.baseAddress! + i, byteCount: literals)
            i += literals
            o += literals
            if i == input.count { break }  // the last sequence has literals only
            guard i + 2 <= input.count else { throw BioCubeError(.truncated, "truncated match offset at byte \(i)") }
            let offset = Int(input[i]) | Int(input[i + 1]) << 8
            i += 2
            let match = try length(token & 15) + 4
            guard offset > 0, offset <= o, o + match <= output.count else {
                throw BioCubeError(
                    .corruptData,
                    "match (offset \(offset), length \(match)) outside the output at byte \(o)"
                )
            }
            // Byte by byte: matches may overlap their own output (runs).
            for k in 0..<match { output[o + k] = output[o - offset + k] }
            o += match
        }
        guard o == output.count else {
            throw BioCubeError(.corruptData, "LZ4 data holds \(o) bytes, the page header says \(output.count)")
        }
    }

    /// Parquet's deprecated `LZ4` codec (5): parquet-mr wrote Hadoop framing (blocks each
    /// preceded by big-endian decompressed and compressed sizes), older parquet-cpp a raw
    /// block. Hadoop framing is tried first, then a raw block, as Arrow does; the error says
    /// which framings were tried and what the bytes look like.
    static func decompressLegacy(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        func be32(_ at: Int) -> Int {
            Int(input[at]) << 24 | Int(input[at + 1]) << 16 | Int(input[at + 2]) << 8 | Int(input[at + 3])
        }
        var hadoopFailure = "fewer than 8 bytes"
        if input.count >= 8 {
            var i = 0
            var o = 0
            do {
                while i < input.count {
                    guard input.count - i >= 8 else { throw BioCubeError(.corruptData, "a block header is cut") }
                    let size = be32(i)
                    let stored = be32(i + 4)
                    i += 8
                    guard stored <= input.count - i, size <= output.count - o else {
                        throw BioCubeError(
                            .corruptData,
                            "a block declares \(stored) → \(size) bytes, beyond the page"
                        )
                    }
                    try decompress(
                        UnsafeRawBufferPointer(rebasing: input[i..<(i + stored)]),
                        into: UnsafeMutableRawBufferPointer(rebasing: output[o..<(o + size)])
                    )
                    i += stored
                    o += size
                }
                guard o == output.count else {
                    throw BioCubeError(.corruptData, "the blocks hold \(o) bytes, the page \(output.count)")
                }
                return
            } catch let e as BioCubeError { hadoopFailure = e.message }
        }
        do {
            try decompress(input, into: output)
        } catch let e as BioCubeError {
            let frame = input.count >= 4 && Array(input[0..<4]) == [0x04, 0x22, 0x4D, 0x18]
            throw BioCubeError(
                .corruptData,
                "LZ4 (codec 5): neither Hadoop framing (\(hadoopFailure)) nor a raw LZ4 block (\(e.message)) decodes the page"
                    + (frame ? "; the bytes are an LZ4 frame (magic 04 22 4D 18), which Parquet does not use" : ""),
                cause: e
            )
        }
    }
}
