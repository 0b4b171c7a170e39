import Testing

@testable import BioCubeCore

@Suite struct TensorTests {
    @Test func shapeMustMatchStorage() {
        #expect(throws: BioCubeError.self) { try Tensor(shape: [2, 3], storage: [1, 2, 3]) }
        #expect(throws: BioCubeError.self) { try Tensor(shape: [-1, 3], storage: []) }
    }

    @Test func rowMajorIndexing() throws {
        var t = try Tensor(shape: [2, 3, 4], storage: (0..<24).map(Float.init))
        #expect(t.strides == [12, 4, 1])
        #expect(t[1, 2, 3] == 23)
        #expect(t[0, 1, 0] == 4)
        t[1, 0, 0] = -1
        #expect(t.storage[12] == -1)
    }

    @Test func bitwiseEqualityTreatsNaNAsEqual() throws {
        let a = try Tensor(shape: [2], storage: [.nan, 1])
        #expect(a.isBitwiseEqual(to: a))
        #expect(!a.isBitwiseEqual(to: try Tensor(shape: [2], storage: [.nan, 2])))
        #expect(!a.isBitwiseEqual(to: try Tensor(shape: [1, 2], storage: [.nan, 1])))
    }
}

@Suite struct CartesianIndicesTests {
    @Test func rowMajorOverEveryRange() {
        #expect(Array(CartesianIndices([0..<2, 3..<5])) == [[0, 3], [0, 4], [1, 3], [1, 4]])
        #expect(Array(CartesianIndices([2..<3])) == [[2]])
        #expect(Array(CartesianIndices([0..<2, 0..<2, 0..<2])).count == 8)
    }

    @Test func anEmptyRangeGivesNothing() {
        #expect(Array(CartesianIndices([0..<2, 5..<5])).isEmpty)
        #expect(Array(CartesianIndices([0..<0])).isEmpty)
    }
}
