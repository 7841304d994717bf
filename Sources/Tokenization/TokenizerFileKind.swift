import Foundation

/// Which loader reads a tokenizer file, told from its first bytes rather than its name: Mistral ships
/// SentencePiece models as `tokenizer.model.v1` and the like.
enum TokenizerFileKind {
    case json, sentencePiece, rankFile

    init(path: String) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            self = .rankFile  // its loader reports what cannot be read
            return
        }
        let head = [UInt8]((try? handle.read(upToCount: 256)) ?? Data())
        try? handle.close()
        if path.hasSuffix(".json") || head.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{") {
            self = .json
        } else if head.contains(where: { $0 < 0x09 || (0x0E..<0x20).contains($0) || $0 == 0x0B || $0 == 0x0C || $0 >= 0x7F }) {
            // Rank files are base64, digits and spaces; a protobuf message holds lengths and floats.
            self = .sentencePiece
        } else {
            self = .rankFile
        }
    }
}
