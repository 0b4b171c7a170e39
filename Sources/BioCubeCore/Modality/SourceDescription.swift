/// What a scan learnt about one source file: its kind, the variables it provides with the
/// steps each covers, and its extent. Catalogs list one per file (as JSON).
public struct SourceDescription: Codable, Sendable {
    /// One variable a source provides, with the steps it has values for.
    public struct Variable: Codable, Sendable, Hashable {
        /// Name, groups, levels and units.
        public var descriptor: VariableDescriptor
        /// The first and last step with a value (nil when unknown or none).
        public var first: UTCDateTime?, last: UTCDateTime?

        /// Creates a variable entry.
        public init(descriptor: VariableDescriptor, first: UTCDateTime?, last: UTCDateTime?) {
            self.descriptor = descriptor
            self.first = first
            self.last = last
        }

        /// Whether the variable is time-invariant (no span: one field for every step).
        public var isInvariant: Bool { first == nil && last == nil }
    }

    /// Path relative to the scanned root.
    public var path: String
    /// The modality source that reads it.
    public var kind: SourceKind
    /// Size in bytes and modification time (seconds since 1970): a changed source is
    /// detected by these.
    public var size: Int64, modified: Double
    /// The variables it provides.
    public var variables: [Variable]
    /// Number of time steps (ERA5 slices, indicator time columns, species months).
    public var stepCount: Int
    /// Latitude and longitude extent `[min, max]` and grid spacing, where known.
    public var latitudeRange: [Double]?, longitudeRange: [Double]?, spacing: Double?
    /// Whether the source's cells sit on the target grid's lattice.
    public var onTargetLattice: Bool?

    /// A description of the file at `path` (relative) of `kind`; the rest is filled by
    /// the ``ModalitySource`` that opens it.
    public init(
        path: String,
        kind: SourceKind,
        size: Int64 = 0,
        modified: Double = 0,
        variables: [Variable] = [],
        stepCount: Int = 0,
        latitudeRange: [Double]? = nil,
        longitudeRange: [Double]? = nil,
        spacing: Double? = nil,
        onTargetLattice: Bool? = nil
    ) {
        self.path = path
        self.kind = kind
        self.size = size
        self.modified = modified
        self.variables = variables
        self.stepCount = stepCount
        self.latitudeRange = latitudeRange
        self.longitudeRange = longitudeRange
        self.spacing = spacing
        self.onTargetLattice = onTargetLattice
    }
}
