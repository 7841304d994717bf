import Foundation

/// Builds shard files: frames are encoded independently (and so in parallel), then assembled.
public enum ShardWriter {
    /// One frame: the low 16 bits of every token (u16, little-endian), then for 4-byte tokens the
    /// high 16 bits of every token, then the match lengths, one byte each; compressed into a single
    /// zstd frame with a checksum. Splitting the halves lets zstd see the mostly constant high halves
    /// as long runs: about 4% smaller shards than whole u32 ids.
    public static func frame(tokens: ArraySlice<UInt32>, matches: ArraySlice<UInt8>, tokenWidth: Int, level: Int) throws(Zstd.Failure) -> [UInt8] {
        precondition(tokens.count == matches.count)
        let n = tokens.count, halves = tokenWidth / 2
        // Written in place: an append per token was a twentieth of `shard`'s time.
        let content = [UInt8](unsafeUninitializedCapacity: n * (tokenWidth + 1)) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            for half in 0..<halves {
                for (k, token) in tokens.enumerated() {
                    raw.storeBytes(of: UInt16(truncatingIfNeeded: token >> (16 * half)).littleEndian, toByteOffset: 2 * (half * n + k), as: UInt16.self)
                }
            }
            for (k, match) in matches.enumerated() { buffer[2 * halves * n + k] = match }
            count = n * (tokenWidth + 1)
        }
        return try Zstd.compress(content, level: level)
    }

    /// The complete file: header, frame table, frames. `header`'s frame count and file size are filled in.
    public static func assemble(_ header: ShardHeader, frames: [[UInt8]]) -> [UInt8] {
        var header = header
        header.frameCount = frames.count
        var offset = ShardHeader.size + frames.count * 16
        var table: [UInt8] = []
        for frame in frames {
            table.appendLittleEndian(UInt64(offset))
            table.appendLittleEndian(UInt64(frame.count))
            offset += frame.count
        }
        header.fileSize = offset
        var bytes = header.encoded(table: table) + table
        bytes.reserveCapacity(offset)
        for frame in frames { bytes += frame }
        return bytes
    }
}

/// Writes files so that a reader never sees a partial one: the bytes go to a temporary file in the
/// same folder, are flushed to disk, and the temporary file is renamed over the destination.
/// An errno as a message, saying plainly when the disk is full.
func describe(_ error: Int32) -> String {
    let text = String(cString: strerror(error))
    return error == ENOSPC || error == EDQUOT ? "the disk is full (\(text)); the files already complete are kept: free space and run the same command again" : text
}

public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(ShardError) {
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw ShardError("cannot write \(path): \(describe(errno))") }
        var written = 0
        let failure: Int32? = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let n = Foundation.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += n
            }
            return fsync(descriptor) == 0 ? nil : errno
        }
        close(descriptor)
        if let failure {
            unlink(temporary)
            throw ShardError("cannot write \(path): \(describe(failure))")
        }
        guard rename(temporary, path) == 0 else {
            let reason = describe(errno)
            unlink(temporary)
            throw ShardError("cannot write \(path): \(reason)")
        }
        try syncFolder(of: path)
    }

    /// Removes `path` durably (nothing to do when it is absent): a folder's manifest goes before any
    /// of its files changes, so that a crash never leaves it beside files it does not describe.
    public static func remove(_ path: String) throws(ShardError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw ShardError("cannot remove \(path): \(describe(errno))") }
        try syncFolder(of: path)
    }

    /// Makes a rename in the folder holding `path` durable: until the folder itself is synced, a
    /// crash can lose the new name even though the file's bytes are on disk.
    public static func syncFolder(of path: String) throws(ShardError) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { throw ShardError("cannot open \(folder) to sync it: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw ShardError("cannot sync \(folder): \(String(cString: strerror(errno)))") }
    }
}
