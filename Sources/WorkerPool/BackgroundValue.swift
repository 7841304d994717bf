import Dispatch

/// A value computed on another thread while the caller goes on with other work; `value` waits for it.
public final class BackgroundValue<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchGroup()
    /// Written once on the other thread before `done` is left, read only after waiting on it.
    private var result: Value?

    public init(_ compute: @escaping @Sendable () -> Value) {
        done.enter()
        DispatchQueue.global().async { [self] in
            result = compute()
            done.leave()
        }
    }

    public var value: Value {
        done.wait()
        return result!
    }
}
