"""An independent reading of docs/FORMAT.md: how documents become units, splits and windows, how
shard files are laid out, and what a match length is. The tests hold hapax to it."""
import json
import pathlib
import struct

import numpy as np
import zstandard

M64 = (1 << 64) - 1


def split_of(input_index, offset, val_fraction):
    """The split of the document starting at byte `offset` of input `input_index`."""
    if val_fraction <= 0:
        return "train"
    z = (((input_index << 40) ^ offset) + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    z ^= z >> 31
    return "val" if (z >> 11) / float(1 << 53) < val_fraction else "train"


def documents(files, unit_bytes, text_field="text"):
    """(block, input index, offset, text) of every document of plain-text and JSON Lines files laid
    end to end: a JSON line belongs to the block holding its first byte, a plain-text file to the block
    holding its start. Compressed files take their place but are not read."""
    result, start = [], 0
    for index, path in enumerate(map(pathlib.Path, files)):
        data = path.read_bytes()
        if path.suffix in (".gz", ".zst"):
            pass
        elif path.suffix in (".jsonl", ".ndjson", ".json"):
            offset = 0
            for line in data.split(b"\n"):
                try:
                    record = json.loads(line)
                except ValueError:
                    record = None
                if isinstance(record, dict) and isinstance(record.get(text_field), str) and record[text_field]:
                    result.append(((start + offset) // unit_bytes, index, offset, record[text_field]))
                offset += len(line) + 1
        elif data:
            result.append((start // unit_bytes, index, 0, data.decode("utf-8")))
        start += len(data)
    return result


MAXIMUM_UNIT_DOCUMENTS = 1 << 18


def units(docs, unit_bytes, maximum_documents=MAXIMUM_UNIT_DOCUMENTS):
    """(unit name, indices into docs): per block, documents grouped in order until their text reaches
    unit_bytes or they number maximum_documents."""
    groups, current, size, index_in_block = [], [], 0, 0
    for i, (block, _, _, text) in enumerate(docs):
        if current and (block != docs[current[0]][0] or size >= unit_bytes or len(current) >= maximum_documents):
            groups.append((f"{docs[current[0]][0]:05d}-{index_in_block:03d}", current))
            index_in_block = index_in_block + 1 if block == docs[current[0]][0] else 0
            current, size = [], 0
        current.append(i)
        size += len(text.encode("utf-8"))
    if current:
        groups.append((f"{docs[current[0]][0]:05d}-{index_in_block:03d}", current))
    return groups


def match_lengths(window):
    """m[t] = longest n-gram ending at t that also ends at an earlier s, by dynamic programming."""
    w = np.asarray(window, dtype=np.int64)
    n = len(w)
    m = np.zeros(n, dtype=np.int64)
    previous = np.zeros(n, dtype=np.int64)
    for t in range(n):
        current = np.zeros(n, dtype=np.int64)
        equal = w[:t] == w[t]
        shifted = np.concatenate([[0], previous[: t - 1]]) if t > 0 else np.zeros(0, dtype=np.int64)
        current[:t] = np.where(equal, shifted + 1, 0)
        m[t] = current[:t].max() if t > 0 else 0
        previous = current
    return np.minimum(m, 255)


def document_match_lengths(window, end_of_text):
    result, start = [], 0
    for t, token in enumerate(window):
        if token == end_of_text or t == len(window) - 1:
            result.extend(match_lengths(window[start : t + 1]))
            start = t + 1
    return np.array(result)


def read_shard(path):
    """(header fields, tokens [windows, L], matches [windows, L]) straight from the bytes."""
    data = pathlib.Path(path).read_bytes()
    assert data[:8] == b"HAPAXSHD"
    version, width, vocab, length = struct.unpack_from("<IIII", data, 8)
    (windows,) = struct.unpack_from("<Q", data, 24)
    per_frame, frames = struct.unpack_from("<II", data, 32)
    (file_size,) = struct.unpack_from("<Q", data, 40)
    assert file_size == len(data)
    tokens, matches = [], []
    for f in range(frames):
        offset, size = struct.unpack_from("<QQ", data, 128 + 16 * f)
        content = zstandard.ZstdDecompressor().decompress(data[offset : offset + size])
        count = min(per_frame, windows - f * per_frame) * length
        ids = np.frombuffer(content[: 2 * count], dtype="<u2").astype(np.uint32)
        if width == 4:
            ids |= np.frombuffer(content[2 * count : 4 * count], dtype="<u2").astype(np.uint32) << 16
        tokens.append(ids)
        matches.append(np.frombuffer(content[width * count :], dtype=np.uint8))
    header = dict(version=version, width=width, vocab=vocab, length=length, windows=windows)
    shape = (windows, length)
    return header, np.concatenate(tokens).reshape(shape), np.concatenate(matches).reshape(shape)


def manifest(folder):
    return json.loads((pathlib.Path(folder) / "manifest.json").read_text())
