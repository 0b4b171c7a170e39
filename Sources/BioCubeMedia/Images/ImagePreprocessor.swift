public import BioCubeCore

/// Turns photos into normalised float tensors `(3, size, size)`: centre crop (or stretch, or
/// torchvision's shorter-side resize and centre crop), separable resampling with the chosen
/// filter in floating point (or Pillow's 8-bit fixed point, ``ImageOptions/Arithmetic``), scaling to [0, 1], then
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
        try tensor(of: try RGBImage(contentsOf: path, draft: options.jpegDraft ? (options.size, options.size) : nil))
    }

    /// Where an output comes from: a source rectangle, the size it is resized to, and the
    /// `size × size` window of the resized picture that is kept.
    struct Geometry: Equatable {
        var x0 = 0, y0 = 0, width: Int, height: Int
        var resizedWidth: Int, resizedHeight: Int
        var left = 0, top = 0
    }

    /// The geometry of ``ImageOptions/fit`` for a `width × height` picture.
    func geometry(width w: Int, height h: Int) -> Geometry {
        let s = options.size
        switch options.fit {
        case .stretch:
            return Geometry(width: w, height: h, resizedWidth: s, resizedHeight: s)
        case .centreCrop:
            let side = min(w, h)
            return Geometry(
                x0: (w - side) / 2,
                y0: (h - side) / 2,
                width: side,
                height: side,
                resizedWidth: s,
                resizedHeight: s
            )
        case .shorterSide:
            // torchvision's _compute_resized_output_size: int(S * long / short), truncated.
            let (short, long) = w <= h ? (w, h) : (h, w)
            let newLong = max(s, Int(Double(s * long) / Double(short)))
            let (rw, rh) = w <= h ? (s, newLong) : (newLong, s)
            // center_crop: int(round((side − S) / 2.0)), Python's round-half-to-even.
            func offset(_ side: Int) -> Int { Int((Double(side - s) / 2).rounded(.toNearestOrEven)) }
            return Geometry(width: w, height: h, resizedWidth: rw, resizedHeight: rh, left: offset(rw), top: offset(rh))
        }
    }

    /// The tensor of `image`.
    public func tensor(of image: RGBImage) throws -> Tensor {
        let g = geometry(width: image.width, height: image.height)
        let s = options.size
        if options.arithmetic == .pillow8Bit { return try pillowTensor(of: image, g) }
        let horizontal = weights(input: g.width, output: g.resizedWidth)
        let vertical = weights(input: g.height, output: g.resizedHeight)
        // Horizontal pass over the source rows the kept rows need: (rows, s, 3) floats.
        let rowFirst = vertical.first[g.top]
        let rowEnd = (g.top..<(g.top + s)).map { vertical.first[$0] + vertical.weights[$0].count }.max() ?? rowFirst
        let h = rowEnd - rowFirst
        var rows = [Float](repeating: 0, count: h * s * 3)
        image.pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let line = src.baseAddress! + ((g.y0 + rowFirst + y) * image.width + g.x0) * 3
                    for j in 0..<s {
                        var (r, g2, b): (Float, Float, Float) = (0, 0, 0)
                        let first = horizontal.first[g.left + j]
                        for (k, wt) in horizontal.weights[g.left + j].enumerated() {
                            let p = line + (first + k) * 3
                            r += wt * Float(p[0])
                            g2 += wt * Float(p[1])
                            b += wt * Float(p[2])
                        }
                        let o = (y * s + j) * 3
                        dst[o] = r
                        dst[o + 1] = g2
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
                    let first = vertical.first[g.top + i] - rowFirst
                    for j in 0..<s {
                        var acc: (Float, Float, Float) = (0, 0, 0)
                        for (k, wt) in vertical.weights[g.top + i].enumerated() {
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

    /// The 8-bit path: Pillow's resize of the source rectangle (only the kept window is
    /// computed), then `(v / 255 − mean) / std` in float32, as torchvision's `ToTensor` and
    /// `Normalize`.
    private func pillowTensor(of image: RGBImage, _ g: Geometry) throws -> Tensor {
        let s = options.size
        var source = image
        if (g.x0, g.y0, g.width, g.height) != (0, 0, image.width, image.height) {
            var cut = [UInt8](repeating: 0, count: g.width * g.height * 3)
            for y in 0..<g.height {
                let from = ((g.y0 + y) * image.width + g.x0) * 3
                cut[(y * g.width * 3)..<((y + 1) * g.width * 3)] = image.pixels[from..<(from + g.width * 3)]
            }
            source = try RGBImage(width: g.width, height: g.height, pixels: cut)
        }
        let resize = PillowResize(
            width: g.width,
            height: g.height,
            outputWidth: g.resizedWidth,
            outputHeight: g.resizedHeight,
            filter: options.filter
        )
        let pixels = resize.resize(source, rows: g.top..<(g.top + s), columns: g.left..<(g.left + s))
        var out = [Float](repeating: 0, count: 3 * s * s)
        let mean = options.mean
        let std = options.standardDeviation
        // The value depends on the byte alone: a 256-entry table per channel, computed with
        // torchvision's operations in its order (divide, subtract, divide; float32).
        let table = (0..<3).flatMap { c in (0..<256).map { (Float($0) / 255 - mean[c]) / std[c] } }
        pixels.withUnsafeBufferPointer { p in
            table.withUnsafeBufferPointer { t in
                out.withUnsafeMutableBufferPointer { dst in
                    for c in 0..<3 {
                        let plane = dst.baseAddress! + c * s * s
                        let lookup = t.baseAddress! + c * 256
                        for i in 0..<(s * s) { plane[i] = lookup[Int(p[i &* 3 &+ c])] }
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
        case .bilinear: ImageResampling.bilinear(input: input, output: output)
        }
    }
}
