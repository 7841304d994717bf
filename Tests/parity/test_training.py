"""hapax-train end to end on a tiny model: it learns, it is deterministic, and resuming from any
checkpoint, or after Ctrl-C, reproduces the uninterrupted run exactly."""
import json
import shutil
import signal
import subprocess
import time

import pytest

from conftest import run, small_shards

STEPS = 12


@pytest.fixture(scope="module")
def shards(hapax_prep, corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("train")
    _, out = small_shards(hapax_prep, corpus_files, folder, vocab_size=512, seq_len=64)
    assert json.loads((out / "manifest.json").read_text())["splits"]["val"]["windows"] > 0
    return out


@pytest.fixture(scope="module")
def hapax_train(hapax_prep):
    return hapax_prep.replace("hapax-prep", "hapax-train")


def train_args(hapax_train, shards, out, *extra):
    return [hapax_train, "train", "--data", str(shards), "--out", str(out), "--layers", "2", "--heads", "2", "--width", "32",
            "--batch-size", "4", "--steps", str(STEPS), "--warmup", "2", "--lr", "3e-3", "--eval-every", "6",
            "--eval-windows", "4", "--checkpoint-every", "4", "--threads", "1", *extra]


def metrics(folder):
    return [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def reference_run(hapax_train, shards, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "reference"
    run(train_args(hapax_train, shards, out))
    return out


def test_learns_and_records_metrics(reference_run):
    lines = metrics(reference_run)
    assert [line["step"] for line in lines] == list(range(1, STEPS + 1))
    assert lines[-1]["train_loss"] < lines[0]["train_loss"] - 0.3
    assert "val_loss_kept" in lines[5] and "val_loss_dropped" in lines[-1]
    config = json.loads((reference_run / "config.json").read_text())
    for key in ["layers", "heads", "width", "vocab_size", "context", "attention_only", "tied_embeddings"]:
        assert key in config
    assert config["context"] == 64 and config["vocab_size"] == 512


def test_same_seed_same_run(hapax_train, shards, reference_run, tmp_path):
    out = tmp_path / "again"
    run(train_args(hapax_train, shards, out))
    assert (out / "model.safetensors").read_bytes() == (reference_run / "model.safetensors").read_bytes()


def test_profile_accounts_for_the_steps_and_changes_nothing(hapax_train, shards, reference_run, tmp_path):
    """--profile times every phase of every layer on top of the same run: the weights are the reference
    run's, the phases and the rest add up to the step time, and each layer's phases are there."""
    out = tmp_path / "profiled"
    result = run(train_args(hapax_train, shards, out, "--profile", "--threads", "2"))
    text = result.stderr.decode()
    rows = {line[:46].strip(): float(line[46:].split()[2].rstrip("%")) for line in text.splitlines()
            if line.endswith("%") and not line.startswith("  ")}
    assert f"profile over {STEPS} steps" in text
    for layer in (0, 1):
        for phase in ("attention, forward", "attention, backward", "attention projections, forward", "MLP matrices, backward"):
            assert f"layer {layer}: {phase}" in rows
    assert {"LM head and its gradient (kept rows)", "AdamW", "batch and mask", "gradient sum across threads"} <= set(rows)
    assert sum(rows.values()) == pytest.approx(100, abs=1)
    plain = tmp_path / "plain"
    run(train_args(hapax_train, shards, plain, "--threads", "2"))
    assert (out / "model.safetensors").read_bytes() == (plain / "model.safetensors").read_bytes()


def test_resume_from_a_checkpoint_reproduces_the_run(hapax_train, shards, reference_run, tmp_path):
    out = tmp_path / "resumed"
    shutil.copytree(reference_run, out)
    shutil.rmtree(out / "checkpoints" / f"step-{STEPS:07d}")
    run(train_args(hapax_train, shards, out, "--resume"))
    assert metrics(out) == metrics(reference_run) or [
        {k: v for k, v in m.items() if k != "tokens_per_second"} for m in metrics(out)
    ] == [{k: v for k, v in m.items() if k != "tokens_per_second"} for m in metrics(reference_run)]
    assert (out / "model.safetensors").read_bytes() == (reference_run / "model.safetensors").read_bytes()


def test_a_run_killed_after_its_last_checkpoint_resumes_to_its_final_weights(hapax_train, shards, reference_run, tmp_path):
    # Killed after the last checkpoint's rename and before model.safetensors was refreshed: the run
    # folder still holds the previous checkpoint's weights, and the resumed run has no step left to take.
    out = tmp_path / "resumed"
    shutil.copytree(reference_run, out)
    shutil.copy(out / "checkpoints" / f"step-{STEPS - 4:07d}" / "model.safetensors", out / "model.safetensors")
    run(train_args(hapax_train, shards, out, "--resume"))
    assert (out / "model.safetensors").read_bytes() == (reference_run / "model.safetensors").read_bytes()


def test_ctrl_c_saves_and_resume_finishes_identically(hapax_train, shards, tmp_path):
    long = ["--steps", "80", "--checkpoint-every", "0", "--eval-every", "0"]
    straight = tmp_path / "straight"
    run(train_args(hapax_train, shards, straight, *long))
    out = tmp_path / "interrupted"
    process = subprocess.Popen(train_args(hapax_train, shards, out, *long), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and not ((out / "metrics.jsonl").exists() and (out / "metrics.jsonl").read_text()):
        time.sleep(0.002)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert b"interrupted at step" in err, err
    assert len(metrics(out)) < 80
    run(train_args(hapax_train, shards, out, *long, "--resume"))
    assert (out / "model.safetensors").read_bytes() == (straight / "model.safetensors").read_bytes()


def test_eval_and_sample(hapax_train, reference_run):
    result = json.loads(run([hapax_train, "eval", "--run", str(reference_run), "--json", "--windows", "4"]).stdout)
    for key in ["loss_all", "loss_kept", "loss_dropped", "targets"]:
        assert key in result
    assert result["targets"] == 4 * 64
    last = metrics(reference_run)[-1]
    assert abs(result["loss_all"] - last["val_loss_all"]) < 1e-4
    text = run([hapax_train, "sample", "--run", str(reference_run), "--prompt", "KING", "--tokens", "10"]).stdout.decode()
    assert text.startswith("KING")


def test_refusals(hapax_train, shards, reference_run, tmp_path):
    result = run(train_args(hapax_train, shards, tmp_path / "x", "--seq-len", "128"), check=False)
    assert result.returncode != 0 and b"--seq-len 128 does not match" in result.stderr and b"64" in result.stderr
    result = run(train_args(hapax_train, shards, reference_run), check=False)
    assert result.returncode != 0 and b"already holds a run" in result.stderr
    result = run(train_args(hapax_train, shards, tmp_path / "y", "--mask", "sometimes"), check=False)
    assert result.returncode != 0 and b"unknown mask" in result.stderr


def test_two_threads_are_deterministic(hapax_train, shards, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        run(train_args(hapax_train, shards, out, "--threads", "2", "--steps", "6"))
    assert (first / "model.safetensors").read_bytes() == (second / "model.safetensors").read_bytes()


@pytest.fixture(scope="module")
def other_shards(hapax_prep, corpus_files, tmp_path_factory):
    """The same corpus as `shards`, tokenized by another BPE of the same vocabulary size."""
    folder = tmp_path_factory.mktemp("other")
    tokenizer = folder / "tok.json"
    run([hapax_prep, "train-tokenizer", "--vocab-size", "512", "-o", str(tokenizer), *map(str, corpus_files[3:6])])
    out = folder / "shards"
    run([hapax_prep, "shard", *map(str, corpus_files[:6]), "--tokenizer", str(tokenizer), "--seq-len", "64",
         "--val-fraction", "0.3", "-o", str(out)])
    return out


def sha256_of_tokenizer(shards):
    return json.loads((shards / "manifest.json").read_text())["parameters"]["tokenizer"]["sha256"]


def test_a_run_records_and_copies_its_tokenizer(reference_run, shards):
    identity = json.loads((reference_run / "config.json").read_text())["tokenizer"]
    assert identity["sha256"] == sha256_of_tokenizer(shards)
    assert (reference_run / identity["file"]).read_bytes() == (shards / "tokenizer" / "tok.json").read_bytes()


def test_eval_refuses_shards_of_another_tokenizer(hapax_train, reference_run, shards, other_shards, hapax_prep, corpus_files, tmp_path):
    result = run([hapax_train, "eval", "--run", str(reference_run), "--data", str(other_shards), "--windows", "2"], check=False)
    err = result.stderr.decode()
    assert result.returncode != 0, err
    assert sha256_of_tokenizer(shards) in err and sha256_of_tokenizer(other_shards) in err and "config.json" in err, err
    allowed = run([hapax_train, "eval", "--run", str(reference_run), "--data", str(other_shards), "--windows", "2",
                   "--allow-other-tokenizer"])
    assert b"warning" in allowed.stderr
    remade = tmp_path / "remade"
    run([hapax_prep, "shard", *map(str, corpus_files[:6]), "--tokenizer", str(shards / "tokenizer" / "tok.json"),
         "--seq-len", "64", "--val-fraction", "0.3", "-o", str(remade)])
    same = run([hapax_train, "eval", "--run", str(reference_run), "--data", str(remade), "--windows", "2"])
    assert b"warning" not in same.stderr


def test_resume_and_sample_refuse_remade_shards_of_another_tokenizer(hapax_train, shards, other_shards, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(shards, data)
    out = tmp_path / "run"
    run(train_args(hapax_train, data, out, "--steps", "4"))
    shutil.rmtree(data)
    shutil.copytree(other_shards, data)
    result = run(train_args(hapax_train, data, out, "--steps", "4", "--resume"), check=False)
    assert result.returncode != 0 and sha256_of_tokenizer(other_shards).encode() in result.stderr, result.stderr
    # Without its own copy, a run decodes with the tokenizer of its shards only if it is the same one.
    shutil.rmtree(out / "tokenizer")
    result = run([hapax_train, "sample", "--run", str(out), "--prompt", "KING", "--tokens", "3"], check=False)
    assert result.returncode != 0 and sha256_of_tokenizer(other_shards).encode() in result.stderr, result.stderr


def test_a_run_moved_alone_still_samples(hapax_train, reference_run, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(reference_run, moved)
    config = json.loads((moved / "config.json").read_text())
    config["training"]["data"] = str(tmp_path / "nowhere")
    (moved / "config.json").write_text(json.dumps(config))
    text = run([hapax_train, "sample", "--run", str(moved), "--prompt", "KING", "--tokens", "5"]).stdout.decode()
    assert text.startswith("KING")


def test_an_older_run_without_a_tokenizer_is_read_with_a_warning(hapax_train, reference_run, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(reference_run, old)
    config = json.loads((old / "config.json").read_text())
    del config["tokenizer"]
    (old / "config.json").write_text(json.dumps(config))
    shutil.rmtree(old / "tokenizer")
    result = run([hapax_train, "eval", "--run", str(old), "--windows", "2"])
    assert b"records no tokenizer" in result.stderr
