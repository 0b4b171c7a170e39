/// A variable a modality can provide: its name, batch group(s), levels and units.
public struct VariableDescriptor: Hashable, Sendable, Codable {
    /// The variable's short name (`t2m`, `Forest`, a species key).
    public var name: String
    /// The batch groups it is exported in (`t2m` belongs to two).
    public var groups: [VariableGroup]
    /// Pressure levels in hPa for `(L, H, W)` variables; `nil` for single-level variables.
    public var levels: [Double]?
    /// Physical units, when known.
    public var units: String?
    /// A human-readable name, when known.
    public var longName: String?

    /// Creates a descriptor.
    public init(
        name: String,
        groups: [VariableGroup],
        levels: [Double]? = nil,
        units: String? = nil,
        longName: String? = nil
    ) {
        self.name = name
        self.groups = groups
        self.levels = levels
        self.units = units
        self.longName = longName
    }
}

/// One kind of source (ERA5 NetCDF, indicator CSVs, species Parquet) that can place its
/// variables onto a ``Grid`` at a time step. Modalities meet only through this protocol.
public protocol Modality: Sendable {
    /// A short name for reports (`era5`, `indicators`, `species`).
    var name: String { get }
    /// The variables this modality provides.
    func variables() throws -> [VariableDescriptor]
    /// The variable at one time step on `grid`: `(H, W)` or `(L, H, W)`; cells without a
    /// value are NaN.
    func read(_ variable: VariableDescriptor, at step: UTCDateTime, onto grid: Grid) throws -> Tensor
    /// How many consecutive steps of `variable` are best read together, one after another:
    /// a source whose storage chunks span several steps reads each chunk once when a
    /// builder walks a block of this many steps for the variable before the next variable.
    /// The default, 1, means steps are independent.
    func preferredStepBlock(for variable: VariableDescriptor) -> Int
    /// Starts reading, in the background, what reading `variable` at `steps` will need (a
    /// builder calls it one block of steps ahead, so cold files are read while the current
    /// block is decoded). Best effort; the default does nothing.
    func prefetch(_ variable: VariableDescriptor, at steps: [UTCDateTime])
    /// The exact instants `variable` has values at, when the source knows them (ERA5:
    /// its files' time stamps); nil means every step of the cadence in its span. Two
    /// sources of one variable are compared at these instants.
    func timeStamps(of variable: VariableDescriptor) -> [UTCDateTime]?
    /// Root attributes a build records in the store for these stored variables (species:
    /// `species_taxonomy`, the rank labels daily batches carry). Objects from several
    /// sources under one key are merged, the first source winning per entry.
    func storeAttributes(for variables: [VariableDescriptor]) throws -> [String: JSONValue]
}

extension Modality {
    /// Steps are independent: 1.
    public func preferredStepBlock(for variable: VariableDescriptor) -> Int { 1 }
    /// Nothing to read ahead (tables read at open).
    public func prefetch(_ variable: VariableDescriptor, at steps: [UTCDateTime]) {}
    /// Unknown: every step of the span.
    public func timeStamps(of variable: VariableDescriptor) -> [UTCDateTime]? { nil }
    /// Nothing to record.
    public func storeAttributes(for variables: [VariableDescriptor]) throws -> [String: JSONValue] { [:] }
}
