import Dispatch
import Synchronization

/// A model's merge table: the one its file lists, or one derived from a rank file's vocabulary. A
/// rank file lists no merges, and deriving them costs more than the rest of loading it, so the table
/// is derived on another core while the process goes on; until it is ready, encoding merges as
/// tiktoken does, by looking up each pair's concatenation (`ConcatenatedPairs`), and never waits.
final class MergeRules: Sendable {
    private let state: Mutex<MergeTable?>
    private let derive: @Sendable () -> MergeTable

    init(_ table: MergeTable) {
        state = Mutex(table)
        derive = { table }
    }

    init(deriving derive: @escaping @Sendable () -> MergeTable) {
        state = Mutex(nil)
        self.derive = derive
        DispatchQueue.global().async { [self] in _ = table }
    }

    /// The table if it is there, without waiting while it is derived.
    var tableIfReady: MergeTable? {
        state.withLockIfAvailable { $0 } ?? nil
    }

    /// The table; the first caller derives it while any others wait.
    var table: MergeTable {
        state.withLock { table in
            if let table { return table }
            let derived = derive()
            table = derived
            return derived
        }
    }
}
