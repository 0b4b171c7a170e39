import Synchronization

/// A raw pointer handed to concurrent workers that write disjoint parts of one buffer.
///
/// Only sound when the caller guarantees the workers' regions never overlap and the
/// buffer outlives the workers (both hold for the chunk readers and writers here).
package struct SharedBuffer: @unchecked Sendable {
    package let base: UnsafeMutableRawPointer
    package init(_ base: UnsafeMutableRawPointer) { self.base = base }
}

/// The default number of concurrent workers: one per active processor.
package var defaultConcurrency: Int { max(1, ProcessInfoCount.activeProcessors) }

enum ProcessInfoCount {
    static let activeProcessors: Int = {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 1
        #endif
    }()
}

/// Runs `body` for every index in `0..<count` on at most `maxConcurrency` child tasks.
///
/// Each worker first calls `makeState` once, so it can keep its own non-shareable state
/// (compression contexts, scratch buffers), then takes the next unclaimed index until none
/// is left (so uneven work items still keep every worker busy). The first error cancels
/// the remaining work and is rethrown.
package func concurrentForEach<State>(
    count: Int,
    maxConcurrency: Int,
    makeState: @escaping @Sendable () throws -> State,
    _ body: @escaping @Sendable (inout State, Int) throws -> Void
) async throws {
    let workers = max(1, min(maxConcurrency, count))
    if count == 0 { return }
    let next = IndexCounter()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<workers {
            group.addTask {
                var state = try makeState()
                while true {
                    let i = next.value.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard i < count else { break }
                    try Task.checkCancellation()
                    try body(&state, i)
                }
            }
        }
        try await group.waitForAll()
    }
}

/// Runs `body` for every index in `0..<count` on at most `maxConcurrency` child tasks, for
/// work that keeps no per-worker state (see ``concurrentForEach(count:maxConcurrency:makeState:_:)``).
package func concurrentForEach(
    count: Int,
    maxConcurrency: Int,
    _ body: @escaping @Sendable (Int) throws -> Void
) async throws {
    try await concurrentForEach(count: count, maxConcurrency: maxConcurrency, makeState: noWorkerState) { _, i in
        try body(i)
    }
}

/// The per-worker state of work that keeps none.
@Sendable package func noWorkerState() {}

#if canImport(Glibc)
import Glibc
#endif

/// The shared next-index counter of ``concurrentForEach(count:maxConcurrency:makeState:_:)``.
private final class IndexCounter: Sendable {
    let value = Atomic<Int>(0)
}
