"""End-to-end checks of `hapax-prep shard` against an independent reading of docs/FORMAT.md: the
windows rebuild every document in order, every stored match length equals a brute-force oracle, and
the bytes depend on nothing but the inputs and parameters."""
import gzip
import hashlib
import json
import pathlib

import numpy as np
import pytest
import zstandard

import shard_spec
from conftest import kill_after_first_unit, run
from test_tiktoken_parity import cl100k

SEQ_LEN = 256
UNIT_BYTES = 400_000


def shard(hapax_prep, inputs, out, *extra, check=True):
    return run([hapax_prep, "shard", *map(str, inputs), "--tokenizer", str(extra_tokenizer(extra)),
                "--seq-len", str(SEQ_LEN), "-o", str(out), *[e for e in extra if not str(e).startswith("tok=")]],
               check=check)


def extra_tokenizer(extra):
    for e in extra:
        if str(e).startswith("tok="):
            return str(e)[4:]
    raise AssertionError("pass tok=PATH")


def folder_digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(pathlib.Path(folder).rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def subset(corpus_files):
    return corpus_files[:6]


@pytest.fixture(scope="module")
def sharded(hapax_prep, cl100k_path, subset, tmp_path_factory):
    out = tmp_path_factory.mktemp("shards") / "out"
    shard(hapax_prep, subset, out, f"tok={cl100k_path}", "--val-fraction", "0.3", "--unit-size", str(UNIT_BYTES), "--threads", "2")
    return out


def test_windows_rebuild_documents_and_match_the_oracle(sharded, cl100k_path, subset):
    encoding = cl100k(cl100k_path)
    docs = shard_spec.documents(subset, UNIT_BYTES)
    tokens = [encoding.encode_ordinary(text) for _, _, _, text in docs]
    eot = 100257
    spec = shard_spec.manifest(sharded)
    groups = shard_spec.units(docs, UNIT_BYTES)
    assert spec["units"] == len(groups) > 1
    checked = 0
    for split in ("train", "val"):
        shards = {s["file"]: s for s in spec["splits"][split]["shards"]}
        for unit, members in groups:
            stream = [t for i in members if shard_spec.split_of(docs[i][1], docs[i][2], 0.3) == split for t in tokens[i] + [eot]]
            name = f"{split}-{unit}.hapax"
            if len(stream) <= SEQ_LEN:
                assert name not in shards
                continue
            header, windows, matches = shard_spec.read_shard(sharded / name)
            assert header["length"] == SEQ_LEN + 1 and header["windows"] == shards[name]["windows"]
            rebuilt = list(windows[0]) + [t for w in windows[1:] for t in w[1:]]
            assert rebuilt == stream[: len(rebuilt)], f"{name}: windows do not rebuild the documents"
            assert 0 <= len(stream) - len(rebuilt) < SEQ_LEN
            for k in range(0, len(windows), 3):
                assert list(matches[k]) == list(shard_spec.match_lengths(windows[k])), f"{name} window {k}"
                checked += 1
    assert checked > 100


def test_verify_all_and_export_agree(hapax_prep, sharded):
    out = run([hapax_prep, "verify", str(sharded), "--all"]).stdout.decode()
    assert "ok" in out
    lines = run([hapax_prep, "export", str(sharded), "--split", "val", "--windows", "2..5"]).stdout.decode().splitlines()
    assert [json.loads(l)["window"] for l in lines] == [2, 3, 4]
    first = json.loads(lines[0])
    assert first["split"] == "val" and len(first["tokens"]) == len(first["match"]) == SEQ_LEN + 1


def test_inspect_json_matches_stored_lengths(hapax_prep, sharded):
    report = json.loads(run([hapax_prep, "inspect", str(sharded), "--json"]).stdout)
    dropped = targets = 0
    for s in shard_spec.manifest(sharded)["splits"]["train"]["shards"]:
        _, _, matches = shard_spec.read_shard(sharded / s["file"])
        dropped += int((matches[:, 1:] >= 2).sum())
        targets += matches[:, 1:].size
    train = report["splits"]["train"]
    assert train["targets"] == targets and train["dropped"]["hapax2"] == dropped
    assert sum(b["targets"] for b in train["by_position"]) == targets


def test_document_scope(hapax_prep, cl100k_path, subset, tmp_path):
    out = tmp_path / "doc"
    shard(hapax_prep, subset[:2], out, f"tok={cl100k_path}", "--scope", "document")
    spec = shard_spec.manifest(out)
    _, windows, matches = shard_spec.read_shard(out / spec["splits"]["train"]["shards"][0]["file"])
    for k in range(0, len(windows), 7):
        assert list(matches[k]) == list(shard_spec.document_match_lengths(windows[k], 100257))


def test_bytes_do_not_depend_on_threads(hapax_prep, cl100k_path, subset, sharded, tmp_path):
    out = tmp_path / "one"
    shard(hapax_prep, subset, out, f"tok={cl100k_path}", "--val-fraction", "0.3", "--unit-size", str(UNIT_BYTES), "--threads", "1")
    assert folder_digest(out) == folder_digest(sharded)


def test_rerun_after_interruption_gives_the_same_bytes(hapax_prep, cl100k_path, subset, sharded, tmp_path):
    out = tmp_path / "resumed"
    args = [hapax_prep, "shard", *map(str, subset), "--tokenizer", str(cl100k_path), "--seq-len", str(SEQ_LEN),
            "-o", str(out), "--val-fraction", "0.3", "--unit-size", str(UNIT_BYTES), "--threads", "2"]
    # A real kill: SIGKILL once the first unit is recorded, before the run can finish.
    kill_after_first_unit(args, out)
    assert not (out / "manifest.json").exists() or folder_digest(out) == folder_digest(sharded)
    # And a run whose last unit, manifest and a shard vanished, with a stray temporary file.
    run(args)
    (out / "manifest.json").unlink()
    records = sorted((out / "units").glob("unit-*.json"))
    records[-1].unlink()
    (out / "train-00000-000.hapax").unlink()
    (out / "train-00001-000.hapax.tmp-123").write_bytes(b"partial")
    result = run(args)
    assert b"wrote" in result.stderr
    assert folder_digest(out) == folder_digest(sharded)


def test_compressed_and_json_lines_inputs(hapax_prep, cl100k_path, subset, tmp_path):
    texts = [f.read_text(encoding="utf-8") for f in subset[:3]]
    plain = tmp_path / "plain"
    plain.mkdir()
    for i, text in enumerate(texts):
        (plain / f"{i}.txt").write_text(text, encoding="utf-8")
    packed = tmp_path / "packed"
    packed.mkdir()
    (packed / "0.txt.gz").write_bytes(gzip.compress(texts[0].encode()))
    (packed / "1.txt.zst").write_bytes(zstandard.ZstdCompressor().compress(texts[1].encode()))
    lines = [json.dumps({"text": texts[2], "id": 1}), "", "not json", json.dumps({"body": "no text field"})]
    (packed / "2.jsonl.gz").write_bytes(gzip.compress("\n".join(lines).encode()))
    shard(hapax_prep, [plain], tmp_path / "a", f"tok={cl100k_path}")
    result = shard(hapax_prep, [packed], tmp_path / "b", f"tok={cl100k_path}")
    assert b"2 record(s) skipped" in result.stderr
    a, b = shard_spec.manifest(tmp_path / "a"), shard_spec.manifest(tmp_path / "b")
    assert [s["sha256"] for s in a["splits"]["train"]["shards"]] == [s["sha256"] for s in b["splits"]["train"]["shards"]]


def test_the_reader_in_the_format_document_works(sharded):
    """docs/FORMAT.md carries a Python reader; it must read hapax's shards."""
    document = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "FORMAT.md").read_text()
    code = document.split("```python\n", 1)[1].split("```", 1)[0]
    for entry in shard_spec.manifest(sharded)["splits"]["train"]["shards"]:
        scope = {"path": str(sharded / entry["file"])}
        exec(code, scope)
        _, tokens, matches = shard_spec.read_shard(sharded / entry["file"])
        assert np.array_equal(np.concatenate(scope["tokens"]), tokens)
        assert np.array_equal(np.concatenate(scope["matches"]), matches)
