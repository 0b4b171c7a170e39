public import BioCubeCore
import Foundation

/// One generated fixture folder under `Tests/Fixtures` (written by `make fixtures` from the
/// committed scripts; a `.complete` marker says the generator finished).
///
/// A missing fixture is an error that fails the test, never a skip.
public struct FixtureSet: Sendable {
    /// The folder's absolute path.
    public let root: String
    /// What a missing set's error tells the reader to run.
    public let name: String

    /// The set `Tests/Fixtures/<folder>`.
    public init(_ folder: String, filePath: String = #filePath) {
        // This file is Tests/Support/FixtureSet.swift: Tests is two levels up.
        let tests = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
        root = tests.appendingPathComponent("Fixtures/" + folder).path
        name = folder
    }

    /// Whether the generator has finished writing the set.
    public var isComplete: Bool { FileManager.default.fileExists(atPath: root + "/.complete") }

    /// The path of a fixture.
    ///
    /// - Throws: `BioCubeError` (`notFound`) naming the path when the set was not generated.
    public func path(_ relative: String) throws(BioCubeError) -> String {
        let p = root + "/" + relative
        guard isComplete else {
            throw BioCubeError(
                .notFound,
                "the \(name) fixtures are missing: run `make fixtures` (or `make test`) first",
                file: p
            )
        }
        return p
    }

    /// A file of little-endian float32 values (the generators' expected results).
    public func floats(_ relative: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: try path(relative)))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}
