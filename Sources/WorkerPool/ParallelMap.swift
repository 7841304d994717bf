import Foundation

/// Maps `0..<count` through `transform` on `threads` threads and returns the results in index order,
/// so the output never depends on the thread count. Items are handed out one at a time, which keeps
/// the threads busy when items differ in size (documents do).
public func parallelMap<T: Sendable>(_ count: Int, threads: Int, _ transform: @escaping @Sendable (Int) -> T) -> [T] {
    if threads <= 1 || count <= 1 { return (0..<count).map(transform) }
    let state = ParallelMapState<T>(count: count)
    let group = DispatchGroup()
    for _ in 0..<min(threads, count) {
        group.enter()
        let thread = Thread {
            while let index = state.claim() {
                state.store(transform(index), at: index)
            }
            group.leave()
        }
        thread.stackSize = 16 << 20
        thread.start()
    }
    group.wait()
    return state.results()
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
