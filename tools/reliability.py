#!/usr/bin/env python3
"""The reliability campaign: kills, corruption, concurrent runs, full disks and hostile inputs thrown at
hapax-prep, hapax-train and the Python reader, each outcome checked against an uninterrupted, intact
run. Prints one line per check with its counts and exits non-zero unless every count is clean.
tools/reliability.sh runs it with the fuzzers and the sanitizers; docs/RELIABILITY.md says what each
check promises.

    .venv/bin/python tools/reliability.py [--short] [--seed 1] [--only NAME ...]
"""
import argparse
import gzip
import hashlib
import json
import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = pathlib.Path(os.environ.get("HAPAX_BIN", ROOT / ".build" / "release"))
PREP, TRAIN = str(BIN / "hapax-prep"), str(BIN / "hapax-train")
sys.path.insert(0, str(ROOT / "tools" / "hapax_shards"))
from hapax_shards import HapaxDataset, ShardError  # noqa: E402

SEQ_LEN = 32
SUDO = [] if os.geteuid() == 0 else ["sudo"]
TRAIN_ARGS = ["--layers", "1", "--heads", "2", "--width", "16", "--batch-size", "4", "--warmup", "2",
              "--eval-every", "0", "--threads", "1"]


class Outcome:
    """What a run did: exit status, standard output and error, and its peak resident memory in MB."""

    def __init__(self, code, stdout=b"", stderr="", peak_mb=0.0):
        self.code, self.stdout, self.stderr, self.peak_mb = code, stdout, stderr, peak_mb

    def crashed(self):
        return self.code < 0 or "Fatal error" in self.stderr or "Trace/breakpoint" in self.stderr or "Sanitizer" in self.stderr


def execute(args, timeout=600):
    process = subprocess.Popen([str(a) for a in args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = process.communicate(timeout=timeout)
    return Outcome(process.returncode, stdout, stderr.decode(errors="replace"))


def measured(args):
    """Runs `args` (output discarded) and takes its peak memory from wait4."""
    process = subprocess.Popen([str(a) for a in args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    error = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    return Outcome(os.waitstatus_to_exitcode(status), b"", error.decode(errors="replace"), usage.ru_maxrss / 1024)


def digest(folder):
    folder = pathlib.Path(folder)
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def killed_at(args, delay):
    """Runs `args`, SIGKILLs it after `delay` seconds; whether it was still running."""
    process = subprocess.Popen([str(a) for a in args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(delay)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return True


class Campaign:
    def __init__(self, work, short, seed):
        self.work, self.short, self.rng = pathlib.Path(work), short, random.Random(seed)
        self.failures = 0
        texts = sorted((ROOT / "data" / "shakespeare").glob("*.txt"))
        self.corpus = self.work / "corpus"
        self.corpus.mkdir()
        for text in texts[:6]:
            shutil.copy(text, self.corpus)
        lines = [json.dumps({"text": line}) for line in texts[6].read_text(encoding="utf-8").split("\n\n") if line.strip()]
        (self.corpus / "lines.jsonl").write_text("\n".join(lines) + "\n")
        self.tokenizer = self.work / "tok.json"
        subprocess.run([PREP, "train-tokenizer", "--vocab-size", "400", "-o", str(self.tokenizer), *map(str, texts[:2])],
                       check=True, capture_output=True)
        self.shard_args = ["--tokenizer", self.tokenizer, "--seq-len", SEQ_LEN, "--unit-size", "250000", "--val-fraction", "0.2"]
        self.reference = self.shard(self.work / "reference")
        self.reference_digest = digest(self.reference)
        self.reference_windows = self.windows_of(self.reference)

    def shard(self, out, *extra, check=True):
        outcome = execute([PREP, "shard", self.corpus, *self.shard_args, "-o", out, *extra])
        if check and outcome.code != 0:
            raise RuntimeError(f"shard failed: {outcome.stderr}")
        return out

    def windows_of(self, folder):
        """Everything a trainer reads of a folder: the export of every window of both splits."""
        return [execute([PREP, "export", folder, "--split", split]) for split in ("train", "val")]

    def kill_during(self, command, full):
        """Kills runs of `command()` at one to three seeded random moments within `full` seconds; when
        none was still running at its moment (warm reruns, and resumed ones, end sooner than the
        timed run), again at ever earlier moments until one is, so that every trial holds a kill.
        Returns (kills, tries)."""
        kills = tries = 0
        for _ in range(self.rng.randint(1, 3)):
            tries += 1
            kills += killed_at(command(), self.rng.uniform(0, full))
        bound = full
        while kills == 0 and tries < 10:
            bound /= 2
            tries += 1
            kills += killed_at(command(), self.rng.uniform(0, bound))
        return kills, tries

    def report(self, name, line, clean):
        print(f"{name:<22} {line}  {'clean' if clean else 'FAILED'}", flush=True)
        self.failures += not clean

    # MARK: checks

    def kills_shard(self):
        """SIGKILL `shard` at seeded random moments, rerun until it finishes: the same bytes."""
        args = [PREP, "shard", ROOT / "data" / "shakespeare", *self.shard_args]
        start = time.perf_counter()
        execute(args + ["-o", self.work / "kill-reference"])
        full = time.perf_counter() - start
        reference = digest(self.work / "kill-reference")
        kills = tried = identical = 0
        trials = 6 if self.short else 25
        for trial in range(trials):
            out = self.work / f"kill-shard-{trial}"
            run = args + ["-o", out, "--threads", str(1 + trial % 2)]
            killed, tries = self.kill_during(lambda: run, full)
            kills, tried = kills + killed, tried + tries
            execute(run)
            identical += digest(out) == reference
            shutil.rmtree(out)
        self.report("kills: shard", f"{kills} kills in {tried} tries over {trials} runs (full run {full:.2f} s); "
                    f"{identical}/{trials} finished byte-identical", identical == trials and kills >= (5 if self.short else 20))

    def train(self, out, *extra, data=None):
        return execute([TRAIN, "train", "--data", data or self.reference, "--out", out, *TRAIN_ARGS, *extra])

    def kills_train(self):
        """SIGKILL `train` at seeded random moments, resume until it finishes: the same weights."""
        steps = ["--steps", "150", "--checkpoint-every", "7"]
        start = time.perf_counter()
        reference = self.train(self.work / "train-reference", *steps)
        full = time.perf_counter() - start
        weights = (self.work / "train-reference" / "model.safetensors").read_bytes()
        kills = tried = identical = 0
        failures = []
        trials = 6 if self.short else 25
        for trial in range(trials):
            out = self.work / f"kill-train-{trial}"
            first = [TRAIN, "train", "--data", self.reference, "--out", out, *TRAIN_ARGS, *steps]
            killed, tries = self.kill_during(lambda: first + (["--resume"] if (out / "config.json").exists() else []), full)
            kills, tried = kills + killed, tried + tries
            outcome = self.train(out, *steps, *(["--resume"] if (out / "config.json").exists() else []))
            if outcome.code == 0 and (out / "model.safetensors").read_bytes() == weights:
                identical += 1
            else:
                failures.append(f"run {trial}: " + (f"exit {outcome.code}: {outcome.stderr.strip().splitlines()[-1:]}"
                                                    if outcome.code else "other weights"))
            shutil.rmtree(out)
        self.report("kills: train", f"{kills} kills in {tried} tries over {trials} runs (full run {full:.2f} s); "
                    f"{identical}/{trials} resumed to identical weights" + "".join(f"; {f}" for f in failures), reference.code == 0 and identical == trials
                    and kills >= (5 if self.short else 20))

    def damage(self, path):
        """Flips a byte, truncates, or appends bytes, at a random place."""
        data = bytearray(path.read_bytes())
        kind = self.rng.choice(["flip", "truncate", "append"])
        if kind == "flip" and data:
            data[self.rng.randrange(len(data))] ^= self.rng.randrange(1, 256)
        elif kind == "truncate" and data:
            del data[self.rng.randrange(len(data)):]
        else:
            data += bytes(self.rng.randrange(256) for _ in range(self.rng.randint(1, 64)))
        path.write_bytes(bytes(data))
        return kind

    def corrupt_folders(self):
        """Damage a shard or the manifest: verify, export, train and the Python reader each either stop
        with an error naming the folder's file, or read exactly the intact data."""
        trials = 20 if self.short else 150
        train_reference = self.train(self.work / "corrupt-train-reference", "--steps", "3")
        intact_weights = (self.work / "corrupt-train-reference" / "model.safetensors").read_bytes()
        counts = {tool: {"detected": 0, "intact": 0, "silent": 0, "crashed": 0} for tool in ("verify", "export", "train", "python")}
        for trial in range(trials):
            folder = self.work / f"corrupt-{trial}"
            shutil.copytree(self.reference, folder)
            manifest = json.loads((folder / "manifest.json").read_text())
            files = [s["file"] for split in manifest["splits"].values() for s in split["shards"]] + ["manifest.json"]
            target = folder / self.rng.choice(files)
            self.damage(target)
            names = (str(target), str(folder))

            def judge(tool, outcome, same):
                if outcome.crashed():
                    counts[tool]["crashed"] += 1
                elif outcome.code != 0 and any(n in outcome.stderr for n in names):
                    counts[tool]["detected"] += 1
                elif outcome.code == 0 and same():
                    counts[tool]["intact"] += 1
                else:
                    counts[tool]["silent"] += 1

            verify = execute([PREP, "verify", folder, "--all"])
            exported = self.windows_of(folder)
            judge("verify", verify, lambda: [e.stdout for e in exported] == [e.stdout for e in self.reference_windows])
            failed = next((e for e in exported if e.code != 0), exported[0])
            judge("export", failed, lambda: [e.stdout for e in exported] == [e.stdout for e in self.reference_windows])
            run = self.train(folder / "run", "--steps", "3", data=folder)
            judge("train", run, lambda: (folder / "run" / "model.safetensors").read_bytes() == intact_weights)
            judge("python", self.python_read(folder), lambda: True)
            shutil.rmtree(folder)
        line = "; ".join(f"{tool} {c['detected']} detected, {c['intact']} read intact data, {c['silent']} silent, {c['crashed']} crashed"
                         for tool, c in counts.items())
        self.report("corruption: shards", f"{trials} damaged folders: {line}",
                    train_reference.code == 0 and all(c["silent"] == c["crashed"] == 0 for c in counts.values()))

    def python_read(self, folder):
        """The Python reader over every window, as an Outcome: an error, or the intact windows (code 0),
        or different windows without an error (code 2)."""
        try:
            same = True
            for split, reference in zip(("train", "val"), self.reference_windows):
                ds = HapaxDataset(folder, split)
                lines = reference.stdout.decode().splitlines()
                same &= len(ds) == len(lines)
                for i in range(min(len(ds), len(lines))):
                    tokens, match = ds.window(i)
                    expected = json.loads(lines[i])
                    same &= tokens.tolist() == expected["tokens"] and match.tolist() == expected["match"]
            return Outcome(0) if same else Outcome(2, stderr="different data without an error")
        except ShardError as error:
            return Outcome(1, stderr=str(error))
        except Exception as error:  # anything else is the reader failing, not refusing
            return Outcome(-1, stderr=f"Fatal error: {type(error).__name__}: {error}")

    def corrupt_records(self):
        """Damage a unit record: a rerun recomputes what it cannot trust, giving the same bytes."""
        trials = 10 if self.short else 60
        identical = 0
        for trial in range(trials):
            folder = self.work / f"record-{trial}"
            shutil.copytree(self.reference, folder)
            (folder / "manifest.json").unlink()
            records = sorted((folder / "units").glob("unit-*.json"))
            self.damage(self.rng.choice(records))
            self.shard(folder)
            identical += digest(folder) == self.reference_digest
            shutil.rmtree(folder)
        self.report("corruption: records", f"{trials} damaged unit records; {identical}/{trials} reruns byte-identical", identical == trials)

    def corrupt_checkpoints(self):
        """Damage the newest checkpoint of an interrupted run: the resume passes over it, naming it, and
        ends with the uninterrupted run's weights."""
        steps = ["--steps", "24", "--checkpoint-every", "4"]
        self.train(self.work / "checkpoint-reference", *steps)
        weights = (self.work / "checkpoint-reference" / "model.safetensors").read_bytes()
        trials = 6 if self.short else 30
        good = 0
        for trial in range(trials):
            out = self.work / f"checkpoint-{trial}"
            process = subprocess.Popen([TRAIN, "train", "--data", str(self.reference), "--out", str(out), *TRAIN_ARGS, *steps],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            def complete():
                return sorted(p for p in (out / "checkpoints").glob("step-*") if p.name[5:].isdigit())

            while process.poll() is None and len(complete()) < 2:
                time.sleep(0.002)
            process.send_signal(signal.SIGKILL)
            process.wait()
            newest = complete()[-1]
            target = newest / self.rng.choice(["model.safetensors", "optimizer.safetensors", "trainer.json"])
            self.damage(target)
            outcome = self.train(out, *steps, "--resume")
            resumed = outcome.code == 0 and (out / "model.safetensors").read_bytes() == weights
            # Damage that leaves every value intact (a JSON space) may be resumed from without a word.
            good += resumed and (str(newest) in outcome.stderr or "warning" not in outcome.stderr)
            shutil.rmtree(out)
        self.report("corruption: checkpoints", f"{trials} damaged newest checkpoints; {good}/{trials} resumed past them "
                    "to the uninterrupted weights", good == trials)

    def escapes(self):
        """Manifest entries that lead out of the folder are refused by every reader."""
        outside = self.work / "outside.hapax"
        shutil.copy(self.reference / json.loads((self.reference / "manifest.json").read_text())["splits"]["train"]["shards"][0]["file"], outside)
        refused = tried = 0
        for kind in ("absolute", "dotdot", "symlink"):
            folder = self.work / f"escape-{kind}"
            shutil.copytree(self.reference, folder)
            manifest = json.loads((folder / "manifest.json").read_text())
            entry = manifest["splits"]["train"]["shards"][0]
            if kind == "absolute":
                entry["file"] = str(outside)
            elif kind == "dotdot":
                entry["file"] = "../outside.hapax"
            else:
                (folder / entry["file"]).unlink()
                (folder / entry["file"]).symlink_to(outside)
            (folder / "manifest.json").write_text(json.dumps(manifest))
            for outcome in [execute([PREP, "verify", folder]), execute([PREP, "export", folder]),
                            self.train(folder / "run", "--steps", "1", data=folder), self.python_read(folder)]:
                tried += 1
                refused += outcome.code > 0 and ("outside the folder" in outcome.stderr)
        self.report("escapes", f"{refused}/{tried} reads of entries leading outside the folder refused", refused == tried)

    def locks(self):
        """A second shard or train on a folder in use is refused; a killed holder leaves no lock."""
        big = self.work / "big"
        big.mkdir()
        for k in range(40):
            shutil.copy(sorted(self.corpus.glob("*.txt"))[k % 6], big / f"{k:02d}.txt")
        checks = []
        for kind in ("shard", "train"):
            out = self.work / f"lock-{kind}"
            if kind == "shard":
                args = [PREP, "shard", big, *self.shard_args, "-o", out, "--threads", "1"]
            else:
                args = [TRAIN, "train", "--data", self.reference, "--out", out, *TRAIN_ARGS, "--steps", "100000"]
            first = subprocess.Popen([str(a) for a in args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 30
            while time.time() < deadline and not (out / "parameters.json" if kind == "shard" else out / "config.json").exists():
                time.sleep(0.01)
            time.sleep(0.2)
            second = execute(args + (["--resume"] if kind == "train" else []))
            checks.append(second.code != 0 and "in use by another process" in second.stderr and str(out) in second.stderr)
            first.send_signal(signal.SIGKILL)
            first.wait()
            if kind == "shard":
                checks.append(execute(args).code == 0)
            else:
                resumed = subprocess.Popen([str(a) for a in args + ["--resume"]], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                time.sleep(1.0)
                checks.append(resumed.poll() is None)  # it took the lock and trains
                resumed.send_signal(signal.SIGKILL)
                resumed.wait()
        self.report("locks", f"{sum(checks)}/{len(checks)}: second shard and train refused naming the folder; "
                    "each runs once its holder was killed", all(checks))

    def full_disk(self):
        """A small tmpfs fills during shard and during a checkpoint: a plain message, the finished files
        intact, and a rerun with space gives the uninterrupted result."""
        mount = self.work / "small-disk"
        mount.mkdir()
        total = sum(p.stat().st_size for p in self.reference.rglob("*") if p.is_file())
        if subprocess.run([*SUDO, "mount", "-t", "tmpfs", "-o", f"size={total // 2}", "tmpfs", str(mount)], capture_output=True).returncode:
            self.report("full disk", "cannot mount a tmpfs here (needs root)", False)
            return
        checks = []
        try:
            out = mount / "shards"
            failed = execute([PREP, "shard", self.corpus, *self.shard_args, "-o", out])
            checks.append(failed.code != 0 and "the disk is full" in failed.stderr)
            kept = [p for p in (out / "units").glob("unit-*.json")]
            checks.append(all(digest(out).get(f"units/{p.name}") == self.reference_digest.get(f"units/{p.name}") for p in kept))
            subprocess.run([*SUDO, "mount", "-o", f"remount,size={total * 4}", str(mount)], check=True)
            checks.append(execute([PREP, "shard", self.corpus, *self.shard_args, "-o", out]).code == 0
                          and digest(out) == self.reference_digest)
            shutil.rmtree(out)
            # Checkpoints: room for a few, then full.
            steps = ["--steps", "60", "--checkpoint-every", "2"]
            self.train(self.work / "disk-reference", *steps)
            weights = (self.work / "disk-reference" / "model.safetensors").read_bytes()
            checkpoint = sum(p.stat().st_size for p in (self.work / "disk-reference" / "checkpoints").iterdir() for p in p.iterdir()) // 2
            subprocess.run([*SUDO, "mount", "-o", f"remount,size={5 * checkpoint // 2}", str(mount)], check=True)
            run = mount / "run"
            failed = self.train(run, *steps)
            checks.append(failed.code != 0 and "the disk is full" in failed.stderr)
            subprocess.run([*SUDO, "mount", "-o", f"remount,size={20 * checkpoint + (1 << 20)}", str(mount)], check=True)
            resumed = self.train(run, *steps, "--resume")
            checks.append(resumed.code == 0 and (run / "model.safetensors").read_bytes() == weights)
        finally:
            subprocess.run([*SUDO, "umount", str(mount)], capture_output=True)
        self.report("full disk", f"{sum(checks)}/{len(checks)}: shard and a checkpoint on a full tmpfs say the disk is full, keep "
                    "finished files, and finish identically with space", all(checks))

    def hostile(self):
        """Inputs built to hurt: each ends in a clear error or a correct result, within bounded memory."""
        folder = self.work / "hostile"
        folder.mkdir()
        results = []

        def attempt(name, inputs, *extra, expect_error=None, tokenizer=None, bound_mb=1024):
            out = folder / f"out-{name}"
            outcome = measured([PREP, "shard", *inputs, "--tokenizer", tokenizer or self.tokenizer, "--seq-len", SEQ_LEN,
                                "-o", out, *extra])
            ok = not outcome.crashed() and outcome.peak_mb < bound_mb
            ok &= (outcome.code != 0 and expect_error in outcome.stderr) if expect_error else outcome.code == 0
            results.append((name, ok, outcome.peak_mb))
            return outcome, out

        size = (300 if self.short else 2048) << 20
        line = folder / "long-line.jsonl"
        with open(line, "wb") as f:
            f.write(b'{"text": "')
            chunk = b"a" * (1 << 20)
            for _ in range(size >> 20):
                f.write(chunk)
        attempt("2GB line" if not self.short else "300MB line", [line], expect_error="longer than any document")
        line.unlink()

        bomb = folder / "bomb.txt.gz"
        # Letters, not NUL bytes: NUL bytes early on are refused as binary before any length check.
        member = gzip.compress(b"a" * (256 << 20), compresslevel=9)
        with open(bomb, "wb") as f:
            for _ in range(40 if not self.short else 4):
                f.write(member)
        attempt(f"gzip bomb {bomb.stat().st_size >> 10} KB", [bomb], expect_error="longer than a work unit")
        jsonl_bomb = folder / "bomb.jsonl.gz"
        jsonl_bomb.write_bytes(bomb.read_bytes())
        attempt("gzip bomb, JSON Lines", [jsonl_bomb], expect_error="longer than any document")

        nested = folder / "nested.jsonl"
        nested.write_text(json.dumps({"text": "fine"}) + "\n" + '{"text": ' + "[" * 200000 + "]" * 200000 + "}\n")
        outcome, out = attempt("deeply nested JSON", [nested])
        results[-1] = (results[-1][0], results[-1][1] and "1 record(s) skipped" in outcome.stderr, results[-1][2])
        attempt("deeply nested, strict", [nested], "--strict", expect_error="not a JSON object")

        vocabulary = json.loads(self.tokenizer.read_text())
        merges = folder / "many-merges.json"
        vocabulary["model"]["merges"] = [f"x{i} y{i}" for i in range(3_000_000)]
        merges.write_text(json.dumps(vocabulary))
        attempt("3M bad merges", [self.corpus / "lines.jsonl"], tokenizer=merges, expect_error=str(merges))
        ranks = folder / "huge-line.tiktoken"
        ranks.write_bytes(b"IQ== 0\n" + b"A" * (64 << 20) + b" 1\n")
        attempt("64 MB rank-file line", [self.corpus / "lines.jsonl"], "--pattern", "cl100k", tokenizer=ranks, expect_error=str(ranks))

        invalid = folder / "invalid.txt"
        # No NUL among them: a NUL byte in the first 64 KiB marks a binary file (test_binary_inputs.py).
        forms = [b"\x80", b"\xbf", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80",
                 b"\xfe", b"\xff", b"\xe2\x82", b"\xf0\x9f\x98", b"\xc3"]
        payload = b"ok " + b" x ".join(forms * 20) + b" end"
        invalid.write_bytes(payload)
        outcome, out = attempt("invalid UTF-8", [invalid])
        replaced = payload.decode("utf-8", "replace").count("\ufffd")
        stats = json.loads((out / "manifest.json").read_text())["statistics"] if outcome.code == 0 else {}
        results[-1] = (results[-1][0], results[-1][1] and stats.get("replaced_sequences") == replaced, results[-1][2])

        fifo = folder / "pipe.jsonl"
        os.mkfifo(fifo)
        writer = subprocess.Popen(["sh", "-c", f"cat {self.corpus / 'lines.jsonl'} > {fifo}"])
        outcome, out = attempt("named pipe", [fifo])
        writer.wait()
        piped = execute([PREP, "export", out]).stdout
        file_out = folder / "out-file"
        execute([PREP, "shard", self.corpus / "lines.jsonl", "--tokenizer", self.tokenizer, "--seq-len", SEQ_LEN, "-o", file_out])
        results[-1] = (results[-1][0], results[-1][1] and piped == execute([PREP, "export", file_out]).stdout, results[-1][2])
        inside = folder / "with-fifo"
        inside.mkdir()
        os.mkfifo(inside / "pipe.txt")
        attempt("a pipe inside a folder", [inside], expect_error="not a regular file or folder")
        loop = folder / "loop"
        (loop / "a").mkdir(parents=True)
        shutil.copy(self.corpus / "lines.jsonl", loop / "a" / "lines.jsonl")
        (loop / "a" / "back").symlink_to(loop)
        outcome, out = attempt("a directory loop", [loop])
        results[-1] = (results[-1][0], results[-1][1] and json.loads((out / "manifest.json").read_text())["parameters"]["inputs"].__len__() == 1,
                       results[-1][2])

        bad = [name for name, ok, _ in results if not ok]
        peak = max(p for _, _, p in results)
        self.report("hostile inputs", f"{len(results) - len(bad)}/{len(results)} ended in a clear error or a correct result; "
                    f"peak memory {peak:.0f} MB (bound 1024 MB)" + (f"; failed: {', '.join(bad)}" if bad else ""), not bad)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="fewer trials and smaller hostile inputs, for CI")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="run only these checks")
    args = parser.parse_args()
    checks = ["locks", "kills_shard", "kills_train", "corrupt_folders", "corrupt_records", "corrupt_checkpoints", "escapes",
              "full_disk", "hostile"]
    with tempfile.TemporaryDirectory(prefix="hapax-reliability-") as work:
        campaign = Campaign(work, args.short, args.seed)
        for name in args.only or checks:
            getattr(campaign, name)()
    sys.exit(1 if campaign.failures else 0)


if __name__ == "__main__":
    main()
