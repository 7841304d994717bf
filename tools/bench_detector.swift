// The match-length detector alone, for tools/bench_detector.py: compiled together with one
// version's Sources/InductionDetector. Reads windows of cl100k ids (u32, little-endian), runs the
// detector over all of them `rounds` times and prints the best rate in tokens per second and a
// digest of the match lengths, so that two versions can be checked to agree.
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 4, let data = FileManager.default.contents(atPath: arguments[1]),
      let length = Int(arguments[2]), let rounds = Int(arguments[3]) else {
    FileHandle.standardError.write("usage: bench-detector WINDOWS.u32 WINDOW_LENGTH ROUNDS\n".data(using: .utf8)!)
    exit(2)
}
let tokens: [UInt32] = data.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
let windows = tokens.count / length
let detector = MatchLengthDetector()
var lengths = [UInt8](repeating: 0, count: windows * length)
var best = Double.infinity
for _ in 0..<rounds {
    let start = DispatchTime.now()
    tokens.withUnsafeBufferPointer { tokens in
        lengths.withUnsafeMutableBufferPointer { lengths in
            for w in 0..<windows {
                let range = (w * length)..<((w + 1) * length)
                detector.matchLengths(UnsafeBufferPointer(rebasing: tokens[range]), scope: .window, endOfText: 100257,
                                      into: UnsafeMutableBufferPointer(rebasing: lengths[range]))
            }
        }
    }
    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
}
var digest: UInt64 = 0xcbf2_9ce4_8422_2325    // FNV-1a
for m in lengths { digest = (digest ^ UInt64(m)) &* 0x100_0000_01b3 }
print(Double(windows * length) / best, String(digest, radix: 16))
