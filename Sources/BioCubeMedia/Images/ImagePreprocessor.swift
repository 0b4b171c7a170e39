public import BioCubeCore

/// Turns photos into normalised float tensors `(3, size, size)`: centre crop (or stretch),
/// separable resampling with the chosen filter in floating point, scaling to [0, 1], then
/// `(value − mean) / std` per channel. Deterministic; no augmentation (that belongs to
/// training, never to the stored dataset).
///
/// ```swift
/// let images = try ImagePreprocessor(options: ImageOptions())
/// let tensor = try images.tensor(ofFile: "123456.jpg")   // shape [3, 64, 64]
/// ```
public struct ImagePreprocessor: Sendable {
    /// The settings.
    public let options: ImageOptions

    /// A preprocessor with checked `options`.
    public init(options: ImageOptions = ImageOptions()) throws {
        self.options = try options.validated()
    }

    /// The tensor of the JPEG or PNG file at `path`; errors name the file.
    public func tensor(ofFile path: String) throws -> Tensor {
        try tensor(of: try RGBImage(contentsOf: path))
    }

    /// The tensor of `image`.
    public func tensor(of image: RGBImage) throws -> Tensor {
        var (x0, y0, w, h) = (0, 0, image.width, image.height)
        if options.fit == .centreCrop {
            let side = min(w, h)
            (x0, y0) = ((w - side) / 2, (h - side) / 2)
            (w, h) = (side, side)
        }
        let s = options.size
        let horizontal = weights(input: w, output: s)
        let vertical = weights(input: h, output: s)
        // Horizontal pass over the cropped rows: (h, s, 3) floats.
        var rows = [Float](repeating: 0, count: h * s * 3)
        image.pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let line = src.baseAddress! + ((y0 + y) * image.width + x0) * 3
                    for j in 0..<s {
                        var (r, g, b): (Float, Float, Float) = (0, 0, 0)
                        let first = horizontal.first[j]
                        for (k, wt) in horizontal.weights[j].enumerated() {
                            let p = line + (first + k) * 3
                            r += wt * Float(p[0])
                            g += wt * Float(p[1])
                            b += wt * Float(p[2])
                        }
                        let o = (y * s + j) * 3
                        dst[o] = r
                        dst[o + 1] = g
                        dst[o + 2] = b
                    }
                }
            }
        }
        // Vertical pass into channel-first planes, then normalisation.
        var out = [Float](repeating: 0, count: 3 * s * s)
        let scale = (0..<3).map { 1 / (255 * options.standardDeviation[$0]) }
        let shift = (0..<3).map { options.mean[$0] / options.standardDeviation[$0] }
        rows.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<s {
                    let first = vertical.first[i]
                    for j in 0..<s {
                        var acc: (Float, Float, Float) = (0, 0, 0)
                        for (k, wt) in vertical.weights[i].enumerated() {
                            let o = ((first + k) * s + j) * 3
                            acc.0 += wt * src[o]
                            acc.1 += wt * src[o + 1]
                            acc.2 += wt * src[o + 2]
                        }
                        dst[i * s + j] = acc.0 * scale[0] - shift[0]
                        dst[s * s + i * s + j] = acc.1 * scale[1] - shift[1]
                        dst[2 * s * s + i * s + j] = acc.2 * scale[2] - shift[2]
                    }
                }
            }
        }
        return try Tensor(shape: [3, s, s], storage: out)
    }

    private func weights(input: Int, output: Int) -> ImageResampling {
        switch options.filter {
        case .area: ImageResampling.area(input: input, output: output)
        case .lanczos3: ImageResampling.lanczos3(input: input, output: output)
        }
    }
}
