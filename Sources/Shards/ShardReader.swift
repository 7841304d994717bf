import Foundation

/// Reads windows from a shard file; reading one window decompresses the one frame that holds it.
/// Every problem is reported with the file's path and what is wrong.
public final class ShardReader {
    public let path: String
    public let header: ShardHeader
    private let frames: [(offset: Int, size: Int)]
    private let handle: FileHandle
    /// The decompressed contents of the frames read last, the most recent last, up to
    /// `recentFrameBytes` (and at least one): training reads windows in a shuffled order, each from
    /// its own frame (128Ki tokens by default), and a shard of up to 5.6 million tokens (3.3 million
    /// of 32-bit ids) is then decompressed once rather than a frame for every window of every batch.
    /// A folder keeps 16 readers open: 256 MiB at most, the bound of the Python reader's cache.
    private var recentFrames: [(index: Int, content: [UInt8])] = []
    private let recentFrameBytes: Int

    public init(path: String, recentFrameBytes: Int = 16 << 20) throws(ShardError) {
        self.path = path
        self.recentFrameBytes = recentFrameBytes
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ShardError("\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        self.handle = handle
        do {
            let headerBytes = try Self.read(handle, at: 0, count: ShardHeader.size)
            let header = try ShardHeader.decode(headerBytes)
            let table = try Self.read(handle, at: ShardHeader.size, count: header.tableSize)
            try header.verifyChecksum(headerBytes, table)
            let actualSize = Int((try? handle.seekToEnd()) ?? 0)
            guard actualSize == header.fileSize else {
                throw ShardError("file is \(actualSize) bytes, its header says \(header.fileSize) (truncated or extended)")
            }
            var frames: [(offset: Int, size: Int)] = []
            var expectedOffset = ShardHeader.size + header.tableSize
            for f in 0..<header.frameCount {
                let offset = Int(clamping: table.littleEndian(UInt64.self, at: 16 * f))
                let size = Int(clamping: table.littleEndian(UInt64.self, at: 16 * f + 8))
                guard offset == expectedOffset, size > 0, size <= header.fileSize - offset else {
                    throw ShardError("frame table entry \(f) (offset \(offset), size \(size)) does not tile the file")
                }
                frames.append((offset, size))
                expectedOffset += size
            }
            guard expectedOffset == header.fileSize else { throw ShardError("frames end at \(expectedOffset), the file at \(header.fileSize)") }
            self.header = header
            self.frames = frames
        } catch {
            try? handle.close()
            throw ShardError("\(path): \(error)")
        }
    }

    deinit { try? handle.close() }

    private static func read(_ handle: FileHandle, at offset: Int, count: Int) throws(ShardError) -> [UInt8] {
        do {
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: count) ?? Data()
            guard data.count == count else { throw ShardError("file ends at byte \(offset + data.count), expected \(offset + count) bytes") }
            return Array(data)
        } catch let error as ShardError {
            throw error
        } catch {
            throw ShardError("read failed: \(error.localizedDescription)")
        }
    }

    public var windowCount: Int { header.windowCount }

    /// The tokens and match lengths of all windows in frame `f`, window after window.
    public func frame(_ f: Int) throws(ShardError) -> (tokens: [UInt32], matches: [UInt8]) {
        let content = try content(ofFrame: f)
        let count = header.windows(inFrame: f) * header.windowLength
        return (try tokens(0..<count, of: content, frame: f), Array(content[(count * header.tokenWidth)...]))
    }

    /// Window `k`: `windowLength` tokens and their match lengths. Only this window's tokens are
    /// decoded from its frame.
    public func window(_ k: Int) throws(ShardError) -> (tokens: ArraySlice<UInt32>, matches: ArraySlice<UInt8>) {
        guard k >= 0 && k < header.windowCount else {
            throw ShardError("\(path): window \(k) is out of range (the shard has \(header.windowCount))")
        }
        let f = k / header.windowsPerFrame
        let content = try content(ofFrame: f)
        let start = (k - f * header.windowsPerFrame) * header.windowLength, window = start..<(start + header.windowLength)
        let matchesStart = header.windows(inFrame: f) * header.windowLength * header.tokenWidth
        return (try tokens(window, of: content, frame: f)[...], content[(matchesStart + window.lowerBound)..<(matchesStart + window.upperBound)])
    }

    /// The decompressed content of frame `f`, from the recent frames when it is among them.
    private func content(ofFrame f: Int) throws(ShardError) -> [UInt8] {
        if let i = recentFrames.lastIndex(where: { $0.index == f }) {
            let recent = recentFrames.remove(at: i)
            recentFrames.append(recent)
            return recent.content
        }
        let (offset, size) = frames[f]
        let content: [UInt8]
        do {
            let compressed = try Self.read(handle, at: offset, count: size)
            content = try Zstd.decompress(compressed, expectedSize: header.contentSize(ofFrame: f))
        } catch let error as ShardError {
            throw ShardError("\(path): frame \(f): \(error.description)")
        } catch {
            throw ShardError("\(path): frame \(f): \(error)")
        }
        recentFrames.append((f, content))
        var held = recentFrames.reduce(0) { $0 + $1.content.count }
        while held > recentFrameBytes && recentFrames.count > 1 { held -= recentFrames.removeFirst().content.count }
        return content
    }

    /// Tokens `range` of frame `f`, whose decompressed content is `content`.
    private func tokens(_ range: Range<Int>, of content: [UInt8], frame f: Int) throws(ShardError) -> [UInt32] {
        let count = header.windows(inFrame: f) * header.windowLength
        var tokens = [UInt32](repeating: 0, count: range.count)
        content.withUnsafeBytes { raw in
            for (j, i) in range.enumerated() {
                tokens[j] = UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
            if header.tokenWidth == 4 {
                for (j, i) in range.enumerated() {
                    let high = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * (count + i), as: UInt16.self))
                    tokens[j] |= UInt32(high) << 16
                }
            }
        }
        // Ids the header's vocabulary does not have would index outside a model's embedding.
        if let bad = tokens.firstIndex(where: { Int($0) >= header.vocabularySize }) {
            let window = f * header.windowsPerFrame + (range.lowerBound + bad) / header.windowLength
            throw ShardError("\(path): frame \(f), window \(window): token id \(tokens[bad]) is outside the vocabulary of \(header.vocabularySize)")
        }
        return tokens
    }
}
