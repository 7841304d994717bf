import CBLAS

/// Classes of tokens whose input embeddings point the same way. Cosine similarity is not transitive,
/// so connected components would chain whole vocabularies into one class; instead a leader
/// clustering: tokens are taken in id order (for BPE vocabularies, the order in which merges were
/// learned, most frequent first), and each joins the first representative (in order of creation)
/// whose cosine similarity with it is at least the threshold, or becomes a representative itself.
/// Every member is therefore at least threshold-similar to its representative.
///
/// Tokens go in blocks: one matrix product scores a block against every earlier representative, and
/// only representatives created inside the block are compared one by one.
public enum EmbeddingClasses {
    /// `rows` is `count × width` row-major; ids with `eligible[i]` false (special tokens, unused ids)
    /// and rows of zero norm stay alone.
    public static func classes(rows: [Float], count: Int, width: Int, threshold: Float, eligible: [Bool], block: Int = 256) -> [UInt32] {
        precondition(rows.count == count * width && eligible.count == count)
        var classes = (0..<UInt32(count)).map { $0 }
        var normalized = [Float](repeating: 0, count: count * width)
        var members: [Int] = []
        for i in 0..<count where eligible[i] {
            var norm: Float = 0
            for k in 0..<width { norm += rows[i * width + k] * rows[i * width + k] }
            guard norm > 0 else { continue }
            let scale = 1 / norm.squareRoot()
            for k in 0..<width { normalized[i * width + k] = rows[i * width + k] * scale }
            members.append(i)
        }
        var leaders: [Int] = []
        var leaderRows = [Float](repeating: 0, count: members.count * width)
        var scores = [Float](repeating: 0, count: block * min(members.count, 4096))
        var gathered = [Float](repeating: 0, count: block * width)
        var start = 0
        while start < members.count {
            let ids = Array(members[start..<min(start + block, members.count)])
            for (j, id) in ids.enumerated() {
                for k in 0..<width { gathered[j * width + k] = normalized[id * width + k] }
            }
            let earlier = leaders.count
            if scores.count < ids.count * earlier { scores = [Float](repeating: 0, count: 2 * block * earlier) }
            if earlier > 0 {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(ids.count), Int32(earlier), Int32(width), 1,
                            gathered, Int32(width), leaderRows, Int32(width), 0, &scores, Int32(earlier))
            }
            var fresh: [Int] = []
            for (j, id) in ids.enumerated() {
                var joined = firstAtLeast(threshold, in: scores, from: j * earlier, count: earlier).map { leaders[$0] }
                if joined == nil {
                    for leader in fresh {
                        var dot: Float = 0
                        for k in 0..<width { dot += gathered[j * width + k] * normalized[leader * width + k] }
                        if dot >= threshold {
                            joined = leader
                            break
                        }
                    }
                }
                if let joined {
                    classes[id] = UInt32(joined)
                } else {
                    fresh.append(id)
                }
            }
            for leader in fresh {
                for k in 0..<width { leaderRows[leaders.count * width + k] = normalized[leader * width + k] }
                leaders.append(leader)
            }
            start += block
        }
        return classes
    }

    /// The first index in `values[from ..< from + count]`, counted from `from`, holding at least `threshold`.
    static func firstAtLeast(_ threshold: Float, in values: [Float], from: Int, count: Int) -> Int? {
        values.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress! + from)
            var r = 0
            while r + 8 <= count {
                if any(base.loadUnaligned(fromByteOffset: 4 * r, as: SIMD8<Float>.self) .>= threshold) { break }
                r += 8
            }
            while r < count {
                if buffer[from + r] >= threshold { return r }
                r += 1
            }
            return nil
        }
    }
}
