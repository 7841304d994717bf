"""The tables hapax reads from `tokenizers` itself (UnicodeScripts' scripts; the character tests of
Digits, Punctuation, Whitespace and WhitespaceSplit) are those the installed `tokenizers` gives: a
new version of it that changes them fails here until the generator is run again."""
import re
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import generate_character_tests  # noqa: E402
import generate_unicode_scripts  # noqa: E402


def swift_runs(path):
    text = path.read_text()
    block = text[text.index("static let runs: [UInt32] = [") + len("static let runs: [UInt32] = ["):]
    return [int(value, 16) for value in re.findall(r"0x([0-9A-F]{8})", block[: block.index("]")])]


@pytest.mark.parametrize("generator", [generate_unicode_scripts, generate_character_tests], ids=lambda g: g.__name__)
def test_the_swift_table_is_the_generators(generator):
    runs, _ = generator.table()
    assert swift_runs(generator.OUT) == runs, f"{generator.OUT.name} is stale: run .venv/bin/python tools/{generator.__name__}.py"
