import Dispatch
import Synchronization

/// A model's merge table: the one its file lists, or one derived from its vocabulary. A rank file
/// lists no merges, and deriving them costs more than the rest of loading it, so the table is
/// derived on another core while the process goes on (reading its input, say); the first encode
/// waits for it only if it is not done.
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
