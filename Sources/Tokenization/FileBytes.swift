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

/// Calls `body` with the bytes of the file at `path`, mapped where it can be (without copying its
/// pages out of the page cache), else read: an empty file, or one that cannot be read, for the reason.
func withFileBytes<Value>(_ path: String, _ body: (UnsafeBufferPointer<UInt8>) throws(TokenizerError) -> Value) throws(TokenizerError) -> Value {
    if let mapped = withMappedFile(path, { bytes in Result { () throws(TokenizerError) in try body(bytes) } }) { return try mapped.get() }
    return try fileBytes(path).withUnsafeBufferPointer { bytes throws(TokenizerError) in try body(bytes) }
}
