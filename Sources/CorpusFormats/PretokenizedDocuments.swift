import Foundation
import TokenFiles

/// The documents of a Megatron indexed dataset (named by its `.idx`) that start in a piece: each the
/// ids of one item of the index (a document, or a sequence when the index's documents stop short of
/// its sequences), its offset the byte where they start in the `.bin`, its block the one holding that
/// byte. Empty items are none. With `sampleLength`, every sequence is a training sample that must
/// hold exactly that many ids. Streams both files: memory holds a window of each, whatever the number
/// of documents.
struct MegatronDocuments: DocumentSource {
    private let reader: MegatronIndex.Reader
    private let input: Int
    private let layout: InputLayout
    private let maximumIds: Int
    private let sampleLength: Int?
    private var nextItem: Int
    /// Where the piece's items stop starting, in bytes of the `.bin`.
    private let endByte: Int
    private(set) var consumed = 0

    init(layout: InputLayout, piece: InputLayout.Piece, sampleLength: Int?, maximumDocumentBytes: Int) throws(InputError) {
        let path = layout.entries[piece.input].path
        do {
            let reader = try MegatronIndex.Reader(MegatronIndex(path: path, sequences: sampleLength != nil))
            self.reader = reader
            nextItem = try piece.lineStarts.map { starts throws(TokenFileError) in try reader.firstItem(startingAtOrAfter: starts.lowerBound) } ?? 0
        } catch { throw InputError(error.description) }
        endByte = piece.lineStarts?.upperBound ?? Int.max
        input = piece.input
        self.layout = layout
        maximumIds = maximumDocumentBytes / 4
        self.sampleLength = sampleLength
    }

    mutating func next(skipped: inout [Int: Int]) throws(InputError) -> Document? {
        let index = reader.index
        while nextItem < index.count {
            let k = nextItem
            let start: Int, count: Int
            do {
                start = try reader.start(k)
                if start >= endByte { return nil }
                count = try reader.idCount(k)
            } catch { throw InputError(error.description) }
            nextItem += 1
            if let sampleLength, count != sampleLength {
                throw InputError("\(layout.entries[input].path): sequence \(k) has \(count) ids, but --packed takes each sequence as one training sample of seq-len + 1 = \(sampleLength)")
            }
            guard count > 0 else { continue }
            guard count <= maximumIds else {
                throw InputError("\(layout.entries[input].path): \(index.unit == .document ? "document" : "sequence") \(k) has \(count) ids, longer than a work unit (\(maximumIds) ids); raise --unit-size")
            }
            let ids: [UInt32]
            do { ids = try reader.ids(item: k, start: start, count: count) } catch { throw InputError(error.description) }
            consumed += count * index.dtype.width
            return Document(content: .tokens(ids), block: layout.block(at: layout.entries[input].start + start), input: input,
                            offset: start, replacements: 0)
        }
        return nil
    }
}

/// The documents of a flat token file (`--format tokens`) that start in a piece: each runs to and
/// including the next end-of-text id; its offset is the byte of its first id in the file.
struct MemmapDocuments: DocumentSource {
    private var documents: TokenMemmap.Documents
    private let width: Int
    private let input: Int
    private let layout: InputLayout
    private(set) var consumed = 0

    init(layout: InputLayout, piece: InputLayout.Piece, options: TokenInputOptions, maximumDocumentBytes: Int) throws(InputError) {
        let path = layout.entries[piece.input].path
        do {
            let memmap = try TokenMemmap(path: path, dtype: options.type)
            documents = try TokenMemmap.Documents(memmap, starts: piece.lineStarts, endOfText: options.endOfText,
                                                   maximumIds: maximumDocumentBytes / 4)
        } catch { throw InputError(error.description) }
        width = options.type.width
        input = piece.input
        self.layout = layout
    }

    mutating func next(skipped: inout [Int: Int]) throws(InputError) -> Document? {
        let next: (start: Int, ids: [UInt32])?
        do { next = try documents.next() } catch { throw InputError(error.description) }
        guard let (start, ids) = next else { return nil }
        consumed += ids.count * width
        return Document(content: .tokens(ids), block: layout.block(at: layout.entries[input].start + start), input: input,
                        offset: start, replacements: 0)
    }
}
