/// NumPy `.npy` (format 1.0) encoding of tensors: little-endian float32, C order.
extension Tensor {
    /// The `.npy` file bytes of this tensor (`numpy.load` reads them as `float32`).
    package var npyBytes: [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)\(shape.count == 1 ? "," : "")), }"
        // Magic (6) + version (2) + length (2) + header, padded with spaces to 64 bytes, then \n.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += Array(header.utf8)
        out.reserveCapacity(out.count + storage.count * 4)
        #if _endian(little)
        // '<f4' is the host's own layout: one copy of the storage's bytes.
        storage.withUnsafeBytes { out.append(contentsOf: $0) }
        #else
        for v in storage { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        #endif
        return out
    }
}
