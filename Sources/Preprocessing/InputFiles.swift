import Foundation

/// Turns command-line inputs into the ordered list of files to read: a file is itself, a folder is
/// every regular file below it (hidden ones excepted) in sorted order, and a pattern with `*`, `?` or
/// `[` that names no file is expanded as a glob, sorted.
public func expandInputs(_ arguments: [String]) throws(InputError) -> [String] {
    var files: [String] = []
    for argument in arguments {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder) {
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

private func filesBelow(_ folder: String) throws(InputError) -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: folder) else {
        throw InputError("\(folder): cannot list the folder")
    }
    var files: [String] = []
    while let relative = enumerator.nextObject() as? String {
        let name = (relative as NSString).lastPathComponent
        if name.hasPrefix(".") {
            if (enumerator.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { enumerator.skipDescendants() }
            continue
        }
        if (enumerator.fileAttributes?[.type] as? FileAttributeType) == .typeRegular {
            files.append((folder as NSString).appendingPathComponent(relative))
        }
    }
    // Byte order, not locale order, so that every machine reads the files alike.
    return files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}

private func glob(_ pattern: String) -> [String] {
    var result = glob_t()
    defer { globfree(&result) }
    guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
    return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }
        .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}

/// How a file holds documents, from its name without the compression suffix: JSON Lines for
/// `.jsonl`, `.ndjson` and `.json`, otherwise plain text, one document per file.
public enum InputFormat: Equatable {
    case plainText, jsonLines

    public init(path: String) {
        var name = path
        for suffix in [".gz", ".zst"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
        self = [".jsonl", ".ndjson", ".json"].contains(where: { name.hasSuffix($0) }) ? .jsonLines : .plainText
    }
}
