import Synchronization

/// The durable steps of every writer (a temporary file written, a file renamed into place),
/// as an observation point for crash tests.
///
/// Every durable step calls ``reached()``. Nothing happens there unless an executable has
/// installed an observer with ``observe(_:)``, which only debug builds allow: the `biocube`
/// command line does so through `CrashTesting` in the underscored `_BioCubeProcessTuning`
/// target, which kills the process at a chosen step. No library call installs one, so a
/// library never changes what its host process does at these points. Release builds compile
/// ``reached()`` to nothing.
package enum CrashPoint {
    #if DEBUG
    private static let observer = Mutex<(@Sendable () -> Void)?>(nil)
    private static let observed = Atomic<Bool>(false)
    #endif

    /// Installs the function called at every durable step (debug builds only; release builds
    /// ignore it). Replaces any earlier observer.
    package static func observe(_ function: @escaping @Sendable () -> Void) {
        #if DEBUG
        observer.withLock { $0 = function }
        observed.store(true, ordering: .releasing)
        #endif
    }

    /// One durable step; see the type's documentation.
    @inline(__always)
    package static func reached() {
        #if DEBUG
        guard observed.load(ordering: .acquiring) else { return }
        observer.withLock { $0 }?()
        #endif
    }
}
