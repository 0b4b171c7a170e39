import BioCubeCore

/// An 8-bit RGB raster with the drawing the viewer needs, encoded as PNG through zlib.
public struct RGBImage: Sendable {
    /// Size in pixels.
    public let width: Int, height: Int
    /// Row-major RGB bytes.
    package private(set) var pixels: [UInt8]

    /// A white image.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 255, count: width * height * 3)
    }

    /// The colour at a pixel.
    package subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let o = (y * width + x) * 3
        return (pixels[o], pixels[o + 1], pixels[o + 2])
    }

    mutating func set(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let o = (y * width + x) * 3
        pixels[o] = c.0
        pixels[o + 1] = c.1
        pixels[o + 2] = c.2
    }

    /// Fills the part of the rectangle inside the image (nothing when it lies outside).
    mutating func fill(x: Int, y: Int, w: Int, h: Int, _ c: (UInt8, UInt8, UInt8)) {
        let x0 = max(0, x)
        let x1 = min(width, x + w)
        let y0 = max(0, y)
        let y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 { for xx in x0..<x1 { set(xx, yy, c) } }
    }

    /// Draws text with the built-in 5×7 font (letters in capitals), top-left at (x, y), `scale` pixels per dot.
    mutating func text(_ s: String, x: Int, y: Int, scale: Int = 1, color: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        var cx = x
        for ch in s.uppercased() {
            let rows = BitmapFont.glyph(ch)
            for (r, bits) in rows.enumerated() {
                for c in 0..<5 where bits & (0x10 >> c) != 0 {
                    fill(x: cx + c * scale, y: y + r * scale, w: scale, h: scale, color)
                }
            }
            cx += 6 * scale
        }
    }

    /// Width in pixels of `s` drawn by ``text(_:x:y:scale:color:)``.
    static func textWidth(_ s: String, scale: Int = 1) -> Int { s.count * 6 * scale - scale }

    /// The PNG file (8-bit RGB, no interlace, filter 0).
    public func png() throws -> [UInt8] {
        var raw = [UInt8]()
        raw.reserveCapacity(height * (width * 3 + 1))
        for y in 0..<height {
            raw.append(0)
            raw.append(contentsOf: pixels[(y * width * 3)..<((y + 1) * width * 3)])
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func chunk(_ type: String, _ data: [UInt8]) {
            let t = Array(type.utf8)
            withUnsafeBytes(of: UInt32(data.count).bigEndian) { out += $0 }
            out += t + data
            let crc = (t + data).withUnsafeBytes { CRC32.checksum($0) }
            withUnsafeBytes(of: crc.bigEndian) { out += $0 }
        }
        var ihdr = [UInt8]()
        withUnsafeBytes(of: UInt32(width).bigEndian) { ihdr += $0 }
        withUnsafeBytes(of: UInt32(height).bigEndian) { ihdr += $0 }
        ihdr += [8, 2, 0, 0, 0]
        chunk("IHDR", ihdr)
        chunk("IDAT", try ZlibCodec.compress(raw))
        chunk("IEND", [])
        return out
    }
}
