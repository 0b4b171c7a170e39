import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` for every index in `0..<count` on at most `threads` POSIX threads that are
/// created for this call and joined before it returns.
///
/// For code that runs inside a host process that forks (a PyTorch `DataLoader` forks its
/// workers): Swift's cooperative pool and libdispatch keep worker threads alive between
/// calls, and a child forked from a process holding them inherits a pool whose threads no
/// longer exist. Here no thread outlives the call, so a fork between two calls is safe.
/// Each thread calls `makeState` once and hands its state to `endState` when it is done (to
/// keep it for the next call: see ``ChunkReaderPool``); the first error is rethrown after
/// all threads end.
package func forkSafeForEach<State>(
    count: Int,
    threads: Int,
    makeState: @escaping @Sendable () throws -> State,
    endState: @escaping @Sendable (consuming State) -> Void = { _ in },
    _ body: @escaping @Sendable (inout State, Int) throws -> Void
) throws {
    guard count > 0 else { return }
    let job = ForkSafeJob(count: count) {
        let box = StateBox(try makeState())
        return ({ i in try body(&box.state, i) }, { endState(box.state) })
    }
    let extra = max(0, min(threads, count) - 1)
    #if canImport(Glibc)
    var started: [pthread_t] = []
    for _ in 0..<extra {
        var thread = pthread_t()
        let box = Unmanaged.passRetained(job).toOpaque()
        let status = pthread_create(
            &thread,
            nil,
            { raw in
                let job = Unmanaged<ForkSafeJob>.fromOpaque(raw!).takeRetainedValue()
                job.work()
                return nil
            },
            box
        )
        if status == 0 {
            started.append(thread)
        } else {
            Unmanaged<ForkSafeJob>.fromOpaque(box).release()
        }
    }
    job.work()
    for t in started { pthread_join(t, nil) }
    #else
    job.work()
    #endif
    if let error = job.firstError.withLock({ $0 }) { throw error }
}

/// Runs `body` for every index in `0..<count` on at most `threads` fresh POSIX threads, for
/// work that keeps no per-thread state (see ``forkSafeForEach(count:threads:makeState:endState:_:)``).
package func forkSafeForEach(
    count: Int,
    threads: Int,
    _ body: @escaping @Sendable (Int) throws -> Void
) throws {
    try forkSafeForEach(count: count, threads: threads, makeState: noWorkerState) { _, i in try body(i) }
}

/// The shared state of one ``forkSafeForEach(count:threads:makeState:_:)`` call.
private final class ForkSafeJob: Sendable {
    let count: Int
    let next = Atomic<Int>(0)
    let firstError = Mutex<(any Error)?>(nil)
    let makeWorker: @Sendable () throws -> (work: (Int) throws -> Void, end: () -> Void)

    init(count: Int, makeWorker: @escaping @Sendable () throws -> (work: (Int) throws -> Void, end: () -> Void)) {
        self.count = count
        self.makeWorker = makeWorker
    }

    /// Takes indices until none is left or a worker failed.
    func work() {
        do {
            let worker = try makeWorker()
            defer { worker.end() }
            while firstError.withLock({ $0 == nil }) {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < count else { break }
                try worker.work(i)
            }
        } catch {
            firstError.withLock { if $0 == nil { $0 = error } }
        }
    }
}

/// One thread's state, shared by its work and end closures (used by that thread only).
private final class StateBox<State> {
    var state: State
    init(_ state: State) { self.state = state }
}

/// Chunk readers (their decompression contexts and buffers) kept between calls of
/// ``forkSafeForEach(count:threads:makeState:endState:_:)``, so repeated reads of windows
/// do not allocate them anew each time.
///
/// Unchecked `Sendable`: a reader is only ever used by the one thread that took it, and the
/// list is only touched under the lock.
package final class ChunkReaderPool: @unchecked Sendable {
    private let lock = Mutex<Void>(())
    private var readers: [ReusableChunkReader] = []

    package init() {}

    /// A kept reader, or a new one.
    package func take() -> ReusableChunkReader {
        lock.withLock { _ in readers.popLast() } ?? ReusableChunkReader()
    }

    /// Keeps `reader` for a later ``take()``.
    package func give(_ reader: consuming ReusableChunkReader) {
        let r = reader
        lock.withLock { _ in readers.append(r) }
    }
}
