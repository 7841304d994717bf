import Foundation

/// Starts `work` on a thread of its own, with the 16 MB stack the map's threads have always had, or
/// returns nil when the system refuses to start one (a process limit). Join it to wait for it.
func startThread(_ work: @escaping @Sendable () -> Void) -> pthread_t? {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setstacksize(&attributes, 16 << 20)
    let box = Unmanaged.passRetained(WorkBox(work)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, &attributes, { raw in
        Unmanaged<WorkBox>.fromOpaque(raw!).takeRetainedValue().work()
        return nil
    }, box)
    guard result == 0 else {
        Unmanaged<WorkBox>.fromOpaque(box).release()
        return nil
    }
    return thread
}

private final class WorkBox {
    let work: @Sendable () -> Void
    init(_ work: @escaping @Sendable () -> Void) { self.work = work }
}
