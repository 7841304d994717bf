import Checksum
import Foundation
import WorkerPool

/// The vocabularies of large tokenizer.json files, read once and kept under `~/.cache/hapax/tokenizers`
/// (`$XDG_CACHE_HOME/hapax/tokenizers` where that is set), so that later processes skip reading the
/// vocabulary and the merges: most of the time it takes to load a file of a hundred thousand tokens.
///
/// An entry cannot stand for another file or be half read:
/// - it is named by the digest of the whole file (`digest`: SHA-256 over the SHA-256 of each MiB),
///   and records it, so a changed file is a miss; it lies in a folder named by the file's byte
///   count, so that a file of a size never kept is known to miss before it is hashed (a first load
///   then hashes it once, on another thread while it parses, rather than also before it is read);
/// - it ends with the digest of everything before, so a damaged or truncated entry is a miss, and is
///   written again;
/// - it is written under a temporary name and renamed, so no reader sees part of one;
/// - its first line names the format's version, which changes whenever hapax reads vocabularies
///   differently, so entries an older hapax wrote are misses.
///
/// A cache that cannot be written (a read-only home) is no cache: the file is read as before.
///
/// An entry, integers little-endian: the first line; the file's digest; five UInt64 counts (bytes
/// of the rest of the file, names `model.vocab` lists, ids, spelling bytes, merges); the file's
/// bytes with `model.vocab` and `model.merges` emptied; the ids' spellings as UInt32 offsets (ids + 1)
/// and their bytes; each merge as four UInt32 (left, right, priority, result); the digest of all
/// before it.
struct TokenizerCache: Sendable {
    let directory: String
    /// Smaller files are read afresh: they load sooner than an entry is read and checked, and tests'
    /// small files do not fill the cache.
    let smallestFile: Int

    static let standard: TokenizerCache? = {
        let environment = ProcessInfo.processInfo.environment
        let base: String
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            base = home + "/.cache"
        } else {
            return nil
        }
        return TokenizerCache(directory: base + "/hapax/tokenizers", smallestFile: 1 << 20)
    }()

    private static let firstLine = Array("hapax tokenizer.json vocabulary, format 2\n".utf8)
    private static let digestScheme = Array("hapax SHA-256 of SHA-256 per MiB\n".utf8)
    private static let digestSize = 32

    struct Entry {
        /// The file with `model.vocab` and `model.merges` emptied.
        let rest: [UInt8]
        let vocabulary: HuggingFaceTokenizerFile.Vocabulary
    }

    /// The SHA-256 of a line naming the scheme, the byte count and the SHA-256 of each MiB of
    /// `bytes` in order. Hashing the pieces on all cores halves the wait for a file's name on two
    /// (SHA-256 alone is one long chain); two contents with one digest would need SHA-256 to collide.
    static func digest(_ bytes: UnsafeBufferPointer<UInt8>, threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> [UInt8] {
        let piece = 1 << 20, count = bytes.count
        let base = UInt(bitPattern: bytes.baseAddress)   // an address, so that the threads may share it
        let pieces = parallelMap((count + piece - 1) / piece, threads: threads) { k in
            var hasher = SHA256()
            hasher.update(UnsafeBufferPointer(start: UnsafePointer<UInt8>(bitPattern: base)! + k * piece, count: min(piece, count - k * piece)))
            return hasher.finalize()
        }
        var hasher = SHA256()
        hasher.update(Self.digestScheme)
        withUnsafeBytes(of: UInt64(count).littleEndian) { hasher.update($0) }
        for digest in pieces { hasher.update(digest) }
        return hasher.finalize()
    }

    /// What names a file's entry.
    struct Key: Sendable {
        let size: Int
        let digest: [UInt8]

        init(_ bytes: UnsafeBufferPointer<UInt8>, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
            size = bytes.count
            digest = TokenizerCache.digest(bytes, threads: threads)
        }
    }

    private func folder(forSize size: Int) -> String { "\(directory)/\(size)" }

    func path(for key: Key) -> String { folder(forSize: key.size) + "/" + SHA256.hex(key.digest) }

    /// Whether an entry of a file of `size` bytes may be here: false when no file of that size was kept.
    func mayHold(size: Int) -> Bool { access(folder(forSize: size), F_OK) == 0 }

    /// The entry for the file of `key`, if one is there and whole.
    func entry(for key: Key) -> Entry? {
        FileContents.mapped(path(for: key))?.withBytes { bytes -> Entry? in
            guard bytes.count >= Self.digestSize else { return nil }
            let body = UnsafeBufferPointer(rebasing: bytes[..<(bytes.count - Self.digestSize)])
            guard Self.digest(body).elementsEqual(bytes[body.endIndex...]) else { return nil }
            var reader = Reader(bytes: body)
            guard reader.take(Self.firstLine.count)?.elementsEqual(Self.firstLine) == true,
                  reader.take(Self.digestSize)?.elementsEqual(key.digest) == true,
                  let restCount = reader.integer(), let listed = reader.integer(), let idCount = reader.integer(),
                  let arenaCount = reader.integer(), let ruleCount = reader.integer(),
                  let rest = reader.take(restCount), let starts = reader.words(idCount + 1), let arena = reader.take(arenaCount),
                  let words = reader.words(4 * ruleCount), reader.isAtEnd,
                  starts.first == 0, starts.last == arenaCount, zip(starts, starts.dropFirst()).allSatisfy({ $0 <= $1 }) else { return nil }
            let rules = (0..<ruleCount).map { k in
                (left: UInt32(words[4 * k]), right: UInt32(words[4 * k + 1]), priority: UInt32(words[4 * k + 2]), result: UInt32(words[4 * k + 3]))
            }
            guard rules.allSatisfy({ max($0.left, $0.right, $0.result) < idCount }) else { return nil }
            return Entry(rest: Array(rest), vocabulary: HuggingFaceTokenizerFile.Vocabulary(
                tokens: TokenSpellings(arena: Array(arena), starts: starts), listed: listed, rules: rules))
        } ?? nil
    }

    /// An entry written under a temporary name, put in place only once its file has loaded.
    struct Written: Sendable {
        let partial: String
        let target: String
    }

    /// Writes `entry` for the file of `key` under a temporary name; nil where it cannot (quietly: a
    /// cache that cannot be written is no cache).
    func write(_ entry: Entry, for key: Key) -> Written? {
        let tokens = entry.vocabulary.tokens, rules = entry.vocabulary.rules
        guard tokens.arena.count < Int(UInt32.max), rules.count < Int(UInt32.max) else { return nil }
        let counts = [entry.rest.count, entry.vocabulary.listed, tokens.count, tokens.arena.count, rules.count]
        let bodySize = Self.firstLine.count + Self.digestSize + 8 * counts.count + entry.rest.count + 4 * tokens.starts.count
            + tokens.arena.count + 16 * rules.count
        // Written in place: an entry of a 128k vocabulary is a million integers.
        let bytes = [UInt8](unsafeUninitializedCapacity: bodySize + Self.digestSize) { buffer, initialized in
            var writer = Writer(bytes: UnsafeMutableRawBufferPointer(buffer))
            writer.put(Self.firstLine)
            writer.put(key.digest)
            for count in counts { writer.put(UInt64(count)) }
            writer.put(entry.rest)
            for start in tokens.starts { writer.put(UInt32(start)) }
            writer.put(tokens.arena)
            for rule in rules {
                writer.put(rule.left)
                writer.put(rule.right)
                writer.put(rule.priority)
                writer.put(rule.result)
            }
            writer.put(Self.digest(UnsafeBufferPointer(rebasing: buffer[..<bodySize])))
            initialized = writer.at
        }

        let target = path(for: key), partial = "\(target).\(UUID().uuidString).partial"
        guard (try? FileManager.default.createDirectory(atPath: folder(forSize: key.size), withIntermediateDirectories: true)) != nil,
              Self.create(partial, holding: bytes) else {
            try? FileManager.default.removeItem(atPath: partial)
            return nil
        }
        return Written(partial: partial, target: target)
    }

    /// Writes `bytes` to a new file at `path`, from the array itself (through `Data` they were
    /// copied first, megabytes); false where it cannot.
    private static func create(_ path: String, holding bytes: [UInt8]) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return false }
        let written = bytes.withUnsafeBytes { buffer in
            var at = 0
            while at < buffer.count {
                let count = Foundation.write(descriptor, buffer.baseAddress! + at, buffer.count - at)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                at += count
            }
            return true
        }
        return close(descriptor) == 0 && written
    }

    /// Puts a written entry in place, or removes it, and its size's folder if that is left empty,
    /// when its file failed to load after all.
    func finish(_ written: Written, keeping: Bool) {
        if !keeping || rename(written.partial, written.target) != 0 {
            try? FileManager.default.removeItem(atPath: written.partial)
            rmdir((written.target as NSString).deletingLastPathComponent)
        }
    }

    /// Writes an entry's parts in order, integers little-endian, into memory sized for them.
    private struct Writer {
        let bytes: UnsafeMutableRawBufferPointer
        var at = 0

        mutating func put(_ part: [UInt8]) {
            UnsafeMutableRawBufferPointer(rebasing: bytes[at..<(at + part.count)]).copyBytes(from: part)
            at += part.count
        }

        mutating func put<Integer: FixedWidthInteger>(_ value: Integer) {
            bytes.storeBytes(of: value.littleEndian, toByteOffset: at, as: Integer.self)
            at += MemoryLayout<Integer>.size
        }
    }

    /// Reads an entry's parts in order; nil (or empty) once a part runs past the end.
    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        var isAtEnd: Bool { at == bytes.count }

        mutating func take(_ count: Int) -> UnsafeBufferPointer<UInt8>? {
            guard count >= 0, count <= bytes.count - at else { return nil }
            defer { at += count }
            return UnsafeBufferPointer(rebasing: bytes[at..<(at + count)])
        }

        mutating func integer() -> Int? {
            guard let field = take(8) else { return nil }
            let value = UInt64(littleEndian: UnsafeRawBufferPointer(field).loadUnaligned(as: UInt64.self))
            return value < UInt64(Int32.max) ? Int(value) : nil
        }

        /// `count` UInt32 values.
        mutating func words(_ count: Int) -> [Int]? {
            guard count <= Int(Int32.max), let field = take(4 * count) else { return nil }
            let raw = UnsafeRawBufferPointer(field)
            return (0..<count).map { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}
