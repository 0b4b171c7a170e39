public import BioCubeCore

/// Two consecutive time steps of every selected variable, grouped as bfm-model reads them
/// (Documentation/Reference.md §6): the twelve `VariableGroup`s in order, each an ordered list of named
/// float32 tensors `(2, H, W)` or `(2, L, H, W)`, with the metadata describing the axes.
///
/// Batches are values: ``sliced(to:)``, ``selectingLevels(_:)``, ``cropped(toMultipleOf:)``
/// and ``normalised(with:mode:)`` return new batches.
public struct Batch: Sendable {
    /// The axes of a batch.
    public struct Metadata: Sendable, Hashable {
        /// Latitudes of the rows (the store's order; ascending for `.europe025`).
        public var latitudes: [Double]
        /// Longitudes of the columns.
        public var longitudes: [Double]
        /// The two time steps.
        public var timestamps: [UTCDateTime]
        /// Pressure levels (hPa) of the `(2, L, H, W)` tensors, in their level order; nil when none.
        public var pressureLevels: [Double]?
        /// Species keys of `species_variables`, in order; nil when none.
        public var speciesList: [String]?

        /// Creates metadata.
        public init(
            latitudes: [Double],
            longitudes: [Double],
            timestamps: [UTCDateTime],
            pressureLevels: [Double]? = nil,
            speciesList: [String]? = nil
        ) {
            self.latitudes = latitudes
            self.longitudes = longitudes
            self.timestamps = timestamps
            self.pressureLevels = pressureLevels
            self.speciesList = speciesList
        }

        /// Timestamps as bfm-model expects them: `"YYYY-MM-DD HH:MM:SS"`.
        public var timestampStrings: [String] { timestamps.map(\.description) }
    }

    /// A named tensor of a group.
    public struct Variable: Sendable {
        /// The variable name (`t2m`, a species key).
        public var name: String
        /// `(2, H, W)` or `(2, L, H, W)`.
        public var tensor: Tensor

        /// Creates a named tensor.
        public init(name: String, tensor: Tensor) {
            self.name = name
            self.tensor = tensor
        }
    }

    /// The axes (read-only: they must match the tensors' extents).
    public private(set) var metadata: Metadata
    /// Per group (always the twelve published ones, in order, then `species_media` when it
    /// holds variables), the variables in order.
    public private(set) var groups: [(group: VariableGroup, variables: [Variable])]

    /// Creates a batch; groups not given are empty. Every tensor must be `(2, H, W)` or
    /// `(2, L, H, W)` with `H`, `W` (and `L`) matching the metadata.
    public init(metadata: Metadata, groups given: [VariableGroup: [Variable]]) throws {
        self.metadata = metadata
        groups = Set(VariableGroup.builtIn).union(given.keys).sorted().compactMap { g in
            let v = given[g] ?? []
            return g.isPublished || !v.isEmpty ? (g, v) : nil
        }
        try validate()
    }

    /// The variables of one group, in order.
    public subscript(group: VariableGroup) -> [Variable] {
        groups.first { $0.group == group }?.variables ?? []
    }

    /// One variable's tensor, if present.
    public func tensor(_ group: VariableGroup, _ name: String) -> Tensor? {
        self[group].first { $0.name == name }?.tensor
    }

    /// Every variable with its group, in export order.
    public var allVariables: [(group: VariableGroup, variable: Variable)] {
        groups.flatMap { g in g.variables.map { (g.group, $0) } }
    }

    /// Checks shapes against the metadata.
    func validate() throws {
        let h = metadata.latitudes.count
        let w = metadata.longitudes.count
        guard metadata.timestamps.count == 2 else {
            throw BioCubeError(.invalidArgument, "a batch has two timestamps, got \(metadata.timestamps.count)")
        }
        for (g, v) in allVariables {
            let s = v.tensor.shape
            let ok: Bool
            switch s.count {
            case 3: ok = s == [2, h, w]
            case 4: ok = s[0] == 2 && s[2] == h && s[3] == w && s[1] == (metadata.pressureLevels?.count ?? -1)
            default: ok = false
            }
            guard ok else {
                throw BioCubeError(
                    .invalidArgument,
                    "\(g.rawValue)/\(v.name): shape \(s) does not match the batch (2, \(metadata.pressureLevels.map { "\($0.count), " } ?? "")\(h), \(w))"
                )
            }
        }
    }

    /// Applies `transform` to every tensor (with its group and name) and replaces the metadata.
    func mapping(metadata: Metadata, _ transform: (VariableGroup, String, Tensor) throws -> Tensor) throws -> Batch {
        var out = self
        out.metadata = metadata
        out.groups = try groups.map { g in
            (
                g.group,
                try g.variables.map { Variable(name: $0.name, tensor: try transform(g.group, $0.name, $0.tensor)) }
            )
        }
        try out.validate()
        return out
    }
}
