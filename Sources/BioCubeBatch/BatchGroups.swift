import BioCubeCore

/// The group keys of a batch file in the order bfm-model reads them (REFERENCE §6): all
/// twelve are always present, possibly empty.
public let batchGroupKeys: [String] = VariableGroup.allCases.map(\.rawValue)
