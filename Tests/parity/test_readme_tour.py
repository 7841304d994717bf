"""The README's tour runs as written: every ```sh block after a `<!-- tour -->` line, in order, as one
bash script with `set -euo pipefail`, in a fresh folder holding the sample data (`data/`) and the
clone's release binaries (`.build/release`, as the tour's first line puts them on PATH), with
hapax-shards run from tools/hapax_shards as `pip install ./tools/hapax_shards` would install it.
So the front door never shows a command that fails."""
import os
import pathlib
import re
import subprocess
import sys

from conftest import ROOT

MARKER = "<!-- tour -->"


def tour_blocks(text):
    """The marked blocks, each the lines between its ```sh fence and the closing fence."""
    blocks = re.findall(re.escape(MARKER) + r"\n```sh\n(.*?)\n```\n", text, re.S)
    marked = text.count(MARKER)
    assert len(blocks) == marked, f"README.md: {marked} tour markers but {len(blocks)} ```sh blocks right after them"
    return blocks


def test_tour_blocks_are_found_in_a_marked_text():
    text = f"a\n{MARKER}\n```sh\necho one\n```\n\n```sh\nnot marked\n```\n{MARKER}\n```sh\necho two\necho three\n```\n"
    assert tour_blocks(text) == ["echo one", "echo two\necho three"]


def test_a_marker_without_its_block_is_an_error():
    try:
        tour_blocks(f"{MARKER}\n\n```sh\necho late\n```\n")
    except AssertionError as error:
        assert "1 tour markers but 0" in str(error)
    else:
        raise AssertionError("a marker followed by a blank line was accepted")


def test_readme_tour_runs(hapax_prep, cl100k_path, corpus_files, tmp_path):
    blocks = tour_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 5, "README.md's tour has fewer marked blocks than its steps"
    (tmp_path / "data").symlink_to(ROOT / "data")
    (tmp_path / ".build").mkdir()
    (tmp_path / ".build" / "release").symlink_to(pathlib.Path(hapax_prep).parent)
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / "hapax-shards"
    shim.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT / "tools" / "hapax_shards"}" exec "{sys.executable}" -m hapax_shards.cli "$@"\n')
    shim.chmod(0o755)
    script = "set -euo pipefail\n" + "\n".join(blocks) + "\n"
    environment = dict(os.environ, PATH=f"{shims}:{os.environ['PATH']}", NO_COLOR="1")
    result = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            env=environment, timeout=300)
    assert result.returncode == 0, (
        f"README.md's tour failed ({result.returncode}):\n{script}\n--- stdout\n{result.stdout[-4000:]}"
        f"\n--- stderr\n{result.stderr[-4000:]}")
