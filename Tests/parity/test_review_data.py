"""Data-path defects found by review (issue 22), each with the run that showed it: a document read by two
parts, a manifest left beside rewritten shards, a unit reused after its documents moved, values that
trapped, a tokenizer renamed between runs, inverted position buckets, and empty inputs read three ways."""
import gzip
import json
import shutil

import pytest

import shard_spec
from conftest import run
from test_shards import folder_digest

UNIT = 64


def shard(hapax_prep, tokenizer, inputs, out, *extra, check=True):
    return run([hapax_prep, "shard", *map(str, inputs), "--tokenizer", str(tokenizer), "-o", str(out), *extra], check=check)


def merged_equals_whole(hapax_prep, tokenizer, inputs, folder, count, *extra):
    """Shards `inputs` whole and in `count` parts, merges the parts, and compares the two folders."""
    args = ["--seq-len", "2", "--unit-size", str(UNIT), *extra]
    shard(hapax_prep, tokenizer, inputs, folder / "whole", *args)
    parts = [folder / f"part-{i}" for i in range(count)]
    for i, part in enumerate(parts):
        shard(hapax_prep, tokenizer, inputs, part, *args, "--part", f"{i}/{count}")
    run([hapax_prep, "merge", *map(str, parts), "-o", str(folder / "merged")])
    run([hapax_prep, "verify", str(folder / "merged"), "--all"])
    assert folder_digest(folder / "merged") == folder_digest(folder / "whole"), f"{[p.name for p in inputs]}, {count} parts"


def jsonl(path, texts):
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    return path


def test_a_json_lines_file_starting_just_before_a_part_is_read_once(hapax_prep, cl100k_path, tmp_path):
    """The reported case: a 63-byte text file, then JSON Lines starting one byte before the second block."""
    (tmp_path / "a.txt").write_text("A" * 62 + "\n")
    b = jsonl(tmp_path / "b.jsonl", ["one two", "three four", "five six"])
    merged_equals_whole(hapax_prep, cl100k_path, [tmp_path / "a.txt", b], tmp_path / "plain", 2)
    # The same with a 63-byte gzip file in front: no shard names collide, so only the counts tell.
    packed = next(p for n in range(1, 200) if len(p := gzip.compress(bytes(range(33, 33 + n)), mtime=0)) == 63)
    (tmp_path / "a.txt.gz").write_bytes(packed)
    merged_equals_whole(hapax_prep, cl100k_path, [tmp_path / "a.txt.gz", b], tmp_path / "gz", 2, "--val-fraction", "0.5")


@pytest.fixture(scope="module")
def small_tokenizer(hapax_prep, corpus_files, tmp_path_factory):
    """A 300-id BPE: it loads in milliseconds, where cl100k takes half a second per process."""
    path = tmp_path_factory.mktemp("tokenizer") / "tok.json"
    run([hapax_prep, "train-tokenizer", "--vocab-size", "300", "-o", str(path), str(corpus_files[0])])
    return path


def test_file_boundaries_at_every_offset_around_block_edges_merge_to_the_whole_run(hapax_prep, small_tokenizer, tmp_path):
    """Text files ending from 3 bytes before to 3 after a block edge, then JSON Lines whose lines of
    varied lengths start and end around the next edges: merged parts equal the whole run for 2 parts,
    and for 8, where every block edge is a part's edge."""
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa".split()
    lines = [" ".join(words[k % 10:k % 10 + 1 + k % 4]) for k in range(14)]
    for end in range(UNIT - 3, UNIT + 4):
        folder = tmp_path / f"s{end}"
        folder.mkdir()
        (folder / "a.txt").write_text("x" * 31 + "\n")
        (folder / "a2.txt").write_text("y" * (end - 33) + "\n")
        b = jsonl(folder / "b.jsonl", lines)
        for count in (2, 8):
            merged_equals_whole(hapax_prep, small_tokenizer, [folder / "a.txt", folder / "a2.txt", b], folder / f"n{count}", count,
                                "--val-fraction", "0.5")


def test_merge_refuses_a_unit_outside_its_part_and_a_file_listed_twice(hapax_prep, cl100k_path, tmp_path):
    b = jsonl(tmp_path / "b.jsonl", [f"line number {k} " * 3 for k in range(20)])
    parts = [tmp_path / f"part-{i}" for i in range(2)]
    for i, part in enumerate(parts):
        shard(hapax_prep, cl100k_path, [b], part, "--seq-len", "2", "--unit-size", str(UNIT), "--part", f"{i}/2")
    manifests = [json.loads((p / "manifest.json").read_text()) for p in parts]
    foreign = manifests[1]["splits"]["train"]["shards"][0]
    shutil.copy(parts[1] / foreign["file"], parts[0] / foreign["file"])
    manifests[0]["splits"]["train"]["shards"].append(foreign)
    (parts[0] / "manifest.json").write_text(json.dumps(manifests[0]))
    result = run([hapax_prep, "merge", *map(str, parts), "-o", str(tmp_path / "m1")], check=False)
    assert result.returncode != 0 and b"lies outside part 0/2" in result.stderr, result.stderr
    manifests[0]["splits"]["train"]["shards"][-1] = manifests[0]["splits"]["train"]["shards"][0]
    (parts[0] / "manifest.json").write_text(json.dumps(manifests[0]))
    result = run([hapax_prep, "merge", *map(str, parts), "-o", str(tmp_path / "m2")], check=False)
    assert result.returncode != 0 and b"twice" in result.stderr, result.stderr
    assert not (tmp_path / "m1" / "manifest.json").exists() and not (tmp_path / "m2" / "manifest.json").exists()


def test_a_failed_rerun_leaves_no_manifest(hapax_prep, cl100k_path, corpus_files, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in corpus_files[:3]:
        shutil.copy(f, corpus / f.name)
    out = tmp_path / "out"
    args = ["--seq-len", "64", "--unit-size", "250000", "--strict"]
    shard(hapax_prep, cl100k_path, [corpus], out, *args)
    first, last = sorted(corpus.iterdir())[0], sorted(corpus.iterdir())[-1]
    first.write_bytes(first.read_bytes().replace(b"the", b"THE"))  # its unit is made again
    data = bytearray(last.read_bytes())
    data[len(data) // 2] = 0xFF  # and the run then fails under --strict
    last.write_bytes(bytes(data))
    result = shard(hapax_prep, cl100k_path, [corpus], out, *args, check=False)
    assert result.returncode != 0 and b"invalid UTF-8" in result.stderr
    assert not (out / "manifest.json").exists(), "a manifest beside rewritten shards"
    assert b"no manifest.json" in run([hapax_prep, "verify", str(out)], check=False).stderr


def test_a_rerun_does_not_reuse_units_whose_documents_moved(hapax_prep, cl100k_path, tmp_path):
    texts = [f"document {k} " + "word " * (k % 7) for k in range(40)]
    corpus = jsonl(tmp_path / "c.jsonl", texts)
    args = ["--seq-len", "8", "--val-fraction", "0.5"]
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    shard(hapax_prep, cl100k_path, [corpus], out, *args)
    # The same texts and the same size, but every line after the first starts one byte later.
    data = corpus.read_bytes()
    edited = data.replace(b'{"text"', b'{ "text"', 1)[:-1]
    assert len(edited) == len(data)
    corpus.write_bytes(edited)
    shard(hapax_prep, cl100k_path, [corpus], out, *args)
    shard(hapax_prep, cl100k_path, [corpus], fresh, *args)
    assert folder_digest(out) == folder_digest(fresh)
    splits = json.loads((fresh / "manifest.json").read_text())["splits"]
    # The split of every document follows its new place (docs/FORMAT.md), as an independent reading says.
    documents = shard_spec.documents([corpus], 32 << 20)
    val = sum(shard_spec.split_of(d[1], d[2], 0.5) == "val" for d in documents)
    assert (splits["train"]["documents"], splits["val"]["documents"]) == (len(texts) - val, val)


@pytest.mark.parametrize("extra, words", [
    (["--part", "0/4611686018427387904"], [b"--part", b"between 1 and"]),
    (["--unit-size", "2000000000000000000"], [b"--unit-size", b"between 1 and"]),
])
def test_values_that_overflowed_are_refused(hapax_prep, cl100k_path, corpus_files, tmp_path, extra, words):
    out = tmp_path / "out"
    result = shard(hapax_prep, cl100k_path, corpus_files[:1], out, "--seq-len", "8", *extra, check=False)
    assert result.returncode != 0 and all(w in result.stderr for w in words), result.stderr
    assert b"Fatal error" not in result.stderr and not out.exists()


def test_a_rerun_with_the_tokenizer_under_another_name_is_refused(hapax_prep, cl100k_path, corpus_files, tmp_path):
    out = tmp_path / "out"
    shard(hapax_prep, cl100k_path, corpus_files[:1], out, "--seq-len", "8")
    renamed = tmp_path / "other_name.tiktoken"
    shutil.copy(cl100k_path, renamed)
    result = shard(hapax_prep, renamed, corpus_files[:1], out, "--seq-len", "8", "--pattern", "cl100k", check=False)
    assert result.returncode != 0 and b"tokenizer.file" in result.stderr, result.stderr
    parameters = json.loads((out / "parameters.json").read_text())
    assert parameters["tokenizer"]["file"] == json.loads((out / "manifest.json").read_text())["parameters"]["tokenizer"]["file"]


def test_inspect_has_no_empty_position_buckets_on_short_windows(hapax_prep, cl100k_path, corpus_files, tmp_path):
    out = tmp_path / "out"
    shard(hapax_prep, cl100k_path, corpus_files[:1], out, "--seq-len", "3")
    report = json.loads(run([hapax_prep, "inspect", str(out), "--json"]).stdout)
    buckets = report["splits"]["train"]["by_position"]
    assert [(b["lower"], b["upper"]) for b in buckets] == [(1, 2), (2, 3), (3, 4)]
    text = run([hapax_prep, "inspect", str(out)]).stdout.decode()
    assert "2–1" not in text and "3–3" in text


def test_an_empty_input_holds_no_document_in_any_format(hapax_prep, cl100k_path, tmp_path):
    real = jsonl(tmp_path / "real.jsonl", ["some text here", "and more text"])
    empties = {"empty.txt": b"", "empty.jsonl": b"", "empty.jsonl.gz": b"", "empty.jsonl.zst": b"", "empty.txt.gz": b"",
               "blank.jsonl": b"\n  \n", "void.jsonl": b'{"text": ""}\n', "gzipped.txt.gz": gzip.compress(b"")}
    for name, data in empties.items():
        (tmp_path / name).write_bytes(data)
    alone, together = tmp_path / "alone", tmp_path / "together"
    shard(hapax_prep, cl100k_path, [real], alone, "--seq-len", "4")
    shard(hapax_prep, cl100k_path, [*(tmp_path / n for n in empties), real], together, "--seq-len", "4")
    statistics = [json.loads((f / "manifest.json").read_text())["statistics"] for f in (alone, together)]
    assert statistics[0]["documents"] == statistics[1]["documents"] == 2
    assert statistics[0]["tokens"] == statistics[1]["tokens"] and statistics[1]["skipped_lines"] == 0
    result = shard(hapax_prep, cl100k_path, [tmp_path / n for n in empties], tmp_path / "none", "--seq-len", "4", check=False)
    assert result.returncode != 0 and b"hold no documents" in result.stderr
