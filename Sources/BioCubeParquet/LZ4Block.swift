import BioCubeCore

/// LZ4 block decompression (Parquet's LZ4_RAW: the bare block format, no frame), with every
/// literal run and match checked against the input and the declared output size.
enum LZ4Block {
    static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        var i = 0, o = 0
        func length(_ base: Int) throws -> Int {
            var n = base
            guard base == 15 else { return n }
            while true {
                guard i < input.count else { throw BioCubeError(.corruptData, "truncated length at byte \(i)") }
                let b = Int(input[i]); i += 1
                n += b
                guard n <= output.count else { throw BioCubeError(.corruptData, "length \(n) exceeds the page") }
                if b != 255 { return n }
            }
        }
        while i < input.count {
            let token = Int(input[i]); i += 1
            let literals = try length(token >> 4)
            guard i + literals <= input.count, o + literals <= output.count else {
                throw BioCubeError(.corruptData, "literal run past the end at byte \(i)")
            }
            (output.baseAddress! + o).copyMemory(from: input.baseAddress! + i, byteCount: literals)
            i += literals; o += literals
            if i == input.count { break }  // the last sequence has literals only
            guard i + 2 <= input.count else { throw BioCubeError(.corruptData, "truncated match offset at byte \(i)") }
            let offset = Int(input[i]) | Int(input[i + 1]) << 8
            i += 2
            let match = try length(token & 15) + 4
            guard offset > 0, offset <= o, o + match <= output.count else {
                throw BioCubeError(
                    .corruptData, "match (offset \(offset), length \(match)) outside the output at byte \(o)")
            }
            // Byte by byte: matches may overlap their own output (runs).
            for k in 0..<match { output[o + k] = output[o - offset + k] }
            o += match
        }
        guard o == output.count else {
            throw BioCubeError(.corruptData, "LZ4 data holds \(o) bytes, the page header says \(output.count)")
        }
    }
}
