"""Scenarios that once gave silent wrong data, traps or hangs (issue 14), each now a correct result
or a refusal that names the file or option and what is wrong."""
import json
import shutil
import signal
import struct
import subprocess
import time

import pytest
import zstandard

from conftest import run, small_shards


@pytest.fixture(scope="module")
def tools(hapax_prep):
    return hapax_prep, hapax_prep.replace("hapax-prep", "hapax-train")


@pytest.fixture(scope="module")
def small(tools, corpus_files, tmp_path_factory):
    hapax_prep, hapax_train = tools
    folder = tmp_path_factory.mktemp("defects")
    tokenizer, shards = small_shards(hapax_prep, corpus_files, folder, vocab_size=400, seq_len=32, tokenizer_files=2)
    return folder, tokenizer, shards


def train(hapax_train, shards, out, *extra, check=True):
    return run([hapax_train, "train", "--data", str(shards), "--out", str(out), "--layers", "1", "--heads", "2", "--width", "16",
                "--batch-size", "4", "--steps", "6", "--warmup", "2", "--eval-every", "3", "--eval-windows", "4",
                "--threads", "1", *extra], check=check)


def refused(result, *words):
    err = result.stderr.decode()
    assert result.returncode != 0, err
    for word in words:
        assert word in err, err
    assert "Fatal error" not in err and "Trace/breakpoint" not in err, err


@pytest.mark.parametrize("args, words", [
    (["--ngram", "0"], ["--ngram", "between 1 and 255"]),
    (["--ngram", "300"], ["--ngram", "between 1 and 255"]),
    (["--clip", "-1"], ["--clip"]),
    (["--clip", "inf"], ["--clip"]),
    (["--eval-windows", "0"], ["--eval-windows"]),
    (["--threads", "5000"], ["--threads", "between 1 and 256"]),
    (["--batch-size", "-3"], ["--batch-size"]),
])
def test_train_refuses_values_that_trap_or_mislead(tools, small, tmp_path, args, words):
    _, hapax_train = tools
    refused(train(hapax_train, small[2], tmp_path / "run", *args, check=False), *words)


def test_other_commands_refuse_values_that_trap_or_hang(tools, small, tmp_path):
    hapax_prep, hapax_train = tools
    folder, tokenizer, shards = small
    out = tmp_path / "run"
    train(hapax_train, shards, out)
    refused(run([hapax_prep, "inspect", str(shards), "--window", "0", "--ngram", "300"], check=False), "--ngram")
    refused(run([hapax_train, "sample", "--run", str(out), "--prompt", "a", "--top-k", "0"], check=False), "--top-k")
    refused(run([hapax_train, "eval", "--run", str(out), "--batch-size", "0"], check=False), "--batch-size")
    refused(run([hapax_train, "eval", "--run", str(out), "--batch-size", "-2"], check=False), "--batch-size")
    for extra in (["--seq-len", str(2**62)], ["--windows-per-frame", str(2**32)], ["--threads", "5000"]):
        refused(run([hapax_prep, "shard", str(folder / "tok.json"), "--tokenizer", str(tokenizer), "--seq-len", "32",
                     "-o", str(tmp_path / "s"), *extra], check=False), extra[0])


def test_clip_zero_means_no_clipping(tools, small, tmp_path):
    _, hapax_train = tools
    out = tmp_path / "run"
    train(hapax_train, small[2], out, "--clip", "0", "--steps", "20", "--lr", "5e-3")
    losses = [json.loads(line)["train_loss"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert losses[-1] < losses[0] - 0.5


def test_a_diverged_run_stops_and_names_its_last_checkpoint(tools, small, tmp_path):
    _, hapax_train = tools
    out = tmp_path / "run"
    result = train(hapax_train, small[2], out, "--lr", "1e20", "--steps", "30", "--checkpoint-every", "1", check=False)
    refused(result, "diverged", "last good checkpoint")
    assert (out / "checkpoints").exists()


def test_non_finite_losses_are_null_in_json(tools, small, tmp_path):
    _, hapax_train = tools
    out = tmp_path / "run"
    train(hapax_train, small[2], out)
    path = out / "model.safetensors"
    data = bytearray(path.read_bytes())
    (size,) = struct.unpack_from("<Q", data, 0)
    start = json.loads(data[8:8 + size])["transformer.ln_f.weight"]["data_offsets"][0]
    struct.pack_into("<f", data, 8 + size + start, float("nan"))
    path.write_bytes(bytes(data))
    result = json.loads(run([hapax_train, "eval", "--run", str(out), "--json", "--windows", "2"]).stdout)
    assert result["loss_all"] is None


def test_a_batch_with_no_kept_target_does_not_step(tools, small, tmp_path):
    _, hapax_train = tools
    out = tmp_path / "run"
    train(hapax_train, small[2], out, "--mask", "random:1", "--checkpoint-every", "0")
    lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert all(line["train_loss"] is None and line["kept_share"] == 0 for line in lines)
    initial = tmp_path / "initial"
    train(hapax_train, small[2], initial, "--mask", "random:1", "--steps", "1", "--checkpoint-every", "0")
    assert (out / "model.safetensors").read_bytes()[-4096:] == (initial / "model.safetensors").read_bytes()[-4096:]


def test_warmup_longer_than_the_run_is_said(tools, small, tmp_path):
    _, hapax_train = tools
    result = train(hapax_train, small[2], tmp_path / "run", "--warmup", "50")
    assert b"never reaches its peak" in result.stderr


def shard(hapax_prep, tokenizer, inputs, out, *extra, check=True):
    return run([hapax_prep, "shard", *map(str, inputs), "--tokenizer", str(tokenizer), "--seq-len", "32", "-o", str(out),
                *extra], check=check)


def folder_bytes(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.hapax"))}


def test_a_resumed_shard_never_reuses_units_of_edited_inputs(tools, small, corpus_files, tmp_path):
    hapax_prep, _ = tools
    tokenizer = small[1]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in corpus_files[:3]:
        shutil.copy(f, corpus / f.name)
    out = tmp_path / "out"
    shard(hapax_prep, tokenizer, [corpus], out, "--unit-size", "250000")
    # An interrupted run leaves no manifest; meanwhile an input changes in place at the same size.
    (out / "manifest.json").unlink()
    edited = corpus / corpus_files[1].name
    text = edited.read_bytes()
    edited.write_bytes(text.replace(b"the", b"THE"))
    assert len(edited.read_bytes()) == len(text)
    shard(hapax_prep, tokenizer, [corpus], out, "--unit-size", "250000")
    fresh = tmp_path / "fresh"
    shard(hapax_prep, tokenizer, [corpus], fresh, "--unit-size", "250000")
    assert folder_bytes(out) == folder_bytes(fresh)


def test_symbolic_links_are_followed(tools, small, corpus_files, tmp_path):
    hapax_prep, _ = tools
    tokenizer = small[1]
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    shutil.copy(corpus_files[0], real / "a.txt")
    shutil.copy(corpus_files[1], real / "sub" / "b.txt")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "a.txt").symlink_to(real / "a.txt")
    (linked / "sub").symlink_to(real / "sub")
    (linked / "sub-again").symlink_to(linked)  # a loop
    direct, through = tmp_path / "direct", tmp_path / "through"
    shard(hapax_prep, tokenizer, [real / "a.txt", real / "sub" / "b.txt"], direct)
    shard(hapax_prep, tokenizer, [linked], through)
    assert folder_bytes(direct) == folder_bytes(through)
    inputs = json.loads((through / "parameters.json").read_text())["inputs"]
    assert [i["bytes"] for i in inputs] == [corpus_files[0].stat().st_size, corpus_files[1].stat().st_size]
    (linked / "broken.txt").symlink_to(tmp_path / "nowhere")
    refused(shard(hapax_prep, tokenizer, [linked], tmp_path / "x", check=False), "broken.txt")


def test_lines_skipped_after_the_last_unit_are_counted(tools, small, tmp_path):
    hapax_prep, _ = tools
    corpus = tmp_path / "c.jsonl"
    lines = [json.dumps({"text": "word " * 50}) for _ in range(4)] + ["not json", "{\"other\": 1}"]
    corpus.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    shard(hapax_prep, small[1], [corpus], out, "--unit-size", "250")
    assert json.loads((out / "manifest.json").read_text())["statistics"]["skipped_lines"] == 2


def test_json_lines_and_their_compressed_copy_agree_on_long_documents(tools, small, tmp_path):
    hapax_prep, _ = tools
    # A document within the unit size whose line is longer (escapes), and another over it.
    for size, accepted in [(3000, True), (5000, False)]:
        text = "é" * (size // 2)
        plain = tmp_path / f"d{size}.jsonl"
        plain.write_text(json.dumps({"text": text}) + "\n")  # ensure_ascii: six bytes for every two
        packed = tmp_path / f"d{size}.jsonl.zst"
        packed.write_bytes(zstandard.ZstdCompressor().compress(plain.read_bytes()))
        for path in (plain, packed):
            result = shard(hapax_prep, small[1], [path], tmp_path / f"o{size}{path.suffix}", "--unit-size", "4096", check=False)
            assert (result.returncode == 0) == accepted, result.stderr
            if not accepted:
                assert b"longer than a work unit" in result.stderr


def test_a_folder_of_many_shards_reads_within_a_small_file_limit(tools, small, corpus_files, tmp_path):
    hapax_prep, hapax_train = tools
    text = corpus_files[0].read_text()
    corpus = tmp_path / "pieces.jsonl"
    corpus.write_text("".join(json.dumps({"text": text[i:i + 800]}) + "\n" for i in range(0, len(text), 800)))
    out = tmp_path / "many"
    shard(hapax_prep, small[1], [corpus], out, "--unit-size", "800")
    shards = json.loads((out / "manifest.json").read_text())["splits"]["train"]["shards"]
    assert len(shards) > 150
    limited = lambda: __import__("resource").setrlimit(__import__("resource").RLIMIT_NOFILE, (64, 64))
    result = subprocess.run([hapax_prep, "export", str(out)], capture_output=True, preexec_fn=limited)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == sum(s["windows"] for s in shards)


def test_killing_a_first_run_never_leaves_a_folder_a_rerun_refuses(tools, small, corpus_files, tmp_path):
    hapax_prep, _ = tools
    for attempt in range(12):
        out = tmp_path / f"k{attempt}"
        process = subprocess.Popen([hapax_prep, "shard", *map(str, corpus_files[:2]), "--tokenizer", str(small[1]),
                                    "--seq-len", "32", "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.002 * attempt)
        process.send_signal(signal.SIGKILL)
        process.wait()
        shard(hapax_prep, small[1], corpus_files[:2], out)
