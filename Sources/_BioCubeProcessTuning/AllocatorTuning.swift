#if canImport(Glibc)
internal import CGlibc
import Glibc
#endif

/// Process-wide tuning of the C allocator for BioCube's access pattern: columns and planes
/// of several megabytes allocated, filled and freed over and over.
///
/// glibc's `malloc` serves blocks above its mmap threshold with fresh `mmap`s and returns
/// freed memory at the top of the heap to the kernel once it exceeds the trim threshold, so
/// every new column of a Parquet row group pays for zeroed pages again — on this workload
/// more time than the decoding itself. ``retainFreedMemory(upTo:)`` keeps such blocks on
/// the heap for reuse, as the jemalloc pool behind pyarrow does.
///
/// No library call applies it, and no library target can: it lives in this underscored
/// target, which only executables depend on (a library must not change its host process's
/// allocator).
/// The `biocube` command line opts in at start (``applyOnce()``), as do the benchmarks;
/// setting `BIOCUBE_DEFAULT_ALLOCATOR=1` in the environment keeps glibc's defaults there.
package enum AllocatorTuning {
    /// Whether the tuning is in effect (false when opted out or not on glibc).
    package static func applyOnce() -> Bool { applied }

    private static let applied: Bool = {
        if let value = getenv("BIOCUBE_DEFAULT_ALLOCATOR"), String(cString: value) == "1" { return false }
        return retainFreedMemory()
    }()

    /// Serves blocks of up to 32 MiB from the heap and keeps up to `bytes` of freed memory
    /// there instead of returning it to the kernel. Returns whether the allocator accepted
    /// the settings (false on platforms without glibc's `mallopt`).
    @discardableResult
    package static func retainFreedMemory(upTo bytes: Int = 128 << 20) -> Bool {
        #if canImport(Glibc)
        let mmapThreshold = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        let trimThreshold = mallopt(M_TRIM_THRESHOLD, Int32(clamping: bytes))
        return mmapThreshold == 1 && trimThreshold == 1
        #else
        return false
        #endif
    }
}
