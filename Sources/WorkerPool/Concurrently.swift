import Foundation

/// Runs `background` on a thread of its own while the calling thread runs `foreground`, and returns
/// both results once both are done, so that neither outlives the call. When the system refuses a
/// thread, `background` runs first on the calling thread.
public func concurrently<Background: Sendable, Foreground>(_ background: @escaping @Sendable () -> Background,
                                                         while foreground: () -> Foreground) -> (Background, Foreground) {
    let result = ResultBox<Background>()
    guard let thread = startThread({ result.value = background() }) else { return (background(), foreground()) }
    let foregroundResult = foreground()
    pthread_join(thread, nil)
    return (result.value!, foregroundResult)
}

/// Written by the background thread before it ends and read after it is joined, which orders the two.
private final class ResultBox<Value>: @unchecked Sendable {
    var value: Value?
}
