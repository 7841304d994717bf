import Foundation

/// Threads for the element-wise loops between matrix products (GELU, LayerNorm, softmax); the
/// matrix products themselves use OpenBLAS's threads. Set with `setMatrixThreads`.
nonisolated(unsafe) var elementwiseThreads = 1

/// Splits `0..<count` into one contiguous part per thread and runs `body` on each part concurrently.
/// Parts are fixed by the count and the thread number, so results do not depend on scheduling.
@inline(__always)
func parallelRows(_ count: Int, _ body: (Range<Int>) -> Void) {
    let parts = min(elementwiseThreads, count)
    if parts <= 1 || count < 64 {
        body(0..<count)
        return
    }
    // The parts write disjoint rows through raw pointers, which Sendable checking cannot see.
    nonisolated(unsafe) let work = body
    DispatchQueue.concurrentPerform(iterations: parts) { part in
        work((part * count / parts)..<((part + 1) * count / parts))
    }
}
