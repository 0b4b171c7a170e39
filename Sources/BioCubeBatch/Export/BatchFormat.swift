/// The batch file formats by the names `biocube batches --format` takes; see
/// ``BatchExport/init(storePath:format:directory:start:end:region:changes:missing:maxConcurrency:)``
/// for what each one implies.
public enum BatchFormat: String, Sendable, CaseIterable {
    /// bfm-model's monthly `.pt` files (``TorchExporter``).
    case pt
    /// The original 6-hourly `.pt` contract (``DailyTorchExporter``).
    case ptDaily = "pt-daily"
    /// safetensors files (``SafetensorsExporter``).
    case safetensors
    /// A Zarr store slice per window (``StoreSliceExporter``).
    case zarr
}
