import BioCubeCore
internal import CJPEG
internal import CPNG
import Foundation

/// A decoded picture: 8-bit RGB, row-major, interleaved.
///
/// ```swift
/// let photo = try RGBImage(contentsOf: "Life/Turdus merula/images/123456.jpg")
/// print(photo.width, photo.height)
/// ```
public struct RGBImage: Sendable, Hashable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// `width × height × 3` bytes: red, green, blue per pixel, rows top to bottom.
    public let pixels: [UInt8]

    /// Pictures with more pixels than this are refused before anything is allocated: 64
    /// megapixels (a 9 200 × 6 900 photo, past any camera trap or phone and most DSLRs;
    /// iNaturalist serves at most 2 048 px) cost 192 MB decoded, so a species dataset decoding
    /// one per core stays within memory, and an 842 KB PNG of 17 000² zeros is refused.
    package static let maximumPixels = 64_000_000

    /// An image from its pixels; the count must be `width × height × 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, width.multipliedReportingOverflow(by: height).partialValue * 3 == pixels.count
        else {
            throw BioCubeError(
                .invalidArgument,
                "RGB image \(width)×\(height) needs \(width * height * 3) bytes, got \(pixels.count)"
            )
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Decodes a JPEG or PNG file, recognised by its first bytes; errors name the file.
    ///
    /// With `draft`, a JPEG is decoded reduced by its DCT as Pillow's
    /// `Image.draft("RGB", draft)` does: by the largest of 8, 4, 2, 1 not above
    /// `min(width / draft.width, height / draft.height)` — several times faster when the
    /// picture is much larger than needed. PNGs are decoded whole.
    public init(contentsOf path: String, draft: (width: Int, height: Int)? = nil) throws {
        try self.init(decoding: try FileIO.read(path), name: path, draft: draft)
    }

    /// Decodes JPEG or PNG bytes (grey, palette, CMYK and 16-bit converted to 8-bit RGB;
    /// alpha dropped). A truncated or corrupt image is an error, never grey filler.
    public init(decoding bytes: [UInt8], name: String, draft: (width: Int, height: Int)? = nil) throws {
        let isJPEG = bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF
        let isPNG = bytes.count >= 8 && bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        guard isJPEG || isPNG else {
            throw BioCubeError(.unsupported, "not a JPEG or PNG image", file: name)
        }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var w: Int32 = 0
        var h: Int32 = 0
        var message = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBufferPointer { b in
            message.withUnsafeMutableBufferPointer { m in
                isJPEG
                    ? biocube_jpeg_decode_rgb(
                        b.baseAddress,
                        UInt(b.count),
                        UInt64(Self.maximumPixels),
                        Int32(clamping: draft?.width ?? 0),
                        Int32(clamping: draft?.height ?? 0),
                        &out,
                        &w,
                        &h,
                        m.baseAddress,
                        m.count
                    )
                    : biocube_png_decode_rgb(
                        b.baseAddress,
                        b.count,
                        UInt64(Self.maximumPixels),
                        &out,
                        &w,
                        &h,
                        m.baseAddress,
                        m.count
                    )
            }
        }
        defer { free(out) }
        let kind = isJPEG ? "JPEG" : "PNG"
        switch status {
        case 0:
            guard let out, w > 0, h > 0 else {
                throw BioCubeError(.corruptData, "\(kind) image with no pixels", file: name)
            }
            let count = Int(w) * Int(h) * 3
            try self.init(width: Int(w), height: Int(h), pixels: Array(UnsafeBufferPointer(start: out, count: count)))
        case 1:
            throw BioCubeError(
                .invalidArgument,
                "\(kind) image of \(w)×\(h) pixels is larger than the \(Self.maximumPixels / 1_000_000)-megapixel limit",
                file: name
            )
        case 2:
            let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw BioCubeError(.corruptData, "corrupt or truncated \(kind) data (\(text))", file: name)
        default:
            throw BioCubeError(.io, "out of memory decoding the \(kind) image", file: name)
        }
    }
}
