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
    static let slots = 1 << 14
    static let maximumBytes = 32
    static let maximumIds = 16

    private var owner: UInt64 = 0
    private var lengths = [UInt8](repeating: 0, count: slots)  // 0: empty
    private var keys = [UInt8](repeating: 0, count: slots * maximumBytes)
    private var counts = [UInt8](repeating: 0, count: slots)
    private var ids = [UInt32](repeating: 0, count: slots * maximumIds)

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
            cache.lengths.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
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
        let matches = keys.withUnsafeBufferPointer { keys in
            ByteStringTable.equal(keys.baseAddress! + slot * Self.maximumBytes, piece.baseAddress!, count: piece.count)
        }
        guard matches else { return false }
        let start = slot * Self.maximumIds
        output.append(contentsOf: ids[start..<start + Int(counts[slot])])
        return true
    }

    @inline(__always)
    func store(_ piece: UnsafeBufferPointer<UInt8>, ids encoded: ArraySlice<UInt32>) {
        guard piece.count <= Self.maximumBytes, encoded.count <= Self.maximumIds, !piece.isEmpty else { return }
        let slot = Self.slot(piece)
        keys.withUnsafeMutableBufferPointer { keys in
            _ = memcpy(keys.baseAddress! + slot * Self.maximumBytes, piece.baseAddress!, piece.count)
        }
        lengths[slot] = UInt8(piece.count)
        counts[slot] = UInt8(encoded.count)
        let start = slot * Self.maximumIds
        ids.replaceSubrange(start..<start + encoded.count, with: encoded)
    }
}
