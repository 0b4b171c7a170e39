import BioCubeCore
import Testing
import _BioCubeProcessTuning

#if canImport(Glibc)
import Glibc
#endif

@Suite struct AllocatorTuningTests {
    /// Whether a sanitizer runtime has replaced malloc (its mallopt ignores glibc's settings).
    static var sanitizerAllocator: Bool { dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil }

    @Test func glibcAcceptsTheSettings() {
        let accepted = AllocatorTuning.retainFreedMemory(upTo: 128 << 20)
        #if canImport(Glibc)
        if !Self.sanitizerAllocator { #expect(accepted, "glibc's mallopt refused M_MMAP_THRESHOLD / M_TRIM_THRESHOLD") }
        #else
        #expect(!accepted)
        #endif
        // Big blocks still allocate, fill and free correctly afterwards.
        for size in [1 << 20, 24 << 20, 40 << 20] {
            let a = [UInt8](repeating: 7, count: size)
            #expect(a.count == size && a[size - 1] == 7)
        }
    }
}
