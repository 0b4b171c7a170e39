import Testing

@testable import BioCubeCore

@Suite struct CodecTests {
    @Test func crc32cKnownVectors() {
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32C.checksum($0) } == 0xE306_9283)
        #expect([UInt8]().withUnsafeBytes { CRC32C.checksum($0) } == 0)
        #expect([UInt8](repeating: 0, count: 32).withUnsafeBytes { CRC32C.checksum($0) } == 0x8A91_36AA)
    }

    /// ISA-L's checksum equals the table reference on every length and alignment around its
    /// block sizes, and continues a checksum as the reference does.
    @Test(arguments: [0, 1, 7, 8, 9, 63, 64, 65, 255, 256, 1023, 1024, 4095, 4096, 4097, 65_537, 1_000_003])
    func crc32cMatchesTheReference(length: Int) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(length + 1)
        let bytes = (0..<(length + 3)).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        bytes.withUnsafeBytes { all in
            for offset in 0..<3 {
                let part = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
                #expect(CRC32C.checksum(part) == CRC32C.referenceChecksum(part))
                let half = length / 2
                let head = UnsafeRawBufferPointer(rebasing: part[..<half])
                let tail = UnsafeRawBufferPointer(rebasing: part[half...])
                #expect(CRC32C.checksum(tail, continuing: CRC32C.checksum(head)) == CRC32C.referenceChecksum(part))
            }
        }
    }

    @Test(arguments: [
        [ZarrCodec.bytes(endian: .little), .zstd(level: 3, checksum: false)],
        [.bytes(endian: .little), .zstd(level: 19, checksum: true)],
        [.bytes(endian: .little), .gzip(level: 1)],
        [.bytes(endian: .big), .gzip(level: 9), .crc32c],
        [.bytes(endian: .little), .crc32c, .crc32c],
        [.bytes(endian: .big)],
    ])
    func chunkCoderRoundTrip(codecs: [ZarrCodec]) throws {
        let coder = try ChunkCoder(codecs: codecs, dataType: .float32, context: "test")
        var rng = SplitMix64(seed: 3)
        let values = (0..<5000).map { _ in rng.nextSignedUnit() * 100 }
        let encoded = try values.withUnsafeBytes { try coder.encode($0) }
        var back = [Float](repeating: 0, count: values.count)
        try encoded.withUnsafeBytes { src in try back.withUnsafeMutableBytes { try coder.decode(src, into: $0) } }
        #expect(back == values)
    }

    @Test(arguments: [
        [ZarrCodec.zstd(level: 3, checksum: false)],
        [.bytes(endian: .little), .bytes(endian: .little)],
        [.bytes(endian: .little), .zstd(level: 3, checksum: false), .gzip(level: 1)],
        [.bytes(endian: .little), .crc32c, .zstd(level: 3, checksum: false)],
    ])
    func unsupportedChainsAreRejected(codecs: [ZarrCodec]) {
        #expect(throws: BioCubeError.self) { try ChunkCoder(codecs: codecs, dataType: .float32, context: "test") }
    }

    @Test func unknownCodecNameIsNamed() {
        let error = #expect(throws: BioCubeError.self) {
            try ZarrCodec(json: ["name": "blosc", "configuration": ["cname": "lz4"]], context: "array 'x'")
        }
        #expect(error?.code == .unsupportedEncoding && error?.code.category == .unsupported)
        #expect(error?.message.contains("'blosc'") == true)
        #expect(error?.message.contains("array 'x'") == true)
    }

    @Test func zstdRejectsWrongSizeAndGarbage() throws {
        let coder = try ChunkCoder(codecs: ZarrCodec.standard(), dataType: .float32, context: "t")
        let encoded = try [Float](repeating: 1, count: 100).withUnsafeBytes { try coder.encode($0) }
        var small = [Float](repeating: 0, count: 99)
        let wrongSize = #expect(throws: BioCubeError.self) {
            try encoded.withUnsafeBytes { src in try small.withUnsafeMutableBytes { try coder.decode(src, into: $0) } }
        }
        // A frame declaring more than the chunk holds is refused before decoding.
        #expect(wrongSize?.code == .sizeLimitExceeded && wrongSize?.code.category == .corruptData)
        var out = [Float](repeating: 0, count: 100)
        let garbage: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        #expect(throws: BioCubeError.self) {
            try garbage.withUnsafeBytes { src in try out.withUnsafeMutableBytes { try coder.decode(src, into: $0) } }
        }
        let truncated = Array(encoded.prefix(encoded.count / 2))
        #expect(throws: BioCubeError.self) {
            try truncated.withUnsafeBytes { src in try out.withUnsafeMutableBytes { try coder.decode(src, into: $0) } }
        }
    }

    @Test func fillValueSpellings() throws {
        let nan = try FillValue(json: "NaN", dataType: .float32, context: "t")
        #expect(nan.doubleValue.isNaN && nan.json == "NaN")
        #expect(try FillValue(json: "-Infinity", dataType: .float64, context: "t").doubleValue == -.infinity)
        let hex = try FillValue(json: "0x7fc00001", dataType: .float32, context: "t")
        #expect(hex.bits == 0x7FC0_0001 && hex.json == "0x7fc00001")
        #expect(try FillValue(json: -7, dataType: .int32, context: "t").int64Value == -7)
        #expect(try FillValue(json: 0.0, dataType: .int64, context: "t").int64Value == 0)
        #expect(try FillValue(json: true, dataType: .bool, context: "t").bits == 1)
        #expect(throws: BioCubeError.self) { try FillValue(json: "NaN", dataType: .int32, context: "t") }
        #expect(throws: BioCubeError.self) { try FillValue(json: 1.5, dataType: .int32, context: "t") }
        #expect(throws: BioCubeError.self) { try FillValue(json: "0x12", dataType: .float32, context: "t") }
    }

    @Test func arrayMetadataRoundTripsThroughJSON() throws {
        let meta = try ArrayMetadata(
            shape: [3, 4],
            dataType: .int64,
            chunkShape: [2, 2],
            fillValue: FillValue(.int64, int: -1),
            codecs: [.bytes(endian: .big), .gzip(level: 4), .crc32c],
            dimensionNames: ["a", "b"],
            attributes: ["units": "m", "scale": 0.5, "list": [1, "x", nil]]
        )
        let text = try meta.json.encoded()
        let back = try ArrayMetadata(json: JSONValue.decode(text), context: "t")
        #expect(back == meta)
    }
}
