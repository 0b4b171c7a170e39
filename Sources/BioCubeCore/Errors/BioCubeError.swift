/// The one error type of BioCube: a stable ``Code`` to branch on, the place the problem
/// was found as fields (``file``, ``variable``, ``column``, ``step``), a message for
/// people, and for diagnosis the error it wraps (``cause``) and where in BioCube's sources it
/// was made (``location``; both shown by ``debugDescription``).
///
/// Callers decide by ``code`` (never by the message text) and read the place from the
/// fields. Context is added once, by the layer that knows it, with ``adding(file:variable:column:step:)``,
/// which never overwrites what an inner layer already set.
///
/// ```swift
/// do { _ = try CubeStore.open(at: path) }
/// catch let error as BioCubeError where error.code == .invalidMetadata {
///     print(error.file ?? "?")   // "/data/cube.zarr/zarr.json"
///     print(error)               // "invalid metadata: /data/cube.zarr/zarr.json: …"
/// }
/// ```
public struct BioCubeError: Error, Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A machine-readable code: what went wrong, for callers to branch on.
    ///
    /// One namespace for errors and for the problems scans and builds report
    /// (``Problem/Code`` is this type): the same situation has the same code whether it
    /// stops the work (an error) or is worked around (a problem), e.g. ``offGrid`` or
    /// ``conflictingSources``. The raw value is a stable kebab-case identifier (`off-grid`,
    /// the form catalogs store); the description is the words messages start with
    /// (`off the grid`).
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        /// The stable identifier (`corrupt-data`, `off-grid`, …).
        public var rawValue: String
        /// A code from its identifier.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code in words, as messages show it (`corrupt data`, `i/o error`).
        public var description: String {
            switch rawValue {
            case "io-error": "i/o error"
            case "off-grid": "off the grid"
            default: rawValue.replacingOccurrences(of: "-", with: " ")
            }
        }

        /// An argument is out of its domain (empty region, bad index, mismatched shape).
        public static let invalidArgument = Code(rawValue: "invalid-argument")
        /// A file or node that should exist does not.
        public static let notFound = Code(rawValue: "not-found")
        /// A metadata document is missing fields, malformed or inconsistent.
        public static let invalidMetadata = Code(rawValue: "invalid-metadata")
        /// Stored bytes cannot be decoded (corrupt, truncated, wrong size, bad checksum).
        public static let corruptData = Code(rawValue: "corrupt-data")
        /// A valid but unsupported feature (codec, data type, layout).
        public static let unsupported = Code(rawValue: "unsupported")
        /// The operating system refused a file operation.
        public static let io = Code(rawValue: "io-error")
        /// A path that should be a regular file is a folder, a FIFO, a socket or a device.
        public static let notAFile = Code(rawValue: "not-a-file")
        /// A node already exists where a new one was to be created.
        public static let alreadyExists = Code(rawValue: "already-exists")
        /// A remote service could not be reached or kept failing (after retries).
        public static let network = Code(rawValue: "network-error")
        /// A remote service refused the credentials or the request (401, 403).
        public static let accessDenied = Code(rawValue: "access-denied")
        /// A remote job or request failed on the service's side.
        public static let remoteFailure = Code(rawValue: "remote-failure")
        /// Several sources provide one variable for the same steps with different values,
        /// and no rule says which to use (name one with a `prefer` rule).
        public static let conflictingSources = Code(rawValue: "conflicting-sources")
        /// A source (or rows of it) not on the target grid or its 0.25° lattice: refused as an
        /// error, ignored with a problem where the rest can be used.
        public static let offGrid = Code(rawValue: "off-grid")
        /// A build was asked to go on although sources cannot be read (allow it explicitly
        /// to build without them; the store then records which were left out).
        public static let unreadableSources = Code(rawValue: "unreadable-sources")
        /// Normalisation or denormalisation asked for statistics that are not there.
        public static let missingStatistics = Code(rawValue: "missing-statistics")

        // Finer codes: each is one kind of a broad code above (its ``category``), so callers
        // can tell them apart and still branch on the broad kind.

        /// Bytes whose checksum (CRC-32C of a chunk, CRC-32 of an archive member, a download's
        /// SHA-256) does not match: damaged in storage or in transfer. Category: `corruptData`.
        public static let checksumMismatch = Code(rawValue: "checksum-mismatch")
        /// Data that ends before what it declares (a cut download, a partly written file, a
        /// compressed stream without its end). Category: `corruptData`.
        public static let truncated = Code(rawValue: "truncated")
        /// Compressed data that declares or expands to more than it can or may (a
        /// decompression bomb, a size field out of bounds); refused before anything is
        /// allocated. Category: `corruptData`.
        public static let sizeLimitExceeded = Code(rawValue: "size-limit-exceeded")
        /// A valid file in an encoding or compression method BioCube does not read (a ZIP
        /// method other than stored and deflate, a Parquet encoding). Category: `unsupported`.
        public static let unsupportedEncoding = Code(rawValue: "unsupported-encoding")

        /// The broad code this one is a kind of (itself for a broad code): `corruptData` for
        /// ``checksumMismatch``, ``truncated`` and ``sizeLimitExceeded``, `unsupported` for
        /// ``unsupportedEncoding``.
        public var category: Code {
            switch self {
            case .checksumMismatch, .truncated, .sizeLimitExceeded: .corruptData
            case .unsupportedEncoding: .unsupported
            default: self
            }
        }
    }

    /// The error category.
    public var code: Code
    /// What went wrong, for people. Older call sites also name the place here; new ones
    /// put it in the fields below.
    public var message: String
    /// The file (or store node) concerned, if known.
    public var file: String?
    /// The variable (or store array) concerned, if known.
    public var variable: String?
    /// The table column concerned, if known.
    public var column: String?
    /// The time step concerned, if known.
    public var step: String?
    /// The error this one reports, when it wraps one (an `errno` from the system, a
    /// decoder's error, a lower layer's ``BioCubeError``): for diagnosis, never for deciding.
    public var cause: (any Error)?
    /// Where in BioCube's sources the error was made.
    public var location: SourceLocation

    /// A place in the source code: the file (`#fileID`, `Module/File.swift`) and line.
    public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
        /// `Module/File.swift`.
        public var fileID: String
        /// The line in that file.
        public var line: Int
        /// A location.
        public init(fileID: String, line: Int) {
            self.fileID = fileID
            self.line = line
        }
        /// `Module/File.swift:line`.
        public var description: String { "\(fileID):\(line)" }
    }

    /// Creates an error.
    public init(
        _ code: Code,
        _ message: String,
        file: String? = nil,
        variable: String? = nil,
        column: String? = nil,
        step: String? = nil,
        cause: (any Error)? = nil,
        fileID: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.variable = variable
        self.column = column
        self.step = step
        self.cause = cause
        self.location = SourceLocation(fileID: fileID, line: line)
    }

    /// This error with the place filled in where it is still unknown: a field an inner
    /// layer already set is kept, so context is added once however many layers rethrow.
    public func adding(
        file: String? = nil,
        variable: String? = nil,
        column: String? = nil,
        step: String? = nil
    ) -> BioCubeError {
        var e = self
        if e.file == nil { e.file = file }
        if e.variable == nil { e.variable = variable }
        if e.column == nil { e.column = column }
        if e.step == nil { e.step = step }
        return e
    }

    /// `code: file: variable 'v', column 'c', step s: message`, leaving out what is unknown.
    public var description: String {
        var text = "\(code): "
        if let file { text += file + ": " }
        var place: [String] = []
        if let variable { place.append("variable '\(variable)'") }
        if let column { place.append("column '\(column)'") }
        if let step { place.append("step \(step)") }
        if !place.isEmpty { text += place.joined(separator: ", ") + ": " }
        return text + message
    }

    /// Equal when code, message and place agree; ``location`` and ``cause`` are diagnostics
    /// and take no part.
    public static func == (a: BioCubeError, b: BioCubeError) -> Bool {
        (a.code, a.message, a.file, a.variable, a.column, a.step) == (
            b.code, b.message, b.file, b.variable, b.column, b.step
        )
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(file)
        hasher.combine(variable)
        hasher.combine(column)
        hasher.combine(step)
    }

    /// ``description``, then where it was made and the chain of causes, one per line.
    public var debugDescription: String {
        var text = description + " [at \(location)]"
        var next = cause
        while let c = next {
            if let e = c as? BioCubeError {
                text += "\n  caused by: \(e.description) [at \(e.location)]"
                next = e.cause
            } else {
                text += "\n  caused by: \(String(describing: c))"
                next = nil
            }
        }
        return text
    }
}
