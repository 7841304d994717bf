"""Shard folders and shard files, read and checked as docs/FORMAT.md (sections 3 to 5) says a reader
must: every error names the file, and the frame or window where there is one."""
import bisect
import collections
import hashlib
import json
import os
import struct

import numpy as np
import zstandard

FORMAT_NAME = "hapax-shards"
FORMAT_VERSION = 1
MAGIC = b"HAPAXSHD"
HEADER_SIZE = 128
MAXIMUM_WINDOW_LENGTH = 1 << 24
MAXIMUM_FRAME_TOKENS = 1 << 26


class ShardError(Exception):
    """A shard folder or file that is not what its manifest and docs/FORMAT.md say."""


class Shard:
    """One `.hapax` file: its header and frame table, checked when opened; frames read on demand."""

    def __init__(self, path, entry, parameters):
        self.path = path
        try:
            size = os.path.getsize(path)
            with open(path, "rb") as f:
                header = f.read(HEADER_SIZE)
                if len(header) < HEADER_SIZE:
                    raise ShardError(f"{path}: file is shorter than a shard header ({len(header)} bytes)")
                self._parse(header, size)
                table = f.read(16 * self.frames)
        except OSError as error:
            raise ShardError(f"{path}: cannot read: {error.strerror}") from None
        if len(table) < 16 * self.frames:
            raise ShardError(f"{path}: file ends inside the frame table")
        digest = hashlib.sha256(header[:120] + table).digest()
        if struct.unpack_from("<Q", header, 120)[0] != struct.unpack("<Q", digest[:8])[0]:
            raise ShardError(f"{path}: header checksum mismatch (the header or frame table is corrupt)")
        self.table = np.frombuffer(table, "<u8").reshape(-1, 2).astype(np.int64)
        expected = HEADER_SIZE + 16 * self.frames
        for f, (offset, length) in enumerate(self.table):
            if offset != expected or length <= 0:
                raise ShardError(f"{path}: frame table entry {f} (offset {offset}, size {length}) does not tile the file")
            expected += int(length)
        if expected != self.file_size:
            raise ShardError(f"{path}: frames end at {expected}, the file at {self.file_size}")
        self._compare(entry, parameters)

    def _parse(self, header, size):
        path = self.path
        if header[:8] != MAGIC:
            raise ShardError(f"{path}: not a hapax shard (bad magic)")
        version, self.width, self.vocab_size, self.length = struct.unpack_from("<IIII", header, 8)
        (self.windows,) = struct.unpack_from("<Q", header, 24)
        self.per_frame, self.frames = struct.unpack_from("<II", header, 32)
        (self.file_size,) = struct.unpack_from("<Q", header, 40)
        self.tokenizer_sha256 = header[48:80].hex()
        (self.scope,) = struct.unpack_from("<I", header, 80)
        if version != FORMAT_VERSION:
            raise ShardError(f"{path}: format version {version}, this reader reads version {FORMAT_VERSION}")
        if self.width not in (2, 4):
            raise ShardError(f"{path}: token width {self.width}, must be 2 or 4")
        if self.vocab_size < 1 or not 2 <= self.length <= MAXIMUM_WINDOW_LENGTH:
            raise ShardError(f"{path}: vocabulary size {self.vocab_size} or window length {self.length} out of bounds")
        if self.per_frame < 1 or self.per_frame * self.length > MAXIMUM_FRAME_TOKENS:
            raise ShardError(f"{path}: {self.per_frame} windows per frame of {self.length} tokens exceeds {MAXIMUM_FRAME_TOKENS} tokens")
        if self.frames != -(-self.windows // self.per_frame):
            raise ShardError(f"{path}: {self.frames} frames cannot hold {self.windows} windows of {self.per_frame} per frame")
        if self.file_size != size:
            raise ShardError(f"{path}: file is {size} bytes, its header says {self.file_size} (truncated or extended)")

    def _compare(self, entry, parameters):
        tokenizer = parameters["tokenizer"]
        differences = [f"{name} is {mine} in the shard, {theirs} in the manifest" for name, mine, theirs in [
            ("window count", self.windows, entry["windows"]),
            ("file size", self.file_size, entry["bytes"]),
            ("window length", self.length, parameters["window_length"]),
            ("vocabulary size", self.vocab_size, tokenizer["vocab_size"]),
            ("token width", self.width, tokenizer["token_width"]),
            ("tokenizer sha256", self.tokenizer_sha256, tokenizer["sha256"]),
            ("scope", self.scope, 0 if parameters["scope"] == "window" else 1),
        ] if mine != theirs]
        if differences:
            raise ShardError(f"{self.path}: " + "; ".join(differences))

    def _decompress(self, f, compressed, expected):
        """The content of one frame, which must be one zstd frame recording its content size (checked
        before anything is allocated) and its checksum (so that zstd checks the content), and nothing after it."""
        place = f"{self.path}: frame {f}"
        try:
            parameters = zstandard.get_frame_parameters(compressed)
        except zstandard.ZstdError as error:
            raise ShardError(f"{place}: corrupt zstd frame header ({error})") from None
        if not parameters.has_checksum:
            raise ShardError(f"{place}: the zstd frame records no content checksum (a corrupt frame header)")
        if parameters.content_size != expected:
            raise ShardError(f"{place}: the zstd frame declares {parameters.content_size} bytes of content, expected {expected}")
        decompressor = zstandard.ZstdDecompressor().decompressobj(write_size=expected)  # one output buffer
        try:
            content = decompressor.decompress(compressed)
        except zstandard.ZstdError as error:
            raise ShardError(f"{place}: corrupt zstd frame ({error})") from None
        if not decompressor.eof:
            raise ShardError(f"{place}: the zstd frame is truncated")
        if decompressor.unused_data:
            raise ShardError(f"{place}: {len(decompressor.unused_data)} bytes after the zstd frame")
        if len(content) != expected:
            raise ShardError(f"{place}: {len(content)} bytes of content, expected {expected}")
        return content

    def frame(self, f):
        """(tokens, matches) of frame f, each [windows in the frame, L]."""
        count = min(self.per_frame, self.windows - f * self.per_frame)
        n = count * self.length
        offset, length = (int(v) for v in self.table[f])
        try:
            with open(self.path, "rb") as file:
                file.seek(offset)
                compressed = file.read(length)
        except OSError as error:
            raise ShardError(f"{self.path}: frame {f}: cannot read: {error.strerror}") from None
        content = self._decompress(f, compressed, n * (self.width + 1))
        tokens = np.frombuffer(content, "<u2", count=n).astype(np.int64)
        if self.width == 4:
            tokens |= np.frombuffer(content, "<u2", count=n, offset=2 * n).astype(np.int64) << 16
        bad = np.flatnonzero(tokens >= self.vocab_size)
        if len(bad):
            window = f * self.per_frame + int(bad[0]) // self.length
            raise ShardError(f"{self.path}: frame {f}, window {window}: token id {tokens[bad[0]]} is outside the vocabulary of {self.vocab_size}")
        matches = np.frombuffer(content, np.uint8, offset=self.width * n)
        return tokens.reshape(count, self.length), matches.reshape(count, self.length)


class ShardFolder:
    """A folder written by `hapax-prep shard` (or `merge`), through its manifest. Opening checks the
    manifest; each shard's header is checked against it when first used; `verify` checks everything."""

    def __init__(self, path):
        self.path = os.fspath(path)
        manifest_path = os.path.join(self.path, "manifest.json")
        try:
            with open(manifest_path, "rb") as f:
                self.manifest = json.loads(f.read())
        except FileNotFoundError:
            raise ShardError(f"{self.path}: no manifest.json (not a shard folder, or `hapax-prep shard` did not finish)") from None
        except (OSError, ValueError) as error:
            raise ShardError(f"{manifest_path}: cannot read: {error}") from None
        try:
            if self.manifest["format"] != FORMAT_NAME:
                raise ShardError(f"{manifest_path}: format is {self.manifest['format']!r}, expected {FORMAT_NAME!r}")
            if self.manifest["format_version"] != FORMAT_VERSION:
                raise ShardError(f"{manifest_path}: format version {self.manifest['format_version']}, this reader reads {FORMAT_VERSION}")
            self.parameters = self.manifest["parameters"]
            self.seq_len = self.parameters["seq_len"]
            self.vocab_size = self.parameters["tokenizer"]["vocab_size"]
            if self.parameters["window_length"] != self.seq_len + 1:
                raise ShardError(f"{manifest_path}: window_length {self.parameters['window_length']} is not seq_len {self.seq_len} + 1")
            for split in self.manifest["splits"].values():
                for entry in split["shards"]:
                    name = entry["file"]
                    if os.path.isabs(name) or ".." in name.split("/"):
                        raise ShardError(f"{manifest_path}: shard {name!r} is outside the folder")
        except (KeyError, TypeError) as error:
            raise ShardError(f"{manifest_path}: missing or malformed field {error}") from None
        self._shards = {}

    def entries(self, split):
        if split not in self.manifest["splits"]:
            raise ShardError(f"{self.path}: no split {split!r}; the folder has {', '.join(sorted(self.manifest['splits']))}")
        return self.manifest["splits"][split]["shards"]

    def shard(self, entry):
        name = entry["file"]
        if name not in self._shards:
            path = os.path.join(self.path, name)
            real, base = os.path.realpath(path), os.path.realpath(self.path)
            if not real.startswith(base.rstrip("/") + "/"):
                raise ShardError(f"{path}: a symbolic link to {real}, outside the folder {self.path}")
            self._shards[name] = Shard(path, entry, self.parameters)
        return self._shards[name]

    def verify(self):
        """Every shard's size and SHA-256 against the manifest, and every frame."""
        for split in self.manifest["splits"]:
            for entry in self.entries(split):
                path = os.path.join(self.path, entry["file"])
                with open(path, "rb") as f:
                    digest = hashlib.file_digest(f, "sha256").hexdigest() if hasattr(hashlib, "file_digest") else hashlib.sha256(f.read()).hexdigest()
                if digest != entry["sha256"]:
                    raise ShardError(f"{path}: sha256 {digest}, the manifest says {entry['sha256']}")
                shard = self.shard(entry)
                for f in range(shard.frames):
                    shard.frame(f)


class SplitWindows:
    """The windows of one split, numbered across its shards in manifest order. Decoded frames are kept
    in a least-recently-used cache of at most `CACHE_BYTES`, so that shuffled reading decompresses each
    frame once while the split's decoded frames fit in it (and one frame per window at worst)."""

    CACHE_BYTES = 256 << 20

    def __init__(self, folder, split):
        self.folder = folder
        self.split = split
        self.entries = folder.entries(split)
        self.starts = np.cumsum([0] + [e["windows"] for e in self.entries]).tolist()
        self._frames = collections.OrderedDict()
        self._held = 0

    def __len__(self):
        return self.starts[-1]

    def _frame(self, s, f):
        key = (s, f)
        frame = self._frames.get(key)
        if frame is not None:
            self._frames.move_to_end(key)
            return frame
        frame = self.folder.shard(self.entries[s]).frame(f)
        self._frames[key] = frame
        self._held += frame[0].nbytes + frame[1].nbytes
        while self._held > self.CACHE_BYTES and len(self._frames) > 1:
            _, (tokens, matches) = self._frames.popitem(last=False)
            self._held -= tokens.nbytes + matches.nbytes
        return frame

    def window(self, k):
        if not 0 <= k < len(self):
            raise IndexError(f"{self.folder.path}: window {k} is out of range (the {self.split} split has {len(self)})")
        s = bisect.bisect_right(self.starts, k) - 1
        per_frame = self.folder.shard(self.entries[s]).per_frame
        local = k - self.starts[s]
        tokens, matches = self._frame(s, local // per_frame)
        return tokens[local % per_frame], matches[local % per_frame]
