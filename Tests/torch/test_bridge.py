"""The PyTorch bridge, held to independent oracles: the reader against `hapax-prep export`, the labels
against hapax-train's own kept targets, the iterable dataset's steps and coverage under 2 ranks x 2 workers,
`torchrun` (gloo) against one process on the same global batches, `hapax-train eval` against the loss
PyTorch reports, the olmo export read by OLMo's own memory-mapped dataset, and the parquet export
loaded by Hugging Face `datasets`. Run with tools/setup-torch.sh's environment (tools/test.sh does)."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch.distributed as dist
import torch.multiprocessing as mp
from safetensors.numpy import load_file
from torch.utils.data import DataLoader

from hapax_shards import HapaxDataset, ShardError, kept_targets
from hapax_shards.export import export_olmo, export_parquet
from hapax_shards.torch_data import HapaxIterableDataset, epoch_order

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("HAPAX_BIN", ROOT / ".build" / "release"))
SEQ_LEN = 48
RULES = ["hapax", "none", "repeat", "offset", "random:0.3"]


def run(args, **kwargs):
    result = subprocess.run([str(a) for a in args], capture_output=True, **kwargs)
    assert result.returncode == 0, f"{args} failed: {result.stderr.decode(errors='replace')}"
    return result.stdout


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """A 400-token BPE and 5 Shakespeare texts in windows of 49 tokens, 8 per frame, 30% to val."""
    folder = tmp_path_factory.mktemp("bridge")
    texts = sorted((ROOT / "data" / "shakespeare").glob("*.txt"))[:5]
    assert len(texts) == 5, "the Shakespeare corpus is missing: run tools/fetch-data.sh"
    run([BIN / "hapax-prep", "train-tokenizer", "--vocab-size", "400", "-o", folder / "tok.json", *texts[:2]])
    run([BIN / "hapax-prep", "shard", *texts, "--tokenizer", folder / "tok.json", "--seq-len", SEQ_LEN,
         "--val-fraction", "0.3", "--windows-per-frame", "8", "--unit-size", "300000", "-o", folder / "shards"])
    return folder / "shards"


@pytest.fixture(scope="module")
def wide_shards(tmp_path_factory):
    """cl100k_base: ids above 65535, so four-byte tokens."""
    folder = tmp_path_factory.mktemp("wide")
    texts = sorted((ROOT / "data" / "shakespeare").glob("*.txt"))[:3]
    run([BIN / "hapax-prep", "shard", *texts, "--tokenizer", ROOT / "data" / "cl100k_base.tiktoken", "--seq-len", "64",
         "--val-fraction", "0.5", "-o", folder / "shards"])
    return folder / "shards"


@pytest.mark.parametrize("folder", ["shards", "wide_shards"])
def test_the_reader_returns_what_hapax_prep_exports(folder, request):
    path = request.getfixturevalue(folder)
    for split in ("train", "val"):
        ds = HapaxDataset(path, split)
        lines = run([BIN / "hapax-prep", "export", path, "--split", split]).decode().splitlines()
        assert len(ds) == len(lines) and (len(ds) > 0 or split == "val")
        for i in range(len(ds)) if len(ds) < 400 else range(0, len(ds), 7):
            tokens, match = ds.window(i)
            exported = json.loads(lines[i])
            assert tokens.tolist() == exported["tokens"] and match.tolist() == exported["match"], f"{split} window {i}"
    if folder == "wide_shards":
        assert max(HapaxDataset(path).window(0)[0]) > 0 and json.loads((path / "manifest.json").read_text())["parameters"]["tokenizer"]["token_width"] == 4


@pytest.mark.parametrize("mask", RULES)
def test_labels_keep_what_hapax_train_keeps(shards, tmp_path, mask):
    """hapax-train trains one window per step; its kept_share per step is that window's kept targets over
    seq_len. The windows come in hapax-train's shuffle, which epoch_order must reproduce."""
    ds = HapaxDataset(shards, "train", mask=mask, seed=5)
    steps = min(len(ds), 40)
    run([BIN / "hapax-train", "train", "--data", shards, "--out", tmp_path / "run", "--mask", mask, "--seed", "5",
         "--layers", "1", "--heads", "1", "--width", "8", "--batch-size", "1", "--steps", steps, "--eval-every", "0",
         "--checkpoint-every", "0", "--threads", "1"])
    shares = [json.loads(line)["kept_share"] for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    order = epoch_order(len(ds), 5, 0)
    for step, share in enumerate(shares):
        example = ds[int(order[step])]
        kept = (example["labels"][1:] != -100).sum()
        assert kept == round(share * SEQ_LEN), f"{mask}: step {step + 1}, window {order[step]}"
        assert (example["labels"][1:][example["labels"][1:] != -100] == example["input_ids"][1:][example["labels"][1:] != -100]).all()
        assert example["labels"][0] == -100
    # And target by target, the rules as docs/FORMAT.md states them.
    for i in range(0, len(ds), 5):
        _, m = ds.window(i)
        kept = ds.kept(i)
        t = np.arange(1, len(m))
        expected = {"hapax": m[1:] < 2, "none": np.ones(len(m) - 1, bool), "repeat": m[1:] < 1,
                    "offset": ~((t >= 2) & (m[:-1] >= 1))}.get(mask)
        if expected is not None:
            assert (kept == expected).all()


def test_random_draws_follow_the_formula():
    """mix(mix(seed ^ w) ^ t) >> 11 < P · 2^53 drops, with Python integers as the oracle."""
    def mix(z):
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & (2**64 - 1)
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & (2**64 - 1)
        return z ^ (z >> 31)
    for seed, window in [(1, 0), (5, 17), (2**63 + 3, 123456)]:
        kept = kept_targets(np.zeros(65, np.uint8), "random:0.4", window=window, seed=seed)
        assert kept.tolist() == [(mix(mix(seed ^ window) ^ t) >> 11) >= 0.4 * 2**53 for t in range(1, 65)]


def test_corruption_is_caught_naming_the_file(shards, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(shards, copy)
    shard = copy / json.loads((copy / "manifest.json").read_text())["splits"]["train"]["shards"][0]["file"]
    data = bytearray(shard.read_bytes())
    # A byte inside a frame: zstd's checksum (or its parser) catches it when the frame is read.
    data[-20] ^= 0x40
    shard.write_bytes(bytes(data))
    ds = HapaxDataset(copy)
    with pytest.raises(ShardError, match=f"{shard}: frame"):
        for i in range(len(ds)):
            ds.window(i)
    with pytest.raises(ShardError, match=f"{shard}: sha256"):
        ds.verify()
    # A header field: the header checksum.
    data = bytearray(shard.read_bytes())
    data[20] ^= 1
    shard.write_bytes(bytes(data))
    with pytest.raises(ShardError, match=f"{shard}: "):
        HapaxDataset(copy).window(0)
    # Truncated.
    shard.write_bytes(bytes(data[:-100]))
    with pytest.raises(ShardError, match=f"{shard}: file is .* bytes, its header says"):
        HapaxDataset(copy).window(0)
    # A manifest entry leading out of the folder.
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["splits"]["train"]["shards"][0]["file"] = "../elsewhere.hapax"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ShardError, match="outside the folder"):
        HapaxDataset(copy)


def _collect(rank, world, path, batch, epoch, start, port, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    ds = HapaxIterableDataset(path, batch_size=batch, epoch=epoch, start=start)
    loader = DataLoader(ds, batch_size=batch, num_workers=2)
    steps = [[int(w) for w in b["window"]] for b in loader]
    assert len(loader) == len(steps), f"len() says {len(loader)} steps, the loader gave {len(steps)}"
    (pathlib.Path(out) / f"rank-{rank}.json").write_text(json.dumps(steps))
    dist.destroy_process_group()


def _run_ranks(path, batch, epoch, start, out, port):
    out.mkdir(parents=True, exist_ok=True)
    mp.start_processes(_collect, args=(2, str(path), batch, epoch, start, port, str(out)), nprocs=2, start_method="spawn")
    return [json.loads((out / f"rank-{r}.json").read_text()) for r in range(2)]


def test_two_ranks_of_two_workers_take_equal_steps_over_distinct_windows(shards, tmp_path):
    batch = 3
    count = len(HapaxDataset(shards))
    per_rank = count // (2 * batch)
    assert count % (2 * batch), "the fixture should leave a remainder, the case where ranks used to differ"
    for epoch in (0, 1):
        ranks = _run_ranks(shards, batch, epoch, 0, tmp_path / f"epoch-{epoch}", 29500 + epoch)
        assert [len(r) for r in ranks] == [per_rank, per_rank] and all(len(b) == batch for r in ranks for b in r)
        order = epoch_order(count, 1, epoch).tolist()
        seen = [w for steps_of_rank in ranks for b in steps_of_rank for w in b]
        assert sorted(seen) == sorted(order[:per_rank * 2 * batch]), f"epoch {epoch}: windows missing or repeated"
        # Step s of rank r is the (s·2 + r)-th chunk of the epoch's shuffle.
        for r, steps in enumerate(ranks):
            for s, b in enumerate(steps):
                assert b == order[(s * 2 + r) * batch:(s * 2 + r) * batch + batch]
    # Resumed after 5 steps: the rest of the epoch, and nothing else.
    ranks = _run_ranks(shards, batch, 0, 5 * 2 * batch, tmp_path / "resumed", 29510)
    rest = sorted(w for steps in ranks for b in steps for w in b)
    assert rest == sorted(epoch_order(count, 1, 0).tolist()[5 * 2 * batch:per_rank * 2 * batch])


def train(shards, out, *extra, ranks=1):
    common = ["--data", shards, "--out", out, "--layers", "2", "--heads", "2", "--width", "32", "--batch-size", "6",
              "--steps", "4", "--warmup", "2", "--eval-every", "0", "--eval-windows", "24", "--threads", "1", *extra]
    script = ROOT / "tools" / "train_torch.py"
    if ranks == 1:
        run([sys.executable, script, *common])
    else:
        run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", ranks, "--master_port", "29520", script, *common])
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return metrics, load_file(str(out / "model.safetensors"))


@pytest.mark.parametrize("mask", ["hapax", "random:0.3"])
def test_torchrun_on_two_ranks_equals_one_process(shards, tmp_path, mask):
    single, weights = train(shards, tmp_path / "single", "--mask", mask)
    double, distributed = train(shards, tmp_path / "double", "--mask", mask, ranks=2)
    for a, b in zip(single, double):
        assert b["train_loss"] == pytest.approx(a["train_loss"], rel=1e-5)
        assert b["kept_share"] == a["kept_share"]
    flat = np.concatenate([weights[k].ravel() for k in sorted(weights)])
    other = np.concatenate([distributed[k].ravel() for k in sorted(weights)])
    assert np.linalg.norm(flat - other) / np.linalg.norm(flat) < 1e-5
    # hapax-train reads the run folder and computes the validation loss PyTorch reported.
    evaluation = json.loads(run([BIN / "hapax-train", "eval", "--run", tmp_path / "double", "--windows", "24", "--json"]))
    assert evaluation["loss_all"] == pytest.approx(double[-1]["val_loss_all"], rel=1e-5)
    assert evaluation["loss_kept"] == pytest.approx(double[-1]["val_loss_kept"], rel=1e-5)
    run([BIN / "hapax-train", "sample", "--run", tmp_path / "double", "--prompt", "The", "--tokens", "5"])


def test_the_olmo_export_as_olmo_reads_it(shards, tmp_path):
    from olmo.data.memmap_dataset import MemMapDataset

    settings = export_olmo(HapaxDataset(shards).folder, tmp_path / "olmo", mask="hapax", ngram=2)
    for split in ("train", "val"):
        ds = HapaxDataset(shards, split)
        paths = settings["splits"][split]
        olmo = MemMapDataset(*paths["paths"], chunk_size=SEQ_LEN, memmap_dtype=np.uint16, label_mask_paths=paths["label_mask_paths"])
        assert len(olmo) == len(ds)
        for i in range(len(ds)):
            instance = olmo[i]
            tokens, _ = ds.window(i)
            assert instance["input_ids"].tolist() == tokens[:SEQ_LEN].tolist()
            # OLMo's loss: labels are the instance with ~label_mask set to -100, shifted by one.
            labels = instance["input_ids"].clone()
            labels.masked_fill_(~instance["label_mask"], -100)
            expected = ds.example(i)["labels"][1:SEQ_LEN]
            assert labels[1:].tolist() == expected.tolist(), f"{split} instance {i}"


def test_the_parquet_export_loads_in_datasets(shards, tmp_path):
    import datasets

    files = export_parquet(HapaxDataset(shards).folder, tmp_path / "parquet", mask="random:0.3", seed=7)
    loaded = datasets.load_dataset("parquet", data_files={s: str(p) for s, p in files.items()})
    for split in ("train", "val"):
        ds = HapaxDataset(shards, split, mask="random:0.3", seed=7)
        assert len(loaded[split]) == len(ds)
        for i in range(0, len(ds), 3):
            example = ds.example(i)
            assert loaded[split][i]["input_ids"] == example["input_ids"].tolist()
            assert loaded[split][i]["labels"] == example["labels"].tolist()


def test_the_command_line(shards, tmp_path):
    command = pathlib.Path(sys.executable).parent / "hapax-shards"
    out = run([command, "info", shards, "--verify"]).decode()
    assert "verified" in out and f"train: {len(HapaxDataset(shards))} windows" in out
    run([command, "export", shards, "--format", "olmo", "-o", tmp_path / "olmo"])
    settings = json.loads((tmp_path / "olmo" / "olmo-data.json").read_text())
    assert settings["memmap_dtype"] == "uint16" and settings["max_sequence_length"] == SEQ_LEN
    failed = subprocess.run([command, "info", tmp_path], capture_output=True)
    assert failed.returncode != 0 and b"no manifest.json" in failed.stderr


def test_the_map_style_dataset_under_a_distributed_sampler(shards):
    """Two ranks' DistributedSamplers over HapaxDataset, through DataLoaders with workers: every
    window once, each batch row the example of its index."""
    from torch.utils.data.distributed import DistributedSampler

    ds = HapaxDataset(shards, mask="offset")
    covered = []
    for rank in range(2):
        sampler = DistributedSampler(ds, num_replicas=2, rank=rank, shuffle=True, seed=3)
        indices = list(sampler)
        covered += indices
        rows = [row for batch in DataLoader(ds, batch_size=4, sampler=sampler, num_workers=2)
                for row in zip(batch["input_ids"].tolist(), batch["labels"].tolist())]
        assert rows == [(ds[i]["input_ids"].tolist(), ds[i]["labels"].tolist()) for i in indices]
    # DistributedSampler pads to equal shares by repeating the first indices.
    assert set(covered) == set(range(len(ds))) and len(covered) - len(ds) == len(ds) % 2
