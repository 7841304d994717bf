import Foundation

/// Telling binary content from text before any of it is tokenized: a file that no reader claims is
/// read as text, so a Parquet file, an archive or a token memmap would otherwise become shards of
/// garbage with only a count of replaced bytes to show for it. The first bytes name the known formats;
/// a NUL byte anywhere in the first block marks the rest (UTF-8 text has none, and JSON cannot).
public enum BinaryContent {
    /// How much of the content is looked at.
    public static let blockBytes = 1 << 16

    static let magics: [(bytes: [UInt8], name: String)] = [
        (Array("PAR1".utf8), "a Parquet file"),
        (Array("ARROW1".utf8), "an Arrow IPC file"),
        ([0x50, 0x4B, 0x03, 0x04], "a zip archive"),
        (Array("%PDF-".utf8), "a PDF document"),
        ([0x93] + Array("NUMPY".utf8), "a NumPy array (.npy)"),
        (Array("MMIDIDX".utf8), "a Megatron index (.idx)"),
        (Array("BZh".utf8), "bzip2-compressed (hapax decompresses .gz and .zst)"),
        ([0xFD] + Array("7zXZ".utf8), "xz-compressed (hapax decompresses .gz and .zst)"),
        ([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], "a 7z archive"),
        ([0x89] + Array("PNG".utf8), "a PNG image"),
        ([0x7F] + Array("ELF".utf8), "an executable (ELF)"),
        (Array("SQLite format 3".utf8), "an SQLite database"),
        ([0x89] + Array("HDF".utf8), "an HDF5 file"),
    ]

    /// What binary content `head` (the first bytes of a file's content, decompressed) is, or nil for
    /// text. `nulIsBinary`: false for `tokenize`, which checks a tokenizer on any text, U+0000 included.
    public static func kind<Bytes: Collection<UInt8>>(of head: Bytes, nulIsBinary: Bool = true) -> String? {
        if let known = magics.first(where: { head.starts(with: $0.bytes) }) { return known.name }
        if nulIsBinary && hasNUL(head.prefix(blockBytes)) { return "binary: it has NUL bytes in its first \(blockBytes / 1024) KiB" }
        return nil
    }

    /// `shard` checks the head of every input, and a byte-by-byte search through a generic
    /// collection cost a few percent of its time.
    private static func hasNUL<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        bytes.withContiguousStorageIfAvailable { $0.isEmpty ? false : memchr($0.baseAddress!, 0, $0.count) != nil } ?? bytes.contains(0)
    }

    /// The one-line refusal for `path`, or nil when `head` is text.
    public static func refusal<Bytes: Collection<UInt8>>(_ path: String, head: Bytes, nulIsBinary: Bool = true) -> InputError? {
        kind(of: head, nulIsBinary: nulIsBinary).map { InputError("\(inputName(path)): \($0), not text; hapax reads plain text, JSON Lines (.gz, .zst) and Parquet (.parquet), and refuses other files rather than tokenize their bytes") }
    }

    /// Throws the refusal when the content of `path` is binary: the stream `openStream` gives checks it.
    /// The standard input's bytes read here are read again by its next reader.
    public static func check(_ path: String) throws(InputError) {
        if path == standardInputPath { StandardInput.recording = [] }
        defer {
            if path == standardInputPath { (StandardInput.replay, StandardInput.recording) = (StandardInput.recording ?? [], nil) }
        }
        var stream = try openStream(path)
        _ = try stream.next()
    }
}

/// A stream that refuses binary content in its first `BinaryContent.blockBytes`, gathered across
/// chunks before the first is given: a decompressor's chunk ends with its gzip member or zstd frame,
/// so the first chunk of `cat text.gz binary.gz` holds only the text.
struct TextCheckingStream: ByteStream {
    private var inner: any ByteStream
    private let path: String
    private var checked = false
    var consumed: Int { inner.consumed }

    init(_ inner: any ByteStream, path: String) {
        self.inner = inner
        self.path = path
    }

    mutating func next() throws(InputError) -> [UInt8]? {
        guard !checked else { return try inner.next() }
        checked = true
        var head: [UInt8] = []
        while head.count < BinaryContent.blockBytes, let chunk = try inner.next() { head += chunk }
        if let error = BinaryContent.refusal(path, head: head) { throw error }
        return head.isEmpty ? nil : head
    }
}
