import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeMedia

private let media = FixtureSet("media")

@Suite("Images: decoding and resampling against Pillow and NumPy")
struct ImageTests {
    /// Decoded pixels equal Pillow's (JPEG: both libjpeg-turbo's accurate integer IDCT).
    @Test(arguments: [
        "photo.jpg", "grey.jpg", "rgb.png", "palette.png", "grey.png", "rgba.png", "greyalpha.png", "grey16.png",
    ])
    func decodesLikePillow(name: String) throws {
        let image = try RGBImage(contentsOf: try media.path(name))
        let expected = try Array(Data(contentsOf: URL(fileURLWithPath: try media.path(name + ".rgb"))))
        #expect(image.pixels.count == expected.count)
        let worst = zip(image.pixels, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
        // PNG is lossless; two builds of libjpeg-turbo may differ by one level.
        #expect(worst <= (name.hasSuffix(".jpg") ? 1 : 0), "\(name): largest difference \(worst)")
    }

    @Test func cmykJPEGIsConverted() throws {
        let image = try RGBImage(contentsOf: try media.path("cmyk.jpg"))
        let original = try Array(Data(contentsOf: URL(fileURLWithPath: try media.path("cmyk.jpg.approx.rgb"))))
        let mean =
            zip(image.pixels, original).map { Double(abs(Int($0) - Int($1))) }.reduce(0, +) / Double(original.count)
        #expect(mean < 6, "mean difference \(mean) from the RGB the CMYK file was made from")
    }

    @Test(arguments: [
        ("truncated.jpg", BioCubeError.Code.corruptData), ("truncated.png", .corruptData),
        ("corrupt.png", .corruptData),
        ("huge.png", .invalidArgument), ("tone.mp3", .unsupported),
    ])
    func badImagesAreErrorsNamingTheFile(name: String, code: BioCubeError.Code) throws {
        let path = try media.path(name)
        #expect {
            _ = try RGBImage(contentsOf: path)
        } throws: { ($0 as? BioCubeError)?.code == code && ($0 as? BioCubeError)?.file == path }
    }

    @Test(arguments: [
        (ImageOptions.Filter.area, ImageOptions.Fit.centreCrop, 64, "photo_area64.f32"),
        (.area, .centreCrop, 16, "photo_area16.f32"),
        (.area, .stretch, 16, "photo_stretch_area16.f32"),
        (.lanczos3, .centreCrop, 24, "photo_lanczos24.f32"),
    ])
    func tensorsMatchTheReference(
        filter: ImageOptions.Filter, fit: ImageOptions.Fit, size: Int, expectedFile: String
    ) throws {
        var options = ImageOptions()
        options.filter = filter
        options.fit = fit
        options.size = size
        let t = try ImagePreprocessor(options: options).tensor(ofFile: try media.path("photo.jpg"))
        let expected = try media.floats(expectedFile)
        #expect(t.shape == [3, size, size])
        // The JPEG decode may differ by one level (1/255/0.224 ≈ 0.018 after normalising).
        let worst = zip(t.storage, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 0.02, "\(expectedFile): largest difference \(worst)")
    }

    @Test func areaWeightsAverageExactly() {
        let w = ImageResampling.area(input: 5, output: 2)
        #expect(w.first == [0, 2])
        #expect(w.weights[0] == [0.4, 0.4, 0.2])
        #expect(w.weights[1] == [0.2, 0.4, 0.4])
        for r in [
            ImageResampling.area(input: 97, output: 64), .lanczos3(input: 61, output: 24),
            .lanczos3(input: 8, output: 20),
        ] {
            for row in r.weights { #expect(abs(row.reduce(0, +) - 1) < 1e-5) }
        }
    }

    @Test func badOptionsAreRefused() {
        var o = ImageOptions()
        o.size = 0
        #expect(throws: BioCubeError.self) { _ = try ImagePreprocessor(options: o) }
        o = ImageOptions()
        o.standardDeviation = [1, 0, 1]
        #expect { _ = try ImagePreprocessor(options: o) } throws: { "\($0)".contains("standard deviation") }
    }
}
