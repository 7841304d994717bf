import Foundation

/// A tokenizer file's bytes, read straight into one array: going through `Data` copied every byte
/// once more, and a tokenizer.json runs to tens of megabytes.
func fileBytes(_ path: String) throws(TokenizerError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { throw TokenizerError("cannot read \(path): \(String(cString: strerror(errno)))") }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) != S_IFDIR else {
        throw TokenizerError("cannot read \(path): it is a directory")
    }
    /// Up to `capacity` bytes, fewer only at the end of the file.
    func chunk(_ capacity: Int) throws(TokenizerError) -> [UInt8] {
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            while count < capacity {
                let read = Foundation.read(descriptor, buffer.baseAddress! + count, capacity - count)
                if read < 0 && errno == EINTR { continue }
                if read < 0 { failure = errno }
                if read <= 0 { return }
                count += read
            }
        }
        if failure != 0 { throw TokenizerError("cannot read \(path): \(String(cString: strerror(failure)))") }
        return bytes
    }
    // One byte more than the size, to see the end; a file that grew since is read on in chunks.
    var bytes = try chunk(max(Int(status.st_size), 0) + 1)
    var full = bytes.count == bytes.capacity
    while full {
        let more = try chunk(1 << 20)
        bytes += more
        full = more.count == 1 << 20
    }
    return bytes
}

/// A file's bytes, for as long as they are read: mapped, so that its pages come from the page cache
/// without a copy (a tokenizer file runs to tens of megabytes, and copying one touched as many
/// megabytes of fresh memory, page by page), or read into memory of this process's own, which
/// another process changing the file cannot reach.
final class FileContents: @unchecked Sendable {
    private enum Storage {
        /// Never written; unmapped when this object goes, so read only through `withBytes`.
        case mapped(UnsafeBufferPointer<UInt8>)
        case read([UInt8])
    }

    private let storage: Storage

    private init(_ storage: Storage) { self.storage = storage }

    convenience init(_ bytes: [UInt8]) { self.init(.read(bytes)) }

    /// The file mapped; nil when it cannot be (missing, empty, not a regular file).
    static func mapped(_ path: String) -> FileContents? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size > 0 else { return nil }
        let size = Int(status.st_size)
        guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED else { return nil }
        return FileContents(.mapped(UnsafeBufferPointer(start: mapping.assumingMemoryBound(to: UInt8.self), count: size)))
    }

    /// The file mapped where it can be, else read: an empty file, or one that cannot be read, which
    /// throws saying why.
    static func mappedOrRead(_ path: String) throws(TokenizerError) -> FileContents {
        if let mapped = mapped(path) { return mapped }
        return FileContents(try fileBytes(path))
    }

    var count: Int { withBytes { $0.count } }

    /// Calls `body` with the bytes, which stay valid until it returns.
    func withBytes<Result, Failure: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result) throws(Failure) -> Result {
        switch storage {
        case .mapped(let bytes): try withExtendedLifetime(self) { () throws(Failure) in try body(bytes) }
        case .read(let bytes): try bytes.withUnsafeBufferPointer { buffer throws(Failure) in try body(buffer) }
        }
    }

    deinit {
        if case .mapped(let bytes) = storage { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress!), bytes.count) }
    }
}
