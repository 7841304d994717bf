import Foundation
import Testing
import WorkerPool

@Suite struct ConcurrentlyTests {
    /// The background waits for a signal the foreground sends: run one after the other, the wait
    /// would time out.
    @Test func bothRunAtOnceAndBothResultsComeBack() {
        let signal = DispatchSemaphore(value: 0)
        let (background, foreground) = concurrently({ signal.wait(timeout: .now() + 10) == .success ? "signalled" : "timed out" },
                                                    while: { signal.signal(); return 42 })
        #expect(background == "signalled")
        #expect(foreground == 42)
    }

    /// The call returns only once the background is done, so what it wrote is there.
    @Test func theBackgroundEndsBeforeTheCallReturns() {
        let done = Flag()
        let (_, _) = concurrently({ Thread.sleep(forTimeInterval: 0.2); done.set() }, while: {})
        #expect(done.isSet)
    }
}

private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
