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
    /// runs each); 131,072 gained nothing more. Four megabytes a thread, touched as they fill.
    static let slots = 1 << 16
    /// A slot is one cache line, so that a lookup costs one miss: the piece's length (0: empty) and
    /// its ids' count, the piece, its ids. Longer pieces, and pieces of more ids, are rare in text
    /// and merge afresh each time.
    private static let slotBytes = 64
    static let maximumBytes = 30
    static let maximumIds = 8
    private static let idsOffset = 32

    /// 0: none yet (serial numbers start at 1).
    private var owner: UInt64 = 0
    /// Mapped anonymously, so zeroed by the system as its pages are first touched: an empty slot has
    /// length 0.
    private let lines: UnsafeMutableRawPointer

    private init() {
        let memory = mmap(nil, Self.slots * Self.slotBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let memory, memory != MAP_FAILED else { fatalError("MergeCache: cannot map \(Self.slots * Self.slotBytes) bytes") }
        lines = memory
    }

    deinit { munmap(lines, Self.slots * Self.slotBytes) }

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
            // Dropped pages read back as zeros, every slot empty, and are touched again as they fill.
            if cache.owner != 0 { madvise(cache.lines, slots * slotBytes, MADV_DONTNEED) }
            cache.owner = owner
        }
        return cache
    }

    @inline(__always)
    private func line(_ piece: UnsafeBufferPointer<UInt8>) -> UnsafeMutableRawPointer {
        lines + (Int(truncatingIfNeeded: ByteStringTable.hash(piece)) & (Self.slots - 1)) * Self.slotBytes
    }

    /// Appends the cached ids of `piece` to `output`; false when it is not cached.
    @inline(__always)
    func appendIds(of piece: UnsafeBufferPointer<UInt8>, to output: inout [UInt32]) -> Bool {
        guard piece.count <= Self.maximumBytes else { return false }
        let line = line(piece)
        guard Int(line.load(as: UInt8.self)) == piece.count,
              ByteStringTable.equal(line.assumingMemoryBound(to: UInt8.self) + 2, piece.baseAddress!, count: piece.count) else { return false }
        let ids = (line + Self.idsOffset).assumingMemoryBound(to: UInt32.self)
        // A loop rather than append(contentsOf:), which called memmove for two or three ids.
        for k in 0..<Int(line.load(fromByteOffset: 1, as: UInt8.self)) { output.append(ids[k]) }
        return true
    }

    @inline(__always)
    func store(_ piece: UnsafeBufferPointer<UInt8>, ids encoded: ArraySlice<UInt32>) {
        guard piece.count <= Self.maximumBytes, encoded.count <= Self.maximumIds, !piece.isEmpty else { return }
        let line = line(piece)
        (line + 2).copyMemory(from: piece.baseAddress!, byteCount: piece.count)
        for (k, id) in encoded.enumerated() { line.storeBytes(of: id, toByteOffset: Self.idsOffset + 4 * k, as: UInt32.self) }
        line.storeBytes(of: UInt8(piece.count), as: UInt8.self)
        line.storeBytes(of: UInt8(encoded.count), toByteOffset: 1, as: UInt8.self)
    }
}
