"""hapax-train end to end on a tiny model: it learns, it is deterministic, and resuming from any
checkpoint, or after Ctrl-C, reproduces the uninterrupted run exactly."""
import json
import shutil
import signal
import subprocess
import time

import pytest

from conftest import run

STEPS = 12


@pytest.fixture(scope="module")
def shards(hapax_prep, corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("train")
    tokenizer = folder / "tok.json"
    run([hapax_prep, "train-tokenizer", "--vocab-size", "512", "-o", str(tokenizer), *map(str, corpus_files[:3])])
    out = folder / "shards"
    run([hapax_prep, "shard", *map(str, corpus_files[:6]), "--tokenizer", str(tokenizer), "--seq-len", "64",
         "--val-fraction", "0.3", "-o", str(out)])
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


def test_resume_from_a_checkpoint_reproduces_the_run(hapax_train, shards, reference_run, tmp_path):
    out = tmp_path / "resumed"
    shutil.copytree(reference_run, out)
    shutil.rmtree(out / "checkpoints" / f"step-{STEPS:07d}")
    run(train_args(hapax_train, shards, out, "--resume"))
    assert metrics(out) == metrics(reference_run) or [
        {k: v for k, v in m.items() if k != "tokens_per_second"} for m in metrics(out)
    ] == [{k: v for k, v in m.items() if k != "tokens_per_second"} for m in metrics(reference_run)]
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
