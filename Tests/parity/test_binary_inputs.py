"""Binary files are never text: a file whose first bytes name a binary format, or whose first block
holds a NUL byte, is refused in one line naming it by every command that reads corpora, rather than
tokenized into shards of garbage."""
import gzip
import json
import os

import pytest
import zstandard

from conftest import run

KINDS = {
    "parquet": (b"PAR1" + os.urandom(2000) + b"PAR1", "a Parquet file"),
    "arrow": (b"ARROW1\x00\x00" + os.urandom(500), "an Arrow IPC file"),
    "zip": (b"PK\x03\x04" + os.urandom(500), "a zip archive"),
    "pdf": (b"%PDF-1.7\n" + bytes(range(256)), "a PDF document"),
    "npy": (b"\x93NUMPY\x01\x00v\x00{'descr': '<u2'}" + os.urandom(500), "a NumPy array"),
    "idx": (b"MMIDIDX\x00\x00" + os.urandom(500), "a Megatron index"),
    "nul": (b"plain enough text " * 100 + b"\x00\x01\x02" + b"more text", "NUL bytes in its first 64 KiB"),
}


@pytest.fixture
def folder(corpus_files, tmp_path):
    """Two text files and, between them in sorted order, the binary one."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "a.txt").write_text(corpus_files[0].read_text(encoding="utf-8"), encoding="utf-8")
    (inputs / "c.txt").write_text(corpus_files[1].read_text(encoding="utf-8"), encoding="utf-8")
    return inputs


def refused(result, path, kind):
    error = result.stderr.decode()
    assert result.returncode != 0, error
    assert len(error.strip().splitlines()) == 1 and str(path) in error and kind in error and "not text" in error, error


@pytest.mark.parametrize("name", sorted(KINDS))
@pytest.mark.parametrize("suffix", [".txt", ".jsonl"])
def test_shard_refuses_a_binary_file_in_a_folder(hapax_prep, cl100k_path, folder, tmp_path, name, suffix):
    content, kind = KINDS[name]
    binary = folder / f"b{suffix}"
    binary.write_bytes(content)
    out = tmp_path / "shards"
    refused(run([hapax_prep, "shard", str(folder), "--tokenizer", str(cl100k_path), "--seq-len", "64", "-o", str(out)], check=False),
            binary, kind)
    assert not (out / "manifest.json").exists()


@pytest.mark.parametrize("name", sorted(set(KINDS) - {"parquet"}))
def test_a_file_named_parquet_that_is_not_is_refused_by_the_parquet_reader(hapax_prep, cl100k_path, folder, tmp_path, name):
    binary = folder / "b.parquet"
    binary.write_bytes(KINDS[name][0])
    result = run([hapax_prep, "shard", str(folder), "--tokenizer", str(cl100k_path), "--seq-len", "64", "-o", str(tmp_path / "s")], check=False)
    error = result.stderr.decode()
    assert result.returncode != 0 and len(error.strip().splitlines()) == 1 and "b.parquet: not a Parquet file" in error, error


def test_every_part_refuses_it_even_one_that_reads_only_other_files(hapax_prep, cl100k_path, folder, tmp_path):
    binary = folder / "b.txt"
    binary.write_bytes(KINDS["parquet"][0])
    for part in ("0/2", "1/2"):
        result = run([hapax_prep, "shard", str(folder), "--tokenizer", str(cl100k_path), "--seq-len", "64",
                      "--unit-size", "4096", "--part", part, "-o", str(tmp_path / part.replace("/", "-"))], check=False)
        refused(result, binary, "a Parquet file")


def test_compressed_binary_content_is_refused(hapax_prep, cl100k_path, tmp_path):
    binary = tmp_path / "data.jsonl.gz"
    binary.write_bytes(gzip.compress(KINDS["nul"][0]))
    refused(run([hapax_prep, "shard", str(binary), "--tokenizer", str(cl100k_path), "--seq-len", "64", "-o", str(tmp_path / "s")],
                check=False), binary, "NUL bytes")


def test_tokenize_and_train_tokenizer_refuse_it_too(hapax_prep, cl100k_path, tmp_path):
    binary = tmp_path / "data.bin"
    binary.write_bytes(KINDS["npy"][0])
    refused(run([hapax_prep, "tokenize", "--tokenizer", str(cl100k_path), str(binary)], check=False), binary, "a NumPy array")
    refused(run([hapax_prep, "train-tokenizer", "--vocab-size", "300", "-o", str(tmp_path / "t.json"), str(binary)], check=False),
            binary, "a NumPy array")
    assert not (tmp_path / "t.json").exists()


def test_binary_standard_input_is_refused(hapax_prep, cl100k_path, tmp_path):
    result = run([hapax_prep, "shard", "-", "--tokenizer", str(cl100k_path), "--seq-len", "64", "-o", str(tmp_path / "s")],
                 input=KINDS["zip"][0], check=False)
    refused(result, "standard input", "a zip archive")


def test_text_with_a_late_nul_or_a_magic_inside_is_still_text(hapax_prep, cl100k_path, tmp_path):
    """Only the first block is looked at, and a magic counts only at the start."""
    text = tmp_path / "late.txt"
    text.write_bytes(b"Parquet files start with PAR1, zip files with PK. " + b"x" * 70_000 + b"\x00 late")
    result = run([hapax_prep, "tokenize", "--tokenizer", str(cl100k_path), "--count", str(text)])
    assert int(result.stdout.decode()) > 0


def test_a_binary_gzip_member_after_a_text_one_is_refused(hapax_prep, cl100k_path, tmp_path):
    """`cat text.gz binary.gz`: the first 64 KiB of the content are looked at across members, not only
    the first member's output (which was 8,192 replacement characters of shards)."""
    binary = tmp_path / "data.txt.gz"
    binary.write_bytes(gzip.compress(b"a short text member\n") + gzip.compress(os.urandom(8192) + b"\x00"))
    refused(run([hapax_prep, "shard", str(binary), "--tokenizer", str(cl100k_path), "--seq-len", "64", "-o", str(tmp_path / "s")],
                check=False), binary, "NUL bytes")


def test_a_binary_zstd_frame_after_a_text_one_is_refused(hapax_prep, cl100k_path, tmp_path):
    binary = tmp_path / "data.jsonl.zst"
    binary.write_bytes(zstandard.compress(b'{"text": "hello"}\n') + zstandard.compress(b"\x00\x01\x02" * 1000))
    refused(run([hapax_prep, "shard", str(binary), "--tokenizer", str(cl100k_path), "--seq-len", "64", "-o", str(tmp_path / "s")],
                check=False), binary, "NUL bytes")


def test_binary_standard_input_is_refused_before_anything_is_written(hapax_prep, cl100k_path, corpus_files, tmp_path):
    """The folder stays untouched, so the next run into it, of text, is accepted; and a text standard
    input checked first is read whole all the same (the bytes the check took are read again)."""
    out = tmp_path / "s"
    args = [hapax_prep, "shard", "-", "--tokenizer", str(cl100k_path), "--seq-len", "64", "-o", str(out)]
    refused(run(args, input=KINDS["nul"][0], check=False), "standard input", "NUL bytes")
    assert not out.exists() or not any(out.iterdir()), sorted(p.name for p in out.iterdir())
    text = corpus_files[0].read_bytes()
    run(args, input=gzip.compress(text))
    run([hapax_prep, "shard", str(corpus_files[0]), "--tokenizer", str(cl100k_path), "--seq-len", "64", "-o", str(tmp_path / "f")])
    manifests = [json.loads((folder / "manifest.json").read_text()) for folder in (out, tmp_path / "f")]
    assert manifests[0]["statistics"]["tokens"] == manifests[1]["statistics"]["tokens"] > 1000


@pytest.mark.parametrize("size", [10, 11])
@pytest.mark.parametrize("version", [2, 3])
def test_a_token_file_with_a_cut_numpy_v2_header_is_refused(hapax_prep, cl100k_path, tmp_path, size, version):
    """Versions 2 and 3 give the header's length in 4 bytes, 8 to 12: a 10- or 11-byte file trapped."""
    path = tmp_path / "ids.npy"
    path.write_bytes((b"\x93NUMPY" + bytes([version, 0]) + b"\x10\x00\x00\x00")[:size])
    result = run([hapax_prep, "shard", str(path), "--format", "tokens", "--dtype", "uint16", "--tokenizer", str(cl100k_path),
                  "--seq-len", "64", "-o", str(tmp_path / "s")], check=False)
    error = result.stderr.decode()
    assert result.returncode == 1 and len(error.strip().splitlines()) == 1 and "a NumPy header cut short" in error, (result.returncode, error)
