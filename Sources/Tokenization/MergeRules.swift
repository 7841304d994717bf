import Synchronization

/// A model's merge table: the one its file lists, or one derived from its vocabulary when first
/// needed. A rank file lists no merges, and deriving them is most of what loading one would cost;
/// a process that counts nothing, or tokenizes only whole-vocabulary pieces, never pays it.
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
