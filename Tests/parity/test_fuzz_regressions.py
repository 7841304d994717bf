"""Every input kept in Tests/fuzz/regressions/TARGET (crashes the fuzzers of tools/fuzz.sh found, once
fixed, and hand-made hostile inputs) replayed through the same target without libFuzzer: each must
return, neither crashing nor breaking the target's invariant."""
import pathlib

import pytest

from conftest import ROOT, run

REGRESSIONS = ROOT / "Tests" / "fuzz" / "regressions"


@pytest.mark.parametrize("target", sorted(p.name for p in REGRESSIONS.iterdir()))
def test_saved_inputs_replay_cleanly(hapax_prep, target):
    inputs = sorted(str(p) for p in (REGRESSIONS / target).iterdir())
    assert inputs, f"{target}: no saved input"
    replay = pathlib.Path(hapax_prep).parent / "hapax-fuzz"
    out = run([str(replay), target, *inputs], cwd=ROOT).stdout.decode()
    assert f"{target}: {len(inputs)} input(s) replayed" in out
