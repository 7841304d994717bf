import Foundation
import TokenFiles

/// The documents of a Megatron indexed dataset (named by its `.idx`) that start in a piece: each the
/// ids of one document of the index, its offset the byte where they start in the `.bin`, its block the
/// one holding that byte. Empty documents are none.
struct MegatronDocuments: DocumentSource {
    private let index: MegatronIndex
    private let handle: FileHandle
    private let input: Int
    private let layout: InputLayout
    private let maximumIds: Int
    private var documents: ArraySlice<Int>
    private(set) var consumed = 0

    init(layout: InputLayout, piece: InputLayout.Piece, maximumDocumentBytes: Int) throws(InputError) {
        let path = layout.entries[piece.input].path
        do { index = try MegatronIndex(path: path) } catch { throw InputError(error.description) }
        guard let handle = FileHandle(forReadingAtPath: index.dataPath) else { throw InputError("\(index.dataPath): cannot open") }
        self.handle = handle
        let index = self.index
        documents = index.documents.indices.filter { k in
            index.documents[k].count > 0 && (piece.lineStarts?.contains(index.documents[k].start) ?? true)
        }[...]
        input = piece.input
        self.layout = layout
        maximumIds = maximumDocumentBytes / 4
    }

    mutating func next(skipped: inout [Int: Int]) throws(InputError) -> Document? {
        guard let k = documents.popFirst() else { return nil }
        let (start, count) = index.documents[k]
        guard count <= maximumIds else {
            throw InputError("\(layout.entries[input].path): document \(k) has \(count) ids, longer than a work unit (\(maximumIds) ids); raise --unit-size")
        }
        let ids: [UInt32]
        do { ids = try index.ids(of: k, from: handle) } catch { throw InputError(error.description) }
        consumed += count * index.dtype.width
        return Document(content: .tokens(ids), block: layout.block(at: layout.entries[input].start + start), input: input,
                        offset: start, replacements: 0)
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
