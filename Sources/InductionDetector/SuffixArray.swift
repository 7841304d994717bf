/// Suffix arrays by induced sorting (SA-IS, Nong, Zhang and Chan 2009): linear time, and no sentinel
/// is needed in the input. Symbols are dense integers in `0..<alphabetSize`.
///
/// SA-IS classifies each suffix as S (smaller than the next suffix) or L (larger), sorts the
/// LMS substrings (those starting at an S suffix right after an L suffix) by inducing from bucket
/// boundaries, names them, sorts the names recursively if they are not all distinct, and induces the
/// full order from the sorted LMS suffixes. Scratch space comes from temporary allocations, which
/// live on the stack for window-sized inputs.
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

    public static func build(_ s: UnsafeBufferPointer<Int32>, alphabetSize k: Int, into sa: UnsafeMutableBufferPointer<Int32>) {
        let n = s.count
        if n == 0 { return }
        if n == 1 { sa[0] = 0; return }
        if n == 2 {
            (sa[0], sa[1]) = s[0] < s[1] ? (0, 1) : (1, 0)
            return
        }
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: n) { isS in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * k + 2) { buckets in
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: n) { lmsIndex in
                    withUnsafeTemporaryAllocation(of: Int32.self, capacity: n / 2 + 1) { lms in
                        let bucketStart = UnsafeMutableBufferPointer(rebasing: buckets[0..<(k + 1)])
                        let sStart = UnsafeMutableBufferPointer(rebasing: buckets[(k + 1)..<(2 * k + 1)])
                        let cursor = UnsafeMutableBufferPointer(rebasing: buckets[(2 * k + 1)..<(3 * k + 2)])
                        build(s, k, sa, isS, bucketStart, sStart, cursor, lmsIndex, lms)
                    }
                }
            }
        }
    }

    private static func build(_ s: UnsafeBufferPointer<Int32>, _ k: Int, _ sa: UnsafeMutableBufferPointer<Int32>,
                              _ isS: UnsafeMutableBufferPointer<Bool>, _ bucketStart: UnsafeMutableBufferPointer<Int>,
                              _ sStart: UnsafeMutableBufferPointer<Int>, _ cursor: UnsafeMutableBufferPointer<Int>,
                              _ lmsIndex: UnsafeMutableBufferPointer<Int32>, _ lms: UnsafeMutableBufferPointer<Int32>) {
        let n = s.count
        // isS[i]: suffix i is smaller than suffix i + 1. The last suffix counts as L.
        isS[n - 1] = false
        for i in stride(from: n - 2, through: 0, by: -1) {
            isS[i] = s[i] == s[i + 1] ? isS[i + 1] : s[i] < s[i + 1]
        }
        // Bucket c spans [bucketStart[c], bucketStart[c + 1]); its L suffixes come before its S
        // suffixes, which start at sStart[c].
        for c in 0...k { bucketStart[c] = 0 }
        for c in 0..<k { sStart[c] = 0 }
        for i in 0..<n {
            let c = Int(s[i])
            if isS[i] { bucketStart[c + 1] += 1 } else { sStart[c] += 1 }
        }
        for c in 0..<k {
            sStart[c] += bucketStart[c]
            bucketStart[c + 1] += sStart[c]
        }

        var m = 0
        for i in 1..<n {
            if !isS[i - 1] && isS[i] {
                lmsIndex[i] = Int32(m)
                lms[m] = Int32(i)
                m += 1
            } else {
                lmsIndex[i] = -1
            }
        }
        lmsIndex[0] = -1

        func induce(_ seeds: UnsafeMutableBufferPointer<Int32>) {
            sa.update(repeating: -1)
            for c in 0..<k { cursor[c] = sStart[c] }
            for d in seeds {
                let c = Int(s[Int(d)])
                sa[cursor[c]] = d
                cursor[c] += 1
            }
            for c in 0..<k { cursor[c] = bucketStart[c] }
            let last = Int(s[n - 1])
            sa[cursor[last]] = Int32(n - 1)
            cursor[last] += 1
            for i in 0..<n {
                let v = Int(sa[i]) - 1
                if v >= 0 && !isS[v] {
                    let c = Int(s[v])
                    sa[cursor[c]] = Int32(v)
                    cursor[c] += 1
                }
            }
            for c in 0..<k { cursor[c] = bucketStart[c + 1] }
            for i in stride(from: n - 1, through: 0, by: -1) {
                let v = Int(sa[i]) - 1
                if v >= 0 && isS[v] {
                    let c = Int(s[v])
                    cursor[c] -= 1
                    sa[cursor[c]] = Int32(v)
                }
            }
        }

        let seeds = UnsafeMutableBufferPointer(rebasing: lms[0..<m])
        induce(seeds)
        guard m > 0 else { return }

        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 3 * m) { scratch in
            // LMS suffixes now appear in the order of their LMS substrings; name equal substrings alike.
            let sortedLMS = UnsafeMutableBufferPointer(rebasing: scratch[0..<m])
            let reduced = UnsafeMutableBufferPointer(rebasing: scratch[m..<(2 * m)])
            let reducedSA = UnsafeMutableBufferPointer(rebasing: scratch[(2 * m)..<(3 * m)])
            var j = 0
            for i in 0..<n where sa[i] >= 0 && lmsIndex[Int(sa[i])] >= 0 {
                sortedLMS[j] = sa[i]
                j += 1
            }
            var name: Int32 = 0
            reduced[Int(lmsIndex[Int(sortedLMS[0])])] = 0
            for x in 1..<m {
                var l = Int(sortedLMS[x - 1]), r = Int(sortedLMS[x])
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
                reduced[Int(lmsIndex[Int(sortedLMS[x])])] = name
            }
            if Int(name) + 1 < m {
                build(UnsafeBufferPointer(reduced), alphabetSize: Int(name) + 1, into: reducedSA)
                for x in 0..<m { sortedLMS[x] = lms[Int(reducedSA[x])] }
            }
            induce(sortedLMS)
        }
    }

    /// The LCP array by Kasai's algorithm: `lcp[k]` is the length of the longest common prefix of the
    /// suffixes at ranks `k - 1` and `k`; `lcp[0]` is 0.
    public static func longestCommonPrefixes(_ s: [Int32], suffixArray sa: [Int32]) -> [Int32] {
        var lcp = [Int32](repeating: 0, count: s.count)
        s.withUnsafeBufferPointer { s in
            sa.withUnsafeBufferPointer { sa in
                lcp.withUnsafeMutableBufferPointer { lcp in longestCommonPrefixes(s, sa, into: lcp) }
            }
        }
        return lcp
    }

    public static func longestCommonPrefixes(_ s: UnsafeBufferPointer<Int32>, _ sa: UnsafeBufferPointer<Int32>,
                                             into lcp: UnsafeMutableBufferPointer<Int32>) {
        let n = s.count
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: n) { rank in
            for r in 0..<n { rank[Int(sa[r])] = Int32(r) }
            if n > 0 { lcp[0] = 0 }
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
        }
    }
}
