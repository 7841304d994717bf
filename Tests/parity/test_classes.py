"""Thresholded Hapax end to end: class files from a tokenizer's surface forms and from a run's
embeddings, shards whose match lengths are computed over classes (checked against an independent
reading of the format with a brute-force oracle over class labels), and the refusals."""
import json
import struct

import numpy as np
import pytest

import shard_spec
from conftest import run


@pytest.fixture(scope="module")
def setup(hapax_prep, corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("classes")
    tokenizer = folder / "tok.json"
    run([hapax_prep, "train-tokenizer", "--vocab-size", "600", "-o", str(tokenizer), *map(str, corpus_files[:4])])
    classes = folder / "surface.json"
    run([hapax_prep, "classes", "--tokenizer", str(tokenizer), "--surface", "-o", str(classes)])
    return folder, tokenizer, classes


def shard(hapax_prep, corpus_files, tokenizer, out, *extra, check=True):
    return run([hapax_prep, "shard", *map(str, corpus_files[4:7]), "--tokenizer", str(tokenizer), "--seq-len", "96",
                "--val-fraction", "0.2", "--windows-per-frame", "7", "-o", str(out), *extra], check=check)


def test_surface_classes_file(setup):
    _, tokenizer, classes = setup
    data = json.loads(classes.read_text())
    assert data["format"] == "hapax-token-classes" and data["method"] == "surface" and data["vocab_size"] == 600
    ids = data["classes"]
    assert all(ids[r] == r for r in ids), "every class is named by its own representative"
    assert data["summary"]["classes"] == len(set(ids)) < 600
    # The definition, from the tokenizer file: equal text after leading white space and case.
    byte_of = byte_level_alphabet()
    vocab = json.loads(tokenizer.read_text())["model"]["vocab"]
    first = {}
    for piece, token in sorted(vocab.items(), key=lambda item: item[1]):
        raw = bytes(byte_of[c] for c in piece)
        try:
            word = raw.decode("utf-8").lstrip().lower()
        except UnicodeDecodeError:
            word = ""
        key = word if word else raw
        first.setdefault(key, token)
        assert ids[token] == first[key], piece
    assert ids[vocab["Ġthe"]] == ids[vocab["The"]]
    assert ids[599] == 599  # <|endoftext|>, alone


def byte_level_alphabet():
    """GPT-2's byte-level alphabet: the character that stands for each byte, inverted."""
    printable = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[chr(b)] = b
        else:
            chars[chr(256 + extra)] = b
            extra += 1
    return chars


def test_match_lengths_over_classes_follow_the_definition(hapax_prep, corpus_files, setup):
    folder, tokenizer, classes = setup
    out = folder / "shards"
    shard(hapax_prep, corpus_files, tokenizer, out, "--classes", str(classes))
    labels = np.array(json.loads(classes.read_text())["classes"])
    manifest = shard_spec.manifest(out)
    assert manifest["parameters"]["classes"]["file"] == "classes/surface.json"
    assert (out / "classes" / "surface.json").read_bytes() == classes.read_bytes()
    exact_dropped = class_dropped = 0
    for split in ["train", "val"]:
        for entry in manifest["splits"][split]["shards"]:
            _, tokens, matches = shard_spec.read_shard(out / entry["file"])
            for window, m in zip(tokens, matches):
                assert list(m) == list(shard_spec.match_lengths(labels[window]))
                exact = shard_spec.match_lengths(window)
                exact_dropped += int((exact[1:] >= 2).sum())
                class_dropped += int((m[1:] >= 2).sum())
    assert class_dropped > exact_dropped
    run([hapax_prep, "verify", str(out), "--all"])
    text = run([hapax_prep, "inspect", str(out)]).stdout.decode()
    assert "token classes add" in text
    window = run([hapax_prep, "inspect", str(out), "--window", "0"], ).stdout.decode()
    assert "only through token classes" in window


def test_refusals(hapax_prep, corpus_files, setup, cl100k_path, tmp_path):
    folder, tokenizer, classes = setup
    result = shard(hapax_prep, corpus_files, cl100k_path, tmp_path / "a", "--classes", str(classes), check=False)
    assert result.returncode != 0 and b"was made for the tokenizer" in result.stderr and str(classes).encode() in result.stderr
    out = tmp_path / "b"
    shard(hapax_prep, corpus_files, tokenizer, out)
    result = shard(hapax_prep, corpus_files, tokenizer, out, "--classes", str(classes), check=False)
    assert result.returncode != 0 and b"classes.sha256" in result.stderr
    broken = tmp_path / "broken.json"
    data = json.loads(classes.read_text())
    data["classes"][5] = 6 if data["classes"][6] != 6 else 7
    data["classes"][6], data["classes"][7] = 5, 5
    broken.write_text(json.dumps(data))
    result = shard(hapax_prep, corpus_files, tokenizer, tmp_path / "c", "--classes", str(broken), check=False)
    assert result.returncode != 0 and b"not a representative" in result.stderr


def read_safetensors(path, name):
    data = path.read_bytes()
    (size,) = struct.unpack_from("<Q", data, 0)
    info = json.loads(data[8:8 + size])[name]
    start, end = info["data_offsets"]
    return np.frombuffer(data[8 + size + start:8 + size + end], dtype="<f4").reshape(info["shape"])


def test_embedding_classes_from_a_run(hapax_prep, corpus_files, setup, tmp_path):
    folder, tokenizer, _ = setup
    shards = tmp_path / "shards"
    shard(hapax_prep, corpus_files, tokenizer, shards)
    hapax_train = hapax_prep.replace("hapax-prep", "hapax-train")
    out = tmp_path / "run"
    run([hapax_train, "train", "--data", str(shards), "--out", str(out), "--layers", "1", "--heads", "2", "--width", "16",
         "--batch-size", "4", "--steps", "20", "--threads", "1"])
    classes = tmp_path / "emb.json"
    run([hapax_prep, "classes", "--tokenizer", str(tokenizer), "--embeddings", str(out / "model.safetensors"),
         "--threshold", "0.3", "-o", str(classes)])
    data = json.loads(classes.read_text())
    assert data["method"] == "embeddings" and data["threshold"] == 0.3
    assert data["source"]["tensor"] == "transformer.wte.weight" and len(data["source"]["sha256"]) == 64
    wte = read_safetensors(out / "model.safetensors", "transformer.wte.weight")
    unit = wte / np.linalg.norm(wte, axis=1, keepdims=True)
    ids = np.array(data["classes"])
    # The leader clustering, as its definition states it.
    leaders, expected = [], list(range(600))
    for i in range(599):
        for leader in leaders:
            if unit[i] @ unit[leader] >= 0.3:
                expected[i] = leader
                break
        else:
            leaders.append(i)
    assert list(ids) == expected
    assert ids[599] == 599
    # Thresholded shards and a Hapax run over them.
    thresholded = tmp_path / "thresholded"
    shard(hapax_prep, corpus_files, tokenizer, thresholded, "--classes", str(classes))
    exact = shard_spec.manifest(shards)["statistics"]["hapax_dropped_share"]
    assert shard_spec.manifest(thresholded)["statistics"]["hapax_dropped_share"] > exact
    run([hapax_train, "train", "--data", str(thresholded), "--out", str(tmp_path / "t"), "--layers", "1", "--heads", "2",
         "--width", "16", "--batch-size", "4", "--steps", "3", "--threads", "1"])
