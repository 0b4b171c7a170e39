import BioCubeCore
import BioCubeTestSupport
import BioCubeTransfer
import Testing

/// Core's Swift SHA-256 (the statistics digest of a normalised export) against FIPS 180-4's
/// examples and against libcrypto, which verifies downloads.
@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func fipsExamples(message: String, expected: String) {
        var digest = SHA256()
        digest.update(Array(message.utf8))
        #expect(digest.hex() == expected)
    }

    /// Every length around the 55/56/64-byte padding boundaries, fed whole and in uneven
    /// pieces, equals libcrypto's digest.
    @Test(arguments: [0, 1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 65_537])
    func equalsLibcrypto(length: Int) throws {
        var random = SplitMix64(seed: UInt64(length))
        let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        var reference = try Digest(.sha256)
        try reference.update(bytes)
        var whole = SHA256()
        whole.update(bytes)
        var pieces = SHA256()
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + 1 + Int(random.next() % 97))
            pieces.update(Array(bytes[start..<end]))
            start = end
        }
        let expected = try reference.hex()
        #expect(whole.hex() == expected)
        #expect(pieces.hex() == expected)
    }

    @Test func filesEqualLibcrypto() throws {
        let dir = TemporaryDirectory()
        var random = SplitMix64(seed: 7)
        let bytes = (0..<(3 << 20) + 11).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        try FileIO.writeAtomically(dir.file("data"), bytes)
        #expect(try SHA256.hex(ofFile: dir.file("data")) == Digest.sha256(ofFile: dir.file("data")))
        #expect(throws: BioCubeError.self) { try SHA256.hex(ofFile: dir.file("missing")) }
    }
}
