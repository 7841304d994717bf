/// Suffix arrays by induced sorting (SA-IS, Nong, Zhang and Chan 2009): linear time, and no sentinel
/// is needed in the input. Symbols are dense integers in `0..<alphabetSize`.
///
/// SA-IS classifies each suffix as S (smaller than the next suffix) or L (larger), sorts the
/// LMS substrings (those starting at an S suffix right after an L suffix) by inducing from bucket
/// boundaries, names them, sorts the names recursively if they are not all distinct, and induces the
/// full order from the sorted LMS suffixes.
public enum SuffixArray {
    public static func build(_ text: [Int32], alphabetSize: Int) -> [Int32] {
        var result = [Int32](repeating: 0, count: text.count)
        text.withUnsafeBufferPointer { text in
            result.withUnsafeMutableBufferPointer { sa in
                build(text, alphabetSize: alphabetSize, into: sa)
            }
        }
        return result
    }

    static func build(_ s: UnsafeBufferPointer<Int32>, alphabetSize: Int, into sa: UnsafeMutableBufferPointer<Int32>) {
        let n = s.count
        if n == 0 { return }
        if n == 1 { sa[0] = 0; return }
        if n == 2 {
            (sa[0], sa[1]) = s[0] < s[1] ? (0, 1) : (1, 0)
            return
        }
        // isS[i]: suffix i is smaller than suffix i + 1. The last suffix counts as L.
        var isS = [Bool](repeating: false, count: n)
        for i in stride(from: n - 2, through: 0, by: -1) {
            isS[i] = s[i] == s[i + 1] ? isS[i + 1] : s[i] < s[i + 1]
        }
        // Bucket c spans [bucketStart[c], bucketStart[c + 1]); its L suffixes come before its S suffixes,
        // which start at sStart[c].
        var bucketStart = [Int](repeating: 0, count: alphabetSize + 1)
        var sStart = [Int](repeating: 0, count: alphabetSize)
        for i in 0..<n {
            let c = Int(s[i])
            if isS[i] { bucketStart[c + 1] += 1 } else { sStart[c] += 1 }
        }
        for c in 0..<alphabetSize {
            sStart[c] += bucketStart[c]
            bucketStart[c + 1] += sStart[c]
        }

        var lmsIndex = [Int32](repeating: -1, count: n)
        var lms: [Int32] = []
        for i in 1..<n where !isS[i - 1] && isS[i] {
            lmsIndex[i] = Int32(lms.count)
            lms.append(Int32(i))
        }

        func induce(_ seeds: [Int32]) {
            for i in 0..<n { sa[i] = -1 }
            var next = sStart
            for d in seeds {
                let c = Int(s[Int(d)])
                sa[next[c]] = d
                next[c] += 1
            }
            var head = Array(bucketStart.dropLast())
            let last = Int(s[n - 1])
            sa[head[last]] = Int32(n - 1)
            head[last] += 1
            for i in 0..<n {
                let v = Int(sa[i]) - 1
                if v >= 0 && !isS[v] {
                    let c = Int(s[v])
                    sa[head[c]] = Int32(v)
                    head[c] += 1
                }
            }
            var tail = Array(bucketStart.dropFirst())
            for i in stride(from: n - 1, through: 0, by: -1) {
                let v = Int(sa[i]) - 1
                if v >= 0 && isS[v] {
                    let c = Int(s[v])
                    tail[c] -= 1
                    sa[tail[c]] = Int32(v)
                }
            }
        }

        induce(lms)
        let m = lms.count
        guard m > 0 else { return }

        // LMS suffixes now appear in the order of their LMS substrings; name equal substrings alike.
        var sortedLMS: [Int32] = []
        sortedLMS.reserveCapacity(m)
        for i in 0..<n where sa[i] >= 0 && lmsIndex[Int(sa[i])] >= 0 { sortedLMS.append(sa[i]) }
        var reduced = [Int32](repeating: 0, count: m)
        var name: Int32 = 0
        for k in 1..<m {
            var l = Int(sortedLMS[k - 1]), r = Int(sortedLMS[k])
            let endL = Int(lmsIndex[l]) + 1 < m ? Int(lms[Int(lmsIndex[l]) + 1]) : n
            let endR = Int(lmsIndex[r]) + 1 < m ? Int(lms[Int(lmsIndex[r]) + 1]) : n
            var same = endL - l == endR - r
            if same {
                while l < endL && s[l] == s[r] {
                    l += 1
                    r += 1
                }
                if l == n || s[l] != s[r] { same = false }
            }
            if !same { name += 1 }
            reduced[Int(lmsIndex[Int(sortedLMS[k])])] = name
        }

        if Int(name) + 1 < m {
            var reducedSA = [Int32](repeating: 0, count: m)
            reduced.withUnsafeBufferPointer { reduced in
                reducedSA.withUnsafeMutableBufferPointer { reducedSA in
                    build(reduced, alphabetSize: Int(name) + 1, into: reducedSA)
                }
            }
            for k in 0..<m { sortedLMS[k] = lms[Int(reducedSA[k])] }
        }
        induce(sortedLMS)
    }

    /// The LCP array by Kasai's algorithm: `lcp[k]` is the length of the longest common prefix of the
    /// suffixes at ranks `k - 1` and `k`; `lcp[0]` is 0.
    public static func longestCommonPrefixes(_ s: [Int32], suffixArray sa: [Int32]) -> [Int32] {
        let n = s.count
        var rank = [Int32](repeating: 0, count: n)
        for k in 0..<n { rank[Int(sa[k])] = Int32(k) }
        var lcp = [Int32](repeating: 0, count: n)
        var h = 0
        for i in 0..<n {
            let r = Int(rank[i])
            if r == 0 {
                h = 0
                continue
            }
            let j = Int(sa[r - 1])
            while i + h < n && j + h < n && s[i + h] == s[j + h] { h += 1 }
            lcp[r] = Int32(h)
            if h > 0 { h -= 1 }
        }
        return lcp
    }
}
