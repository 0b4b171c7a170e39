import Testing
@testable import BioCubeCore

@Test func europeGridMatchesReference() {
    #expect(Grid.europe025.height == 161)
    #expect(Grid.europe025.width == 281)
}
