"""hapax_shards.tokenizer_files, the tokenizer readers `hapax-shards analyze` draws its ordinary ids
from, against each kind's own library: `sentencepiece` (CONTROL and UNKNOWN pieces are special),
`mistral_common` (Tekken's special tokens and vocabulary size), `tokenizers` (added tokens marked
special) and the rank file itself."""
import base64
import pathlib
import sys

import pytest
import sentencepiece as spm
from tokenizers import Tokenizer

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "hapax_shards"))
from hapax_shards.shards import ShardError  # noqa: E402
from hapax_shards.tokenizer_files import TokenizerFile  # noqa: E402

DATA = ROOT / "data"


@pytest.mark.parametrize("name", ["tokenizer.model.v1", "mistral_instruct_tokenizer_240323.model.v3"])
def test_sentencepiece_models_as_sentencepiece_reads_them(name):
    path = DATA / "mistral" / name
    reference = spm.SentencePieceProcessor(model_file=str(path))
    special = {i for i in range(reference.get_piece_size()) if reference.is_control(i) or reference.is_unknown(i)}
    mine = TokenizerFile(path)
    assert mine.kind == "SentencePiece" and mine.size == reference.get_piece_size()
    assert set(mine.special) == special and mine.ordinary == set(range(reference.get_piece_size())) - special
    assert all(mine.special[i] == reference.id_to_piece(i) for i in special)


def test_tekken_as_mistral_common_reads_it():
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer

    path = DATA / "mistral" / "tekken_240718.json"
    reference = Tekkenizer.from_file(str(path))
    mine = TokenizerFile(path)
    assert mine.kind == "Tekken" and mine.size == reference.n_words
    assert set(mine.special) == set(range(reference.num_special_tokens))
    assert mine.ordinary == set(range(reference.num_special_tokens, reference.n_words))
    assert mine.special[reference.eos_id] == reference.id_to_piece(reference.eos_id)


def test_a_tokenizer_json_as_tokenizers_reads_it():
    path = pathlib.Path("/work/shared/data/pythia/20B_tokenizer.json")
    if not path.exists():
        path = next(DATA.glob("**/tokenizer.json"), None)
    if path is None:
        pytest.skip("no tokenizer.json in the data")
    reference = Tokenizer.from_file(str(path))
    special = {i for i, t in reference.get_added_tokens_decoder().items() if t.special}
    mine = TokenizerFile(path)
    assert mine.kind == "tokenizer.json" and set(mine.special) == special
    assert mine.ordinary == set(reference.get_vocab(with_added_tokens=True).values()) - special


def test_a_rank_file_lists_its_ordinary_ids():
    path = DATA / "cl100k_base.tiktoken"
    ranks = {int(rank) for line in path.read_bytes().splitlines() if line for _, rank in [line.split()]}
    mine = TokenizerFile(path)
    assert mine.kind == "rank file" and mine.ordinary == ranks and not mine.special
    first = path.read_bytes().splitlines()[0].split()[0]
    assert base64.b64decode(first)  # the file is the rank file it claims to be


@pytest.mark.parametrize("damage", [b"\x0a\xff\xff\xff\xff\x0f", b"{\"config\": {}, \"vocab\": []}", b"\x0a\x05\x0a\x03\xff\xfe\xfd"])
def test_a_damaged_tokenizer_is_refused_in_one_line(damage, tmp_path):
    path = tmp_path / "tokenizer.model"
    path.write_bytes(damage)
    with pytest.raises(ShardError) as error:
        TokenizerFile(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)
