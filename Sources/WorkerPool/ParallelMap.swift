import Foundation

/// The most threads a command accepts: far more than any machine's cores, few enough to start.
public let maximumThreads = 256

/// Maps `0..<count` through `transform` on `threads` threads and returns the results in index order,
/// so the output never depends on the thread count. Items are handed out one at a time, which keeps
/// the threads busy when items differ in size (documents do). The calling thread works too, so a
/// thread the system refuses to start (a process limit) slows the map down but never hangs it.
public func parallelMap<T: Sendable>(_ count: Int, threads: Int, _ transform: @escaping @Sendable (Int) -> T) -> [T] {
    parallelMap(count, threads: threads, scratch: {}) { _, index in transform(index) }
}

/// `parallelMap` for a transform that needs scratch space (buffers worth keeping warm): each thread
/// makes its own with `makeScratch`, once, and hands it to every item it maps.
public func parallelMap<Scratch, T: Sendable>(_ count: Int, threads: Int, scratch makeScratch: @escaping @Sendable () -> Scratch,
                                             _ transform: @escaping @Sendable (Scratch, Int) -> T) -> [T] {
    if threads <= 1 || count <= 1 {
        let scratch = makeScratch()
        return (0..<count).map { transform(scratch, $0) }
    }
    let state = ParallelMapState<T>(count: count)
    let work: @Sendable () -> Void = {
        let scratch = makeScratch()
        while let index = state.claim() { state.store(transform(scratch, index), at: index) }
    }
    var started: [pthread_t] = []
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setstacksize(&attributes, 16 << 20)
    for _ in 1..<min(threads, count) {
        let box = Unmanaged.passRetained(WorkBox(work)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, { raw in
            Unmanaged<WorkBox>.fromOpaque(raw!).takeRetainedValue().work()
            return nil
        }, box)
        if result == 0 {
            started.append(thread)
        } else {
            Unmanaged<WorkBox>.fromOpaque(box).release()
            break
        }
    }
    pthread_attr_destroy(&attributes)
    work()
    for thread in started { pthread_join(thread, nil) }
    return state.results()
}

private final class WorkBox {
    let work: @Sendable () -> Void
    init(_ work: @escaping @Sendable () -> Void) { self.work = work }
}

private final class ParallelMapState<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private let count: Int
    private var next = 0
    private var slots: [T?]

    init(count: Int) {
        self.count = count
        self.slots = Array(repeating: nil, count: count)
    }

    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }

    func store(_ value: T, at index: Int) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    func results() -> [T] { slots.map { $0! } }
}
