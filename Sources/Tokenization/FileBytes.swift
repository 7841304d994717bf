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

/// Calls `body` with the bytes of the file at `path`, mapped rather than read: hashing a file of tens
/// of megabytes from the page cache spares copying it into memory first. Nil when the file cannot be
/// mapped (missing, empty, a directory).
func withMappedFile<Result>(_ path: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size > 0 else { return nil }
    let size = Int(status.st_size)
    guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED else { return nil }
    defer { munmap(mapping, size) }
    return body(UnsafeBufferPointer(start: mapping.assumingMemoryBound(to: UInt8.self), count: size))
}

/// A file's bytes, for as long as they are read: mapped where the file can be, so that its pages come
/// from the page cache without a copy (a tokenizer.json runs to tens of megabytes, and copying it
/// touched as many megabytes of fresh memory, page by page), else read (an empty file; one that cannot
/// be read throws, saying why). Also wraps bytes made in memory.
final class FileContents: @unchecked Sendable {
    /// Never written; valid until this object goes, so read only through `withBytes`.
    private let bytes: UnsafeBufferPointer<UInt8>
    private let mapped: Bool

    init(path: String) throws(TokenizerError) {
        let descriptor = open(path, O_RDONLY)
        var status = stat()
        if descriptor >= 0, fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size > 0,
           let mapping = mmap(nil, Int(status.st_size), PROT_READ, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED {
            close(descriptor)
            bytes = UnsafeBufferPointer(start: mapping.assumingMemoryBound(to: UInt8.self), count: Int(status.st_size))
            mapped = true
            return
        }
        if descriptor >= 0 { close(descriptor) }
        bytes = Self.copy(try fileBytes(path))
        mapped = false
    }

    init(_ bytes: [UInt8]) {
        self.bytes = Self.copy(bytes)
        mapped = false
    }

    var count: Int { bytes.count }

    /// Calls `body` with the bytes, which stay valid until it returns.
    func withBytes<Result, Failure: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result) throws(Failure) -> Result {
        try withExtendedLifetime(self) { () throws(Failure) in try body(bytes) }
    }

    private static func copy(_ array: [UInt8]) -> UnsafeBufferPointer<UInt8> {
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: array.count)
        _ = buffer.initialize(from: array)
        return UnsafeBufferPointer(buffer)
    }

    deinit {
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress!), bytes.count)
        } else {
            bytes.deallocate()
        }
    }
}
