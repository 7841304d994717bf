"""Bad input gives one clear line and a non-zero exit, and never a folder that looks complete."""
import gzip
import json
import resource
import signal

import pytest

from conftest import run


def shard(hapax_prep, cl100k_path, inputs, out, *extra):
    return run([hapax_prep, "shard", *map(str, inputs), "--tokenizer", str(cl100k_path), "--seq-len", "64",
                "-o", str(out), *extra], check=False)


def assert_fails(result, *fragments):
    message = result.stderr.decode()
    assert result.returncode not in (0,) and result.returncode > 0, message
    assert message.count("\n") == 1, f"expected one line, got: {message!r}"
    for fragment in fragments:
        assert fragment in message, message


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("The cat sat. The cat sat again. " * 50)
    return path


def test_corrupt_gzip(hapax_prep, cl100k_path, tmp_path):
    bad = tmp_path / "bad.txt.gz"
    bad.write_bytes(gzip.compress(b"hello world " * 1000)[:-40] + b"garbage" * 3)
    result = shard(hapax_prep, cl100k_path, [bad], tmp_path / "out")
    assert_fails(result, str(bad), "gzip")
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_truncated_zstd(hapax_prep, cl100k_path, tmp_path):
    import zstandard
    bad = tmp_path / "bad.txt.zst"
    bad.write_bytes(zstandard.ZstdCompressor().compress(b"hello world " * 1000)[:-9])
    assert_fails(shard(hapax_prep, cl100k_path, [bad], tmp_path / "out"), str(bad), "zstd")


def test_json_lines_under_strict(hapax_prep, cl100k_path, tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"text": "fine"}) + "\n{oops\n")
    assert_fails(shard(hapax_prep, cl100k_path, [path], tmp_path / "a", "--strict"), f"{path}:2", "not a JSON object")
    path.write_text(json.dumps({"text": "fine"}) + "\n" + json.dumps({"content": "x"}) + "\n")
    assert_fails(shard(hapax_prep, cl100k_path, [path], tmp_path / "b", "--strict"), f"{path}:2", 'no string field "text"')


def test_invalid_utf8_under_strict(hapax_prep, cl100k_path, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good text \xff bad")
    assert_fails(shard(hapax_prep, cl100k_path, [path], tmp_path / "out", "--strict"), str(path), "invalid UTF-8 at byte 10")
    replaced = shard(hapax_prep, cl100k_path, [path], tmp_path / "lenient")
    assert replaced.returncode == 0 and b"1 invalid UTF-8 sequence(s) replaced" in replaced.stderr


def test_empty_corpus(hapax_prep, cl100k_path, tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n")
    assert_fails(shard(hapax_prep, cl100k_path, [path], tmp_path / "out"), "no documents")
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_document_longer_than_a_unit(hapax_prep, cl100k_path, text_file, tmp_path):
    assert_fails(shard(hapax_prep, cl100k_path, [text_file], tmp_path / "out", "--unit-size", "100"),
                 str(text_file), "longer than a work unit")


def test_missing_input(hapax_prep, cl100k_path, tmp_path):
    assert_fails(shard(hapax_prep, cl100k_path, [tmp_path / "nope.txt"], tmp_path / "out"), "nope.txt", "no such file")


def test_folder_with_other_parameters(hapax_prep, cl100k_path, text_file, tmp_path):
    out = tmp_path / "out"
    assert shard(hapax_prep, cl100k_path, [text_file], out).returncode == 0
    result = run([hapax_prep, "shard", str(text_file), "--tokenizer", str(cl100k_path), "--seq-len", "32", "-o", str(out)], check=False)
    assert_fails(result, str(out), "seq_len: 32 here, 64 there")


def test_folder_that_is_not_a_shard_folder(hapax_prep, cl100k_path, text_file, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    assert_fails(shard(hapax_prep, cl100k_path, [text_file], tmp_path / "busy"), "not empty")


def test_full_disk(hapax_prep, cl100k_path, corpus_files, tmp_path):
    """A file-size limit stands in for a full disk: writes fail with EFBIG instead of ENOSPC."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
    out = tmp_path / "out"
    import subprocess
    result = subprocess.run([hapax_prep, "shard", *map(str, corpus_files[:4]), "--tokenizer", str(cl100k_path),
                             "--seq-len", "256", "-o", str(out)], capture_output=True, preexec_fn=limit)
    assert_fails(result, "cannot write", "File too large")
    assert not (out / "manifest.json").exists()
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]


def test_verify_names_a_corrupt_shard(hapax_prep, cl100k_path, text_file, tmp_path):
    out = tmp_path / "out"
    assert shard(hapax_prep, cl100k_path, [text_file] * 1, out).returncode == 0
    shard_file = next(out.glob("train-*.hapax"))
    data = bytearray(shard_file.read_bytes())
    data[-5] ^= 0xFF
    shard_file.write_bytes(bytes(data))
    assert_fails(run([hapax_prep, "verify", str(out)], check=False), str(shard_file.name), "sha256")
