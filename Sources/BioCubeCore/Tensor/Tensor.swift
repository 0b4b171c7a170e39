/// A dense float32 array: a shape and contiguous row-major storage, time first.
///
/// A batch variable is `(2, H, W)` or `(2, L, H, W)`.
public struct Tensor: Sendable {
    /// The extent of each dimension.
    public let shape: [Int]
    /// The values, row-major (the last dimension varies fastest). Read-only: the count
    /// always equals the product of ``shape``; change values with
    /// ``withUnsafeMutableBufferPointer(_:)``.
    public private(set) var storage: [Float]

    /// Creates a tensor, checking that `storage` holds exactly the product of `shape`.
    public init(shape: [Int], storage: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw BioCubeError(.invalidArgument, "tensor shape \(shape) has a negative extent")
        }
        let n = shape.reduce(1, *)
        guard n == storage.count else {
            throw BioCubeError(.invalidArgument, "tensor shape \(shape) needs \(n) values, got \(storage.count)")
        }
        self.shape = shape
        self.storage = storage
    }

    /// Creates a tensor filled with `value`.
    public init(shape: [Int], repeating value: Float) {
        self.shape = shape
        self.storage = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// The number of elements.
    public var count: Int { storage.count }

    /// Calls `body` with the values to change in place (their number cannot change).
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// Row-major strides, in elements.
    package var strides: [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { s[d] = s[d + 1] * shape[d + 1] }
        return s
    }

    /// The element at a multi-dimensional index (one index per dimension).
    public subscript(index: Int...) -> Float {
        get { storage[offset(index)] }
        set { storage[offset(index)] = newValue }
    }

    private func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "Tensor: \(index.count) indices for \(shape.count) dimensions")
        var o = 0
        for (i, s) in zip(index, strides) { o += i * s }
        return o
    }

    /// True when shapes match and every element has the same bits (NaN equals NaN).
    public func isBitwiseEqual(to other: Tensor) -> Bool {
        shape == other.shape
            && storage.withUnsafeBytes { a in other.storage.withUnsafeBytes { b in a.elementsEqual(b) } }
    }
}
