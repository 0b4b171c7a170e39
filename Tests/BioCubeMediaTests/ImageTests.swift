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
        filter: ImageOptions.Filter,
        fit: ImageOptions.Fit,
        size: Int,
        expectedFile: String
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

@Suite("Images: the torchvision preset's geometry and Pillow's pass order")
struct TorchvisionPresetTests {
    /// torchvision's Resize(S) keeps `int(S · long / short)` and CenterCrop rounds half to even:
    /// for (w − h) mod 4 = 3 a floor-based offset would be one pixel off (227 × 224: 2, not 1).
    @Test(arguments: [
        (400, 300, 224, 298, 224, 37, 0), (300, 400, 224, 224, 298, 0, 37), (227, 224, 224, 227, 224, 2, 0),
        (99, 300, 64, 64, 193, 0, 64), (37, 41, 19, 19, 21, 0, 1),
    ])
    func geometryFollowsTorchvision(
        w: Int,
        h: Int,
        size: Int,
        resizedWidth: Int,
        resizedHeight: Int,
        left: Int,
        top: Int
    ) throws {
        let p = try ImagePreprocessor(options: ImageOptions(preset: .torchvision, size: size))
        let g = p.geometry(width: w, height: h)
        #expect((g.resizedWidth, g.resizedHeight, g.left, g.top) == (resizedWidth, resizedHeight, left, top))
    }

    /// Pillow 13 runs the vertical pass first when the height shrinks by more than twice as
    /// many pixels as the width (measured against Pillow over 591 random sizes, 0 misses).
    @Test func verticalFirstRule() {
        #expect(PillowResize.verticalFirst(width: 99, height: 300, outputWidth: 64, outputHeight: 193))
        #expect(!PillowResize.verticalFirst(width: 300, height: 400, outputWidth: 224, outputHeight: 298))
        #expect(!PillowResize.verticalFirst(width: 359, height: 73, outputWidth: 344, outputHeight: 43))
        #expect(!PillowResize.verticalFirst(width: 79, height: 146, outputWidth: 284, outputHeight: 267))
    }

    /// The 8-bit path is exact on flat colours and keeps values inside 0…255 where a float
    /// Lanczos would overshoot.
    @Test func pillowPathClipsAndKeepsFlatColours() throws {
        var pixels = [UInt8](repeating: 0, count: 40 * 30 * 3)
        for y in 0..<30 { for x in 20..<40 { for c in 0..<3 { pixels[(y * 40 + x) * 3 + c] = 255 } } }
        let image = try RGBImage(width: 40, height: 30, pixels: pixels)
        var o = ImageOptions(preset: .torchvision, size: 12)
        o.filter = .lanczos3
        o.mean = [0, 0, 0]
        o.standardDeviation = [1, 1, 1]
        let t = try ImagePreprocessor(options: o).tensor(of: image)
        #expect(t.storage.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(t.storage.contains(0) && t.storage.contains(1))
        #expect(throws: BioCubeError.self) {
            var bad = ImageOptions(preset: .torchvision, size: 8)
            bad.filter = .area
            _ = try ImagePreprocessor(options: bad)
        }
    }
}

@Suite("Media options as JSON")
struct MediaOptionsJSONTests {
    /// The JSON of the defaults has exactly the keys of the first release (a species dataset's
    /// settings identity, built from it, must not change), and round-trips with the additions.
    @Test func defaultsKeepTheFirstReleasesKeysAndAdditionsRoundTrip() throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let image = String(decoding: try e.encode(ImageOptions()), as: UTF8.self)
        #expect(
            image
                == #"{"filter":"area","fit":"centre-crop","mean":[0.485,0.456,0.406],"size":64,"standardDeviation":[0.229,0.224,0.225]}"#
        )
        let audio = String(decoding: try e.encode(AudioFeatureOptions()), as: UTF8.self)
        #expect(
            audio
                == #"{"fftSize":400,"hopLength":160,"melBands":64,"mfccCount":20,"minimumFrequency":0,"sampleRate":16000,"topDecibels":80}"#
        )
        var i = ImageOptions(preset: .torchvision, size: 224)
        i.jpegDraft = true
        #expect(try JSONDecoder().decode(ImageOptions.self, from: try e.encode(i)) == i)
        var a = AudioFeatureOptions(preset: .librosa)
        a.topDecibels = nil
        #expect(try JSONDecoder().decode(AudioFeatureOptions.self, from: try e.encode(a)) == a)
    }
}
