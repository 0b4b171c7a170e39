/// An exporter whose files are `torch.save` archives (`pt`, `pt-daily`): it can hand over
/// the archive of a batch — the pickle and the storages — without writing a file, which is
/// how the training datasets give PyTorch exactly the dict `torch.load` returns for the file.
package protocol TorchArchiveExporter: BatchExporter {
    /// The archive `write(_:to:)` lays out for `batch`.
    func archive(for batch: Batch) throws -> TorchArchive
}
