import BioCubeCore

/// Snappy block decompression (the raw format Parquet uses; no framing), with every copy
/// checked against the input and the declared output size.
enum Snappy {
    static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        var i = 0
        // Preamble: the uncompressed length as a varint.
        var length: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard i < input.count, shift < 35 else { throw BioCubeError(.corruptData, "bad length preamble") }
            let b = input[i]
            i += 1
            length |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { break }
            shift += 7
        }
        guard length == UInt64(output.count) else {
            throw BioCubeError(.corruptData, "snappy data holds \(length) bytes, the page header says \(output.count)")
        }
        var o = 0
        while i < input.count {
            let tag = input[i]
            i += 1
            switch tag & 3 {
            case 0:  // literal
                var n = Int(tag >> 2)
                if n >= 60 {
                    let extra = n - 59
                    guard i + extra <= input.count else { throw BioCubeError(.truncated, "truncated literal length") }
                    n = 0
                    for k in 0..<extra { n |= Int(input[i + k]) << (8 * k) }
                    i += extra
                }
                n += 1
                guard i + n <= input.count, o + n <= output.count else {
                    throw BioCubeError(.corruptData, "literal runs past the end")
                }
                (output.baseAddress! + o).copyMemory(from: input.baseAddress! + i, byteCount: n)
                i += n
                o += n
            default:
                let n: Int
                let offset: Int
                switch tag & 3 {
                case 1:
                    guard i < input.count else { throw BioCubeError(.truncated, "truncated copy") }
                    n = Int((tag >> 2) & 7) + 4
                    offset = Int(tag >> 5) << 8 | Int(input[i])
                    i += 1
                case 2:
                    guard i + 2 <= input.count else { throw BioCubeError(.truncated, "truncated copy") }
                    n = Int(tag >> 2) + 1
                    offset = Int(input[i]) | Int(input[i + 1]) << 8
                    i += 2
                default:
                    guard i + 4 <= input.count else { throw BioCubeError(.truncated, "truncated copy") }
                    n = Int(tag >> 2) + 1
                    offset = Int(input[i]) | Int(input[i + 1]) << 8 | Int(input[i + 2]) << 16 | Int(input[i + 3]) << 24
                    i += 4
                }
                guard offset > 0, offset <= o, o + n <= output.count else {
                    throw BioCubeError(.corruptData, "copy outside the output")
                }
                // Byte by byte: copies may overlap their own output (run-length patterns).
                for k in 0..<n { output[o + k] = output[o - offset + k] }
                o += n
            }
        }
        guard o == output.count else {
            throw BioCubeError(.corruptData, "snappy data decodes to \(o) bytes, expected \(output.count)")
        }
    }
}
