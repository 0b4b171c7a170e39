#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Memory for a large array worked on a part at a time: heap memory when it is small,
/// else a shared mapping of a ``ScratchFile``, whose pages ``release(_:)`` gives back to
/// the system (their contents stay in the file and return on the next access). A table
/// read whole but used a column per step then costs resident memory for the columns in
/// use, not for the whole span.
package final class SpillableBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    // Safety: the owner coordinates writes (disjoint parts) and reads; the buffer itself
    // is fixed at init.
    /// The elements (uninitialised at first).
    package let buffer: UnsafeMutableBufferPointer<Element>
    private let file: ScratchFile?
    private let bytes: Int

    /// Room for `count` elements; on a scratch file when that is more than `limit` bytes.
    package init(count: Int, spillAbove limit: Int, purpose: String) throws {
        bytes = max(1, count) * MemoryLayout<Element>.stride
        if bytes > limit {
            let f = try ScratchFile(purpose: purpose)
            let raw = try f.mapShared(bytes: bytes)
            file = f
            buffer = UnsafeMutableBufferPointer(start: raw.bindMemory(to: Element.self, capacity: count), count: count)
        } else {
            file = nil
            buffer = UnsafeMutableBufferPointer(
                rebasing: UnsafeMutableBufferPointer<Element>.allocate(capacity: max(1, count))[0..<count]
            )
        }
    }

    /// Whether the elements live in a scratch file.
    package var spilled: Bool { file != nil }

    /// Gives back the resident pages wholly inside elements `range` (nothing for heap memory).
    package func release(_ range: Range<Int>) {
        guard file != nil, let base = buffer.baseAddress else { return }
        let stride = MemoryLayout<Element>.stride
        ResidentPages.release(
            (range.lowerBound * stride)..<(range.upperBound * stride),
            of: base,
            count: buffer.count * stride
        )
    }

    /// Gives back every resident page.
    package func releaseAll() { release(0..<buffer.count) }

    deinit {
        guard let base = buffer.baseAddress else { return }
        if file != nil {
            munmap(UnsafeMutableRawPointer(base), bytes)
        } else {
            UnsafeMutableBufferPointer(start: base, count: max(1, buffer.count)).deallocate()
        }
    }
}
