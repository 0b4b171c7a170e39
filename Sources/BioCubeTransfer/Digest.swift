import BioCubeCore
internal import CCrypto
import Foundation

/// SHA-256 and SHA-1 digests through OpenSSL's libcrypto, streamed: the checksums that
/// verify downloads (Hugging Face lists SHA-256 for its LFS files and git's SHA-1 blob ids
/// for the rest). Core's `SHA256` gives the same SHA-256 without OpenSSL for the small
/// files the store and batches digest.
package struct Digest: ~Copyable {
    /// The algorithms.
    package enum Algorithm: Sendable {
        case sha256, sha1
    }

    private let context: OpaquePointer

    /// A fresh digest; an error when libcrypto refuses it (out of memory, or an algorithm a
    /// FIPS-configured library disallows).
    package init(_ algorithm: Algorithm) throws {
        guard let c = EVP_MD_CTX_new() else {
            throw BioCubeError(.io, "libcrypto: cannot create a digest context (out of memory)")
        }
        let md = algorithm == .sha256 ? EVP_sha256() : EVP_sha1()
        guard EVP_DigestInit_ex(c, md, nil) == 1 else {
            EVP_MD_CTX_free(c)
            throw BioCubeError(.unsupported, "libcrypto refuses \(algorithm) digests on this system")
        }
        context = c
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds bytes.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        guard EVP_DigestUpdate(context, base, bytes.count) == 1 else {
            throw BioCubeError(.io, "libcrypto: digest update failed")
        }
    }

    /// Adds bytes.
    package mutating func update(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try update($0) } }

    /// The digest as lower-case hex (the digest cannot be used afterwards).
    package consuming func hex() throws -> String {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &out, &length) == 1 else {
            throw BioCubeError(.io, "libcrypto: digest finalisation failed")
        }
        return out.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }

    /// The SHA-256 of a whole file, streamed in 4 MiB pieces.
    package static func sha256(ofFile path: String) throws -> String {
        var d = try Digest(.sha256)
        try FileIO.forEachPiece(of: path) { try d.update($0) }
        return try d.hex()
    }

    /// git's blob id of a file: SHA-1 of `blob <size>\0` and the content.
    package static func gitBlobID(ofFile path: String) throws -> String {
        var d = try Digest(.sha1)
        let size = FileIO.attributes(path)?.size ?? 0
        try d.update(Array("blob \(size)\u{0}".utf8))
        try FileIO.forEachPiece(of: path) { try d.update($0) }
        return try d.hex()
    }
}
