import BioCubeCore

/// How photos become tensors: the square size, the resampling filter, how a non-square photo
/// is made square, and the per-channel normalisation.
public struct ImageOptions: Sendable, Hashable, Codable {
    /// The resampling filter.
    public enum Filter: String, Sendable, Hashable, Codable, CaseIterable {
        /// Exact area averaging: each output pixel is the mean of the input area it covers
        /// (the right filter for shrinking photos).
        case area
        /// Lanczos-3, windowed sinc, as Pillow's `LANCZOS` (sharper; may ring).
        case lanczos3 = "lanczos"
        /// Pillow's `BILINEAR`: a triangle stretched by the scale when shrinking (antialiased),
        /// what torchvision's `Resize` uses on PIL images.
        case bilinear
    }

    /// How a non-square photo becomes square.
    public enum Fit: String, Sendable, Hashable, Codable, CaseIterable {
        /// The central square is kept (no distortion; edges are lost).
        case centreCrop = "centre-crop"
        /// The whole photo is scaled to the square (distorted).
        case stretch
        /// torchvision's `Resize(S)` then `CenterCrop(S)`: the shorter side is resized to `S`,
        /// the longer to `⌊S · long / short⌋`, then the central `S × S` is cut at offset
        /// `round((side − S) / 2)`, rounding halves to even as Python's `round`.
        case shorterSide = "shorter-side"
    }

    /// How resampled values are computed.
    public enum Arithmetic: String, Sendable, Hashable, Codable, CaseIterable {
        /// In floating point, one rounding at the end (no 8-bit steps; overshoot kept).
        case float
        /// As Pillow's 8-bit path: fixed-point taps, each pass rounded and clipped to 0…255,
        /// then `(v / 255 − mean) / std` in float32 as torchvision's `ToTensor` + `Normalize`.
        case pillow8Bit = "pillow-8bit"
    }

    /// Named settings that reproduce a library's pipeline.
    public enum Preset: String, Sendable, Hashable, Codable, CaseIterable {
        /// torchvision's ImageNet evaluation transform on a PIL image: `Resize(S)`,
        /// `CenterCrop(S)`, `ToTensor()`, `Normalize(ImageNet mean, std)`.
        case torchvision
    }

    /// The output's side, in pixels.
    public var size: Int = 64
    /// The resampling filter.
    public var filter: Filter = .area
    /// How a non-square photo becomes square.
    public var fit: Fit = .centreCrop
    /// How resampled values are computed.
    public var arithmetic: Arithmetic = .float
    /// Whether a JPEG is decoded reduced by its DCT first, as Pillow's
    /// `Image.draft("RGB", (size, size))` (by 2, 4 or 8 when the picture is at least that many
    /// times the output side; ``RGBImage/init(contentsOf:draft:)``). Faster for large photos;
    /// the values then follow the reduced decode, not the full one.
    public var jpegDraft = false
    /// Per-channel mean subtracted after scaling to [0, 1] (ImageNet's by default).
    public var mean: [Float] = [0.485, 0.456, 0.406]
    /// Per-channel standard deviation divided by (ImageNet's by default).
    public var standardDeviation: [Float] = [0.229, 0.224, 0.225]

    /// The defaults: 64 × 64, area filter, centre crop, ImageNet normalisation.
    public init() {}

    /// The settings of `preset` at output side `size`.
    public init(preset: Preset, size: Int) {
        self.size = size
        switch preset {
        case .torchvision:
            filter = .bilinear
            fit = .shorterSide
            arithmetic = .pillow8Bit
        }
    }

    /// Checks the settings; the error names the setting.
    func validated() throws -> ImageOptions {
        func fail(_ what: String) -> BioCubeError { BioCubeError(.invalidArgument, "image options: \(what)") }
        guard (1...4096).contains(size) else { throw fail("size \(size) is not 1…4096") }
        guard mean.count == 3, mean.allSatisfy(\.isFinite) else { throw fail("mean needs 3 finite values") }
        // Below 1e-6 a division turns 8-bit steps into infinities or values past Float's range.
        guard standardDeviation.count == 3, standardDeviation.allSatisfy({ $0.isFinite && $0 >= 1e-6 }) else {
            throw fail("standard deviation needs 3 values of at least 1e-6")
        }
        if arithmetic == .pillow8Bit, filter == .area {
            throw fail("the pillow-8bit arithmetic takes the bilinear or lanczos filter (area is not Pillow's BOX)")
        }
        return self
    }
}
