/// Pillow's `Image.resize` on 8-bit RGB, reproduced to the bit: the same filter
/// coefficients (`precompute_coeffs` of `libImaging/Resample.c`: the kernel stretched by the
/// scale when shrinking, centred on `(j + ½)·scale`, normalised), quantised to 22-bit fixed
/// point with round-half-away-from-zero, one pass rounded and clipped to 8 bits, then the
/// other pass rounded and clipped again — horizontal first, or vertical first when the height
/// shrinks by more than twice as many pixels as the width (``verticalFirst(width:height:outputWidth:outputHeight:)``,
/// Pillow 13's order). A pass whose size does not change is skipped, as Pillow skips it.
///
/// Only the output rows and columns asked of ``resize(_:rows:columns:)`` are computed (a
/// centre crop after the resize costs only the crop); each equals the pixel of a full resize.
struct PillowResize: Sendable {
    /// 32 − 8 − 2 bits, as Pillow: two spare bits for negative lobes and sums above 1.
    static let precisionBits = 22

    /// Fixed-point taps of one axis: for each output index, the first input index and its taps.
    struct Axis: Sendable {
        let first: [Int]
        let count: [Int]
        let taps: [Int32]
        let width: Int
        let resizes: Bool

        init(input: Int, output: Int, filter: ImageOptions.Filter) {
            resizes = input != output
            let (first, weights) = ImageResampling.pillow(filter, input: input, output: output)
            width = weights.map(\.count).max() ?? 0
            var taps = [Int32](repeating: 0, count: output * width)
            let one = Double(1 << PillowResize.precisionBits)
            for (j, w) in weights.enumerated() {
                // Pillow's normalize_coeffs_8bpc: round half away from zero.
                for (x, v) in w.enumerated() { taps[j * width + x] = Int32(v < 0 ? (-0.5 + v * one) : (0.5 + v * one)) }
            }
            self.first = first
            self.count = weights.map(\.count)
            self.taps = taps
        }
    }

    let horizontal: Axis
    let vertical: Axis

    /// Taps to resize `width × height` to `outputWidth × outputHeight` with `filter`.
    init(width: Int, height: Int, outputWidth: Int, outputHeight: Int, filter: ImageOptions.Filter) {
        horizontal = Axis(input: width, output: outputWidth, filter: filter)
        vertical = Axis(input: height, output: outputHeight, filter: filter)
    }

    @inline(__always)
    private static func clip8(_ v: Int32) -> UInt8 {
        let s = v >> Int32(precisionBits)
        return s <= 0 ? 0 : (s >= 255 ? 255 : UInt8(truncatingIfNeeded: s))
    }

    /// Whether Pillow (13 and later) runs the vertical pass first: when the height shrinks
    /// by more than twice as many pixels as the width (`ImagingResampleInner`).
    static func verticalFirst(width: Int, height: Int, outputWidth: Int, outputHeight: Int) -> Bool {
        outputHeight < height && height - outputHeight > 2 * (width - outputWidth)
    }

    /// The resized pixels of `image` in output rows `rows` and columns `columns`, as
    /// interleaved 8-bit RGB rows of `columns.count` pixels.
    func resize(_ image: RGBImage, rows: Range<Int>, columns: Range<Int>) -> [UInt8] {
        let (w, h) = (image.width, image.height)
        let vFirst = Self.verticalFirst(
            width: w,
            height: h,
            outputWidth: horizontal.resizes ? horizontal.first.count : w,
            outputHeight: vertical.resizes ? vertical.first.count : h
        )
        return image.pixels.withUnsafeBufferPointer { src in
            if vFirst && vertical.resizes {
                // Vertical pass over the input columns the kept columns need, then horizontal.
                let (c0, c1) =
                    horizontal.resizes ? Self.span(horizontal, columns) : (columns.lowerBound, columns.upperBound)
                let band = Self.pass(vertical, src, stride: w, rows: rows, columns: c0..<c1, rowOffset: 0)
                guard horizontal.resizes else { return band }
                return band.withUnsafeBufferPointer {
                    Self.horizontalPass(
                        horizontal,
                        $0,
                        stride: c1 - c0,
                        rows: 0..<rows.count,
                        columns: columns,
                        offset: c0
                    )
                }
            }
            // Horizontal pass over the input rows the kept rows need, then vertical.
            let (r0, r1) = vertical.resizes ? Self.span(vertical, rows) : (rows.lowerBound, rows.upperBound)
            let band =
                horizontal.resizes
                ? Self.horizontalPass(horizontal, src, stride: w, rows: r0..<r1, columns: columns, offset: 0)
                : Self.copy(src, stride: w, rows: r0..<r1, columns: columns)
            guard vertical.resizes else { return band }
            return band.withUnsafeBufferPointer {
                Self.pass(vertical, $0, stride: columns.count, rows: rows, columns: 0..<columns.count, rowOffset: r0)
            }
        }
    }

    /// The input indices `first ..< end` that outputs `outputs` of `axis` read.
    private static func span(_ axis: Axis, _ outputs: Range<Int>) -> (Int, Int) {
        let first = outputs.map { axis.first[$0] }.min() ?? 0
        let end = outputs.map { axis.first[$0] + axis.count[$0] }.max() ?? first
        return (first, end)
    }

    private static func copy(
        _ src: UnsafeBufferPointer<UInt8>,
        stride: Int,
        rows: Range<Int>,
        columns: Range<Int>
    )
        -> [UInt8]
    {
        var out = [UInt8]()
        out.reserveCapacity(rows.count * columns.count * 3)
        for y in rows { out += src[((y * stride + columns.lowerBound) * 3)..<((y * stride + columns.upperBound) * 3)] }
        return out
    }

    /// Horizontal pass: for source rows `rows` (of `stride` pixels, column `offset` first),
    /// output columns `columns`, each rounded and clipped to 8 bits.
    private static func horizontalPass(
        _ axis: Axis,
        _ src: UnsafeBufferPointer<UInt8>,
        stride: Int,
        rows: Range<Int>,
        columns: Range<Int>,
        offset: Int
    ) -> [UInt8] {
        let cw = columns.count
        var out = [UInt8](repeating: 0, count: rows.count * cw * 3)
        let half: Int32 = 1 << Int32(precisionBits - 1)
        out.withUnsafeMutableBufferPointer { dst in
            axis.taps.withUnsafeBufferPointer { taps in
                axis.first.withUnsafeBufferPointer { first in
                    axis.count.withUnsafeBufferPointer { count in
                        for (y, row) in rows.enumerated() {
                            let line = src.baseAddress! + row * stride * 3
                            var o = dst.baseAddress! + y * cw * 3
                            for j in columns {
                                let k = taps.baseAddress! + j * axis.width
                                let p = line + (first[j] - offset) * 3
                                var (r, g, b) = (half, half, half)
                                for x in 0..<count[j] {
                                    let t = k[x]
                                    r &+= Int32(p[x &* 3]) &* t
                                    g &+= Int32(p[x &* 3 &+ 1]) &* t
                                    b &+= Int32(p[x &* 3 &+ 2]) &* t
                                }
                                o[0] = clip8(r)
                                o[1] = clip8(g)
                                o[2] = clip8(b)
                                o += 3
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Vertical pass: output rows `rows` from a source of `stride` pixels per row whose first
    /// row is input row `rowOffset`, over source columns `columns`, rounded and clipped to 8
    /// bits (row by row, so the inner loop runs over contiguous bytes).
    private static func pass(
        _ axis: Axis,
        _ src: UnsafeBufferPointer<UInt8>,
        stride: Int,
        rows: Range<Int>,
        columns: Range<Int>,
        rowOffset: Int
    ) -> [UInt8] {
        let n = columns.count * 3
        var out = [UInt8](repeating: 0, count: rows.count * n)
        var acc = [Int32](repeating: 0, count: n)
        let half: Int32 = 1 << Int32(precisionBits - 1)
        out.withUnsafeMutableBufferPointer { dst in
            acc.withUnsafeMutableBufferPointer { acc in
                axis.taps.withUnsafeBufferPointer { taps in
                    for (o, i) in rows.enumerated() {
                        let k = taps.baseAddress! + i * axis.width
                        let top = axis.first[i] - rowOffset
                        for c in 0..<n { acc[c] = half }
                        for y in 0..<axis.count[i] {
                            let t = k[y]
                            let row = src.baseAddress! + ((top + y) * stride + columns.lowerBound) * 3
                            for c in 0..<n { acc[c] &+= Int32(row[c]) &* t }
                        }
                        let line = dst.baseAddress! + o * n
                        for c in 0..<n { line[c] = clip8(acc[c]) }
                    }
                }
            }
        }
        return out
    }
}
