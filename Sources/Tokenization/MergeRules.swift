import Dispatch
import Synchronization

/// A model's merge table: the one its file lists, or one derived from a rank file's vocabulary. A
/// rank file lists no merges, and deriving them costs more than the rest of loading it, so the table
/// is derived on another core while the process goes on; until it is ready, encoding merges as
/// tiktoken does, by looking up each pair's concatenation (`ConcatenatedPairs`), and never waits.
final class MergeRules: Sendable {
    private let state: Mutex<MergeTable?>
    /// Set once the table is there. A lock that is merely busy (another thread reading the table)
    /// must not pass for a table still being derived: only a rank file's merges may be looked up
    /// by concatenation.
    private let ready: Atomic<Bool>
    private let derive: @Sendable () -> MergeTable

    init(_ table: MergeTable) {
        state = Mutex(table)
        ready = Atomic(true)
        derive = { table }
    }

    /// For rank files only: until `derive` is done, `tableIfReady` is nil and pairs merge by
    /// concatenation.
    init(deriving derive: @escaping @Sendable () -> MergeTable) {
        state = Mutex(nil)
        ready = Atomic(false)
        self.derive = derive
        DispatchQueue.global().async { [self] in _ = table }
    }

    /// The table, or nil while it is being derived.
    var tableIfReady: MergeTable? {
        ready.load(ordering: .acquiring) ? table : nil
    }

    /// The table; the first caller derives it while any others wait.
    var table: MergeTable {
        state.withLock { table in
            if let table { return table }
            let derived = derive()
            table = derived
            ready.store(true, ordering: .releasing)
            return derived
        }
    }
}
