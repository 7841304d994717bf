import Foundation
import CorpusFormats
import Preprocessing
import Shards
import Tokenization
import Training

/// The inputs hapax reads from files it did not write, each as a function of arbitrary bytes that must
/// return (an error is fine) and never crash, hang or break an invariant. tools/fuzz.sh runs one
/// under libFuzzer with AddressSanitizer; without FUZZING this executable replays files instead.
enum FuzzTarget: String, CaseIterable {
    case tiktoken, tokenizerJSON = "tokenizer-json", sentencepiece, encode, jsonLines = "json-lines", parquet, compressed, shard, manifest, safetensors

    static let stressText = "Caf\u{E9} cafe\u{301} \u{FB01}  x   \t\n\n  <|endoftext|> <mask> I'M \u{130} 1234 \u{1F600}   "

    /// Arbitrary bytes written to a scratch file, for the readers that take paths.
    static let scratch = NSTemporaryDirectory() + "hapax-fuzz-\(getpid())"

    /// Loads what a target reuses across inputs before the first input, where libFuzzer's per-input
    /// time limit does not count it: under AddressSanitizer on a busy machine, loading the encode
    /// target's tokenizers inside its first input took longer than that limit.
    func prepare() {
        if self == .encode { _ = Self.tokenizers }
    }

    func run(_ data: [UInt8]) {
        switch self {
        case .tiktoken: _ = try? Tokenizer.load(path: Self.file(data, "input.tiktoken"), pattern: .cl100k)
        case .tokenizerJSON:
            // A file that loads must encode: its normalizer, patterns and added tokens all run.
            guard let tokenizer = try? Tokenizer.load(path: Self.file(data, "tokenizer.json")) else { return }
            _ = tokenizer.encode(Self.stressText)
        case .sentencepiece:
            // A model that loads must encode to ids it has, whatever its pieces and scores.
            guard let tokenizer = try? Tokenizer.load(path: Self.file(data, "tokenizer.model")) else { return }
            precondition(tokenizer.encode(Self.stressText + "\u{2581}\u{2581}x\u{1F99C}").allSatisfy { Int($0) < tokenizer.vocabularySize })
        case .encode: Self.roundTrip(data)
        case .jsonLines: Self.read(Self.file(data, "input.jsonl"))
        case .parquet: Self.read(Self.file(data, "input.parquet"))
        case .compressed:
            Self.read(Self.file(data, "input.txt.gz"))
            Self.read(Self.file(data, "input.jsonl.zst"))
        case .shard:
            guard let reader = try? ShardReader(path: Self.file(data, "input.hapax")) else { return }
            for f in 0..<reader.header.frameCount { _ = try? reader.frame(f) }
        case .manifest:
            _ = Self.file(data, "manifest.json")
            guard let folder = try? ShardFolder(path: Self.scratch) else { return }
            _ = try? folder.window(.train, 0)
        case .safetensors: _ = try? SafeTensors.read(Self.file(data, "input.safetensors"))
        }
    }

    static func file(_ data: [UInt8], _ name: String) -> String {
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let path = scratch + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(data))
        return path
    }

    static func read(_ path: String) {
        let reader = CorpusReader(files: [path], maximumDocumentBytes: 1 << 20)
        while let document = try? reader.next() { precondition(document.size <= 1 << 20) }
    }

    /// Every pre-tokenizer: decoding what valid UTF-8 encodes to gives the text back.
    nonisolated(unsafe) static var tokenizers: [Tokenizer] = {
        let ranks = ProcessInfo.processInfo.environment["HAPAX_FUZZ_RANKS"] ?? "data/cl100k_base.tiktoken"
        return PreTokenizer.allCases.map { try! Tokenizer.load(path: ranks, pattern: $0) }
    }()

    static func roundTrip(_ data: [UInt8]) {
        guard let text = String(validating: data, as: UTF8.self) else { return }
        for tokenizer in tokenizers {
            let ids = tokenizer.encode(text)
            precondition(tokenizer.decodeBytes(ids) == data, "decode(encode(x)) != x with the \(tokenizer.patternName) pattern")
        }
    }

    nonisolated(unsafe) static var selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["HAPAX_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError("set HAPAX_FUZZ_TARGET to one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return target
    }()
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzer(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.selected.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

/// SwiftPM calls an executable's entry point `<module>_main`; libFuzzer's driver runs from it.
@_cdecl("hapax_fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc, arguments = argv
    FuzzTarget.selected.prepare()
    return runFuzzer(&count, &arguments) { data, size in fuzzOne(data, size) }
}
#else
/// Replays inputs without libFuzzer: `hapax-fuzz TARGET FILE...`, as the regression tests do.
@main struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            print("usage: hapax-fuzz TARGET FILE...  (targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")))")
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { fatalError("cannot read \(path)") }
            target.run(Array(data))
        }
        print("\(target.rawValue): \(arguments.count - 1) input(s) replayed")
    }
}
#endif
