import Foundation

/// The encodings of pieces that BPE had to merge, kept per thread: natural text repeats its words,
/// and a word outside the vocabulary costs a dozen merge-table probes, most of them cache misses in a
/// table of megabytes. Direct-mapped by the piece's hash: a slot holds one piece of at most
/// `maximumBytes` bytes and its at most `maximumIds` ids, and a new piece evicts the old one. A hit
/// compares the bytes, so the cache never changes a result.
///
/// One cache per thread (a pthread key), reset when that thread encodes with another model, so
/// encoding needs no lock and no allocation per document.
final class MergeCache {
    /// A corpus of thousands of documents merges more distinct pieces than 16,384 slots held:
    /// `shard` of 0.3 GB spent 4.8-5.1 CPU seconds tokenizing with 65,536 against 5.4-6.6 (four
    /// runs each); 131,072 gained nothing more. Six megabytes a thread, touched as they fill.
    static let slots = 1 << 16
    static let maximumBytes = 32
    static let maximumIds = 16

    private var owner: UInt64 = 0
    // Fixed buffers rather than arrays in `var`s: every access to a class's `var` is checked for
    // exclusivity at run time, and those checks were 3% of encoding's instructions (cachegrind).
    private let lengths = UnsafeMutablePointer<UInt8>.allocate(capacity: slots)  // 0: empty
    private let keys = UnsafeMutablePointer<UInt8>.allocate(capacity: slots * maximumBytes)
    private let counts = UnsafeMutablePointer<UInt8>.allocate(capacity: slots)
    private let ids = UnsafeMutablePointer<UInt32>.allocate(capacity: slots * maximumIds)

    /// A slot's key, count and ids are read only once `store` has written them (its length is not
    /// 0), so only the lengths start initialized: the rest, megabytes, is touched as it fills.
    private init() {
        lengths.initialize(repeating: 0, count: Self.slots)
    }

    deinit {
        for buffer in [lengths, keys, counts] { buffer.deallocate() }
        ids.deallocate()
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in pointer.map { Unmanaged<MergeCache>.fromOpaque($0).release() } }
        return key
    }()

    /// This thread's cache, emptied if it last served another model (`owner` is the model's serial number).
    static func forCurrentThread(owner: UInt64) -> MergeCache {
        let cache: MergeCache
        if let pointer = pthread_getspecific(key) {
            cache = Unmanaged<MergeCache>.fromOpaque(pointer).takeUnretainedValue()
        } else {
            cache = MergeCache()
            pthread_setspecific(key, Unmanaged.passRetained(cache).toOpaque())
        }
        if cache.owner != owner {
            cache.lengths.update(repeating: 0, count: slots)
            cache.owner = owner
        }
        return cache
    }

    @inline(__always)
    private static func slot(_ piece: UnsafeBufferPointer<UInt8>) -> Int {
        Int(truncatingIfNeeded: ByteStringTable.hash(piece)) & (slots - 1)
    }

    /// Appends the cached ids of `piece` to `output`; false when it is not cached.
    @inline(__always)
    func appendIds(of piece: UnsafeBufferPointer<UInt8>, to output: inout [UInt32]) -> Bool {
        guard piece.count <= Self.maximumBytes else { return false }
        let slot = Self.slot(piece)
        guard Int(lengths[slot]) == piece.count else { return false }
        guard ByteStringTable.equal(keys + slot * Self.maximumBytes, piece.baseAddress!, count: piece.count) else { return false }
        output.append(contentsOf: UnsafeBufferPointer(start: ids + slot * Self.maximumIds, count: Int(counts[slot])))
        return true
    }

    @inline(__always)
    func store(_ piece: UnsafeBufferPointer<UInt8>, ids encoded: ArraySlice<UInt32>) {
        guard piece.count <= Self.maximumBytes, encoded.count <= Self.maximumIds, !piece.isEmpty else { return }
        let slot = Self.slot(piece)
        (keys + slot * Self.maximumBytes).initialize(from: piece.baseAddress!, count: piece.count)
        lengths[slot] = UInt8(piece.count)
        counts[slot] = UInt8(encoded.count)
        _ = UnsafeMutableBufferPointer(start: ids + slot * Self.maximumIds, count: encoded.count).initialize(from: encoded)
    }
}
