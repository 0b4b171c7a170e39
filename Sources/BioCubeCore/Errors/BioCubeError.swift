/// The one error type of BioCube: a stable ``Code`` plus a message that names the
/// file, array, variable or column concerned.
///
/// ```swift
/// do { _ = try CubeStore.open(at: url) }
/// catch let error as BioCubeError where error.code == .invalidMetadata {
///     print(error)   // "invalid metadata: /data/cube.zarr/zarr.json: …"
/// }
/// ```
public struct BioCubeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A machine-readable error category.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// An argument is out of its domain (empty region, bad index, mismatched shape).
        public static let invalidArgument = Code(rawValue: "invalid argument")
        /// A file or node that should exist does not.
        public static let notFound = Code(rawValue: "not found")
        /// A metadata document is missing fields, malformed or inconsistent.
        public static let invalidMetadata = Code(rawValue: "invalid metadata")
        /// Stored bytes cannot be decoded (corrupt, truncated, wrong size, bad checksum).
        public static let corruptData = Code(rawValue: "corrupt data")
        /// A valid but unsupported feature (codec, data type, layout).
        public static let unsupported = Code(rawValue: "unsupported")
        /// The operating system refused a file operation.
        public static let io = Code(rawValue: "i/o error")
        /// A node already exists where a new one was to be created.
        public static let alreadyExists = Code(rawValue: "already exists")
        /// A remote service could not be reached or kept failing (after retries).
        public static let network = Code(rawValue: "network error")
        /// A remote service refused the credentials or the request (401, 403).
        public static let accessDenied = Code(rawValue: "access denied")
        /// A remote job or request failed on the service's side.
        public static let remoteFailure = Code(rawValue: "remote failure")
    }

    /// The error category.
    public var code: Code
    /// A human-readable explanation naming the file/array/variable and the problem.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
