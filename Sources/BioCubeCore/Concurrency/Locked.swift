#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a `pthread_mutex_t`, like swift-nio's `NIOLockedValueBox`.
///
/// Used instead of `Synchronization.Mutex`, which on Linux waits on a bare futex that
/// ThreadSanitizer cannot see: every access through it is reported as a race, hiding real
/// ones (`make test-sanitizers`). A pthread mutex is intercepted, so TSan knows what it orders.
package final class Locked<Value>: @unchecked Sendable {
    // Safety: `value` is only touched while `mutex` is held. Both live outside the object, so
    // the only accesses are the guarded ones (TSan then checks them against the mutex).
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let value: UnsafeMutablePointer<Value>

    /// A lock guarding `value`.
    package init(_ value: Value) {
        self.value = .allocate(capacity: 1)
        self.value.initialize(to: value)
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed (\(status))")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        value.deinitialize(count: 1)
        value.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    package func withLock<R, E: Error>(_ body: (inout sending Value) throws(E) -> sending R) throws(E) -> sending R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}
