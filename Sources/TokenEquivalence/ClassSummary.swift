import Shards
import Tokenization

extension TokenClassFile.Summary {
    /// The number of classes and singletons, and the largest classes with their first members decoded.
    public init(classes: [UInt32], tokenizer: Tokenizer, largest: Int = 10, shown: Int = 12) {
        var members: [UInt32: [UInt32]] = [:]
        for (id, representative) in classes.enumerated() { members[representative, default: []].append(UInt32(id)) }
        let ranked = members.sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key }
        self.init(classes: members.count, singletons: members.values.filter { $0.count == 1 }.count,
                  largest: ranked.prefix(largest).filter { $0.value.count > 1 }.map { representative, ids in
                      TokenClassFile.LargeClass(representative: representative, size: ids.count,
                                                tokens: ids.prefix(shown).map { tokenizer.decode([$0]) })
                  })
    }
}
