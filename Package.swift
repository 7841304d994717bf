// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hapax",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hapax-prep", targets: ["hapax-prep"]),
        .executable(name: "hapax-train", targets: ["hapax-train"]),
        .library(name: "Tokenization", targets: ["Tokenization"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"]), .brew(["snappy"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"]), .brew(["lz4"])]),
        .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlidec", providers: [.apt(["libbrotli-dev"]), .brew(["brotli"])]),
        // The regex engine of Hugging Face `tokenizers`, for Split and Replace patterns without a scanner of their own.
        .systemLibrary(name: "COniguruma", pkgConfig: "oniguruma", providers: [.apt(["libonig-dev"]), .brew(["oniguruma"])]),
        .target(name: "WorkerPool"),
        .target(name: "SeededRandom"),
        .target(name: "Tokenization", dependencies: ["WorkerPool", "Checksum", "CPrefetch", "COniguruma"]),
        .target(name: "InductionDetector"),
        .target(name: "CSHA256"),
        .target(name: "CKernels"),
        .target(name: "CPrefetch"),
        .target(name: "Checksum", dependencies: ["CSHA256"]),
        .target(name: "Shards", dependencies: ["CZstd", "Checksum", "InductionDetector"]),
        .target(name: "Parquet", dependencies: ["CZlib", "CZstd", "CSnappy", "CLZ4", "CBrotli"]),
        .target(name: "TokenFiles"),
        // Reading corpora: each input format a reader (text, JSON Lines, Parquet, Megatron, token files).
        .target(name: "CorpusFormats", dependencies: ["CZlib", "CZstd", "Parquet", "TokenFiles", "Tokenization"]),
        .target(name: "Preprocessing", dependencies: ["Checksum", "CorpusFormats", "TokenFiles", "Tokenization", "InductionDetector", "Shards", "WorkerPool", "SeededRandom"]),
        .target(name: "TokenEquivalence", dependencies: ["CBLAS", "Tokenization", "Shards"]),
        .executableTarget(name: "hapax-prep", dependencies: [
            "Tokenization", "WorkerPool", "CorpusFormats", "Preprocessing", "Checksum", "Shards", "InductionDetector", "TokenEquivalence", "Training", "TokenFiles",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "Training", dependencies: ["CBLAS", "CKernels", "Checksum", "WorkerPool", "Shards", "InductionDetector", "SeededRandom", "TokenFiles"]),
        .target(name: "Analysis", dependencies: ["Training", "Shards", "Preprocessing", "Tokenization", "InductionDetector", "SeededRandom"]),
        .executableTarget(name: "hapax-train", dependencies: [
            "Training", "Analysis", "Shards", "Tokenization", "InductionDetector", "WorkerPool",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Built with -DFUZZING and -sanitize=fuzzer by tools/fuzz.sh; otherwise it replays saved inputs.
        .executableTarget(name: "hapax-fuzz", dependencies: ["Tokenization", "CorpusFormats", "Preprocessing", "Shards", "Training"]),
        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "SeededRandom"]),
        .testTarget(name: "InductionDetectorTests", dependencies: ["InductionDetector", "SeededRandom"]),
        .testTarget(name: "ChecksumTests", dependencies: ["Checksum"]),
        .testTarget(name: "ShardsTests", dependencies: ["Shards", "Checksum"]),
        .testTarget(name: "CorpusFormatsTests", dependencies: ["CorpusFormats", "SeededRandom"]),
        // The PyTorch fixtures are read by path, not bundled.
        .testTarget(name: "TrainingTests", dependencies: ["Training", "CKernels", "SeededRandom"], exclude: ["Fixtures"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Training"]),
        .testTarget(name: "TokenEquivalenceTests", dependencies: ["TokenEquivalence", "Tokenization", "InductionDetector", "SeededRandom"]),
    ]
)

// Release binaries carry Swift's runtime and Foundation: resolving their symbols when a process starts
// cost 7 ms of each (`hapax-prep --help`, 16 against 9 ms), a sixth of loading cl100k. Every module is
// compiled against the static runtime's modules too, whose link lines name what they need (ICU).
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))]
    if target.type == .executable {
        target.linkerSettings = (target.linkerSettings ?? []) + [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))]
    }
}
