#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Giving mapped pages back to the system (`madvise(MADV_DONTNEED)`): a file-backed
/// mapping's pages keep their contents (in the file or the page cache) and return on the
/// next access, so a pass over a large mapping stays resident only where it works.
package enum ResidentPages {
    /// Drops the pages wholly inside bytes `range` of the mapping at `base` (`count` bytes
    /// long); partial pages at either end stay.
    package static func release(_ range: Range<Int>, of base: UnsafeRawPointer, count: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let address = Int(bitPattern: base)
        let start = (address + max(0, range.lowerBound) + page - 1) / page * page
        let end = (address + min(count, range.upperBound)) / page * page
        guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(p, end - start, MADV_DONTNEED)
    }
}
