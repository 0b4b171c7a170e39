/// Turns texts into fixed-length vectors. ``HashedTFIDFEmbedder`` needs no model download;
/// conform your own type to plug in a language model (its vectors then go wherever the
/// built-in ones do).
///
/// ```swift
/// struct MyModel: TextEmbedder {
///     let dimension = 384
///     func embed(_ text: String) throws -> [Float] { try runModel(text) }
/// }
/// ```
public protocol TextEmbedder: Sendable {
    /// The length of every vector.
    var dimension: Int { get }
    /// The vector of `text` (``dimension`` values).
    func embed(_ text: String) throws -> [Float]
}
