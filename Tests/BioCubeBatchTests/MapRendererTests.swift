import BioCubeCore
import Testing

@testable import BioCubeViewer

@Suite struct MapRendererTests {
    @Test(arguments: [1, 3, 40])
    func aMapRendersAtASensibleScale(scale: Int) throws {
        let image = try MapRenderer(scale: scale).render(BatchTransformTests.batch(), group: .surface, variable: "t2m")
        #expect(image.width > 2 * 10 * scale && image.height > 8 * scale)
    }

    /// `view --scale 100000` used to allocate the image it asked for (or overflow computing it).
    @Test(arguments: [100_000, Int.max / 2, Int.max])
    func aScaleTooLargeIsAnErrorNotAnAllocation(scale: Int) throws {
        let error = #expect(throws: BioCubeError.self) {
            try MapRenderer(scale: scale).render(BatchTransformTests.batch(), group: .surface, variable: "t2m")
        }
        #expect(error?.code == .invalidArgument)
    }
}
