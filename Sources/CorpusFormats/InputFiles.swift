import Foundation

/// The input name that stands for the standard input stream.
public let standardInputPath = "-"

/// Turns command-line inputs into the ordered list of files to read: a file is itself, a folder is
/// every regular file below it (hidden ones excepted) in sorted order, a pattern with `*`, `?` or
/// `[` that names no file is expanded as a glob, sorted, and `-` is the standard input.
public func expandInputs(_ arguments: [String]) throws(InputError) -> [String] {
    var files: [String] = []
    for argument in arguments {
        var isFolder: ObjCBool = false
        if argument == standardInputPath {
            if files.contains(standardInputPath) { throw InputError("- (the standard input) can be read only once") }
            files.append(argument)
        } else if FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder) {
            files += isFolder.boolValue ? try filesBelow(argument) : [argument]
        } else if argument.contains(where: { "*?[".contains($0) }) {
            let matches = glob(argument)
            if matches.isEmpty { throw InputError("\(argument): no file matches this pattern") }
            for match in matches { files += try expandInputs([match]) }
        } else {
            throw InputError("\(argument): no such file or folder")
        }
    }
    return files
}

/// Every regular file below `folder`, hidden names excepted, following symbolic links (dataset
/// folders of git-annex, DVC or Hugging Face caches are made of them) with a guard against loops.
/// Anything else that is not a folder (a broken link, a FIFO, a device) is an error naming it.
private func filesBelow(_ folder: String) throws(InputError) -> [String] {
    var files: [String] = []
    var visited: Set<[UInt64]> = []
    func walk(_ path: String) throws(InputError) {
        guard let status = fileStatus(path) else { throw InputError("\(path): cannot read (a broken symbolic link?)") }
        guard visited.insert([UInt64(status.st_dev), UInt64(status.st_ino)]).inserted else { return }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw InputError("\(path): cannot list the folder")
        }
        for name in names where !name.hasPrefix(".") {
            let child = (path as NSString).appendingPathComponent(name)
            guard let entry = fileStatus(child) else { throw InputError("\(child): cannot read (a broken symbolic link?)") }
            switch entry.st_mode & S_IFMT {
            case S_IFDIR: try walk(child)
            case S_IFREG: files.append(child)
            default: throw InputError("\(child): not a regular file or folder")
            }
        }
    }
    try walk(folder)
    // Byte order, not locale order, so that every machine reads the files alike.
    return files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}

/// `stat` of a path, following symbolic links; nil when it cannot be read.
public func fileStatus(_ path: String) -> stat? {
    var status = stat()
    return stat(path, &status) == 0 ? status : nil
}

/// Whether `path` is a regular file (through symbolic links), not a stream such as a named pipe.
public func isRegularFile(_ path: String) -> Bool {
    path != standardInputPath && fileStatus(path).map { $0.st_mode & S_IFMT == S_IFREG } ?? false
}

/// The size of a file, through symbolic links; 0 for the standard input, whose size is unknown.
public func fileSize(_ path: String) -> Int? {
    path == standardInputPath ? 0 : fileStatus(path).map { Int($0.st_size) }
}

private func glob(_ pattern: String) -> [String] {
    var result = glob_t()
    defer { globfree(&result) }
    guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
    return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }
        .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}

/// How a file holds documents: plain text, one document per file; JSON Lines, one per line; Parquet,
/// one per row of a string column; or ids already tokenized: a Megatron indexed dataset (named by
/// its `.idx`), or a flat token file whose documents end with end-of-text.
public enum InputFormat: Equatable, Sendable {
    case plainText, jsonLines, parquet, megatron, tokens

    /// From the name without the compression suffix: JSON Lines for `.jsonl`, `.ndjson` and
    /// `.json`, Parquet for `.parquet`, a Megatron dataset for `.idx`, otherwise plain text (as for
    /// the standard input). Token files are only read as such when asked (`--format tokens`).
    public init(path: String) {
        var name = path
        for suffix in [".gz", ".zst"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
        if name.hasSuffix(".parquet") {
            self = .parquet
        } else if name.hasSuffix(".idx") {
            self = .megatron
        } else {
            self = [".jsonl", ".ndjson", ".json"].contains(where: { name.hasSuffix($0) }) ? .jsonLines : .plainText
        }
    }

    /// Whether documents are ids rather than text.
    public var isPretokenized: Bool { self == .megatron || self == .tokens }
}

/// The format the user asked for: from each file's name, or one format for every input.
public enum FormatChoice: String, Codable, CaseIterable, Sendable {
    case auto, text, jsonl, parquet, megatron, tokens

    public func format(of path: String) -> InputFormat {
        switch self {
        case .auto: InputFormat(path: path)
        case .text: .plainText
        case .jsonl: .jsonLines
        case .parquet: .parquet
        case .megatron: .megatron
        case .tokens: .tokens
        }
    }
}
