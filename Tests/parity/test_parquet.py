"""Parquet input: files written by pyarrow in every codec, encoding and page version, and one written by
Hugging Face `datasets`, give shards holding exactly tiktoken's ids of the non-null texts in order;
`--part` over Parquet inputs merges to the whole run; `tokenize` and `train-tokenizer` read the same
rows; and damaged or unsuitable files end in one-line errors naming the file (and the row group and
page, or the column and its type)."""
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import shard_spec
from conftest import run
from test_shards import folder_digest
from conftest import ROOT
from test_tiktoken_parity import cl100k as cl100k_of

EOT = 100257


def cl100k():
    return cl100k_of(ROOT / "data" / "cl100k_base.tiktoken")
SEQ_LEN = 64


@pytest.fixture(scope="module")
def rows(corpus_files):
    """Texts of many lengths, with nulls and empty strings among them."""
    texts = [f.read_text(encoding="utf-8") for f in corpus_files[:20]]
    result = []
    for i in range(400):
        if i % 7 == 3:
            result.append(None)
        elif i % 11 == 5:
            result.append("")
        else:
            text = texts[i % 20]
            start = (i * 7919) % max(1, len(text) - 3000)
            result.append(text[start:start + 1 + (i * 104729) % 2500])
    return result


def table(rows):
    return pa.table({"id": list(range(len(rows))), "text": rows, "title": [f"title {i}" for i in range(len(rows))]})


def expected_stream(rows):
    encoding = cl100k()
    stream = []
    for text in rows:
        if text:
            stream += encoding.encode_ordinary(text) + [EOT]
    return stream


def shard_tokens(hapax_prep, cl100k_path, inputs, out, *extra):
    run([hapax_prep, "shard", *map(str, inputs), "--tokenizer", str(cl100k_path), "--seq-len", str(SEQ_LEN), "-o", str(out), *extra])
    spec = shard_spec.manifest(out)
    shards = spec["splits"]["train"]["shards"]
    assert len(shards) == 1
    _, windows, matches = shard_spec.read_shard(out / shards[0]["file"])
    for k in range(0, len(windows), 5):
        assert list(matches[k]) == list(shard_spec.match_lengths(windows[k]))
    return list(windows[0]) + [t for w in windows[1:] for t in w[1:]]


def assert_holds(rebuilt, stream):
    assert rebuilt == stream[: len(rebuilt)] and len(stream) - len(rebuilt) < SEQ_LEN


CODECS = ["NONE", "SNAPPY", "GZIP", "ZSTD", "LZ4", "BROTLI"]


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("version", ["1.0", "2.0"])
@pytest.mark.parametrize("dictionary", [True, False])
def test_every_codec_page_version_and_dictionary(hapax_prep, cl100k_path, rows, tmp_path, codec, version, dictionary):
    path = tmp_path / "data.parquet"
    pq.write_table(table(rows), path, compression=codec, data_page_version=version, use_dictionary=dictionary,
                   row_group_size=70, data_page_size=4096, write_page_checksum=codec != "GZIP")
    assert_holds(shard_tokens(hapax_prep, cl100k_path, [path], tmp_path / "shards"), expected_stream(rows))


@pytest.mark.parametrize("encoding", ["DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY", "PLAIN"])
@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_delta_and_plain_encodings(hapax_prep, cl100k_path, rows, tmp_path, encoding, version):
    path = tmp_path / "data.parquet"
    pq.write_table(table(rows), path, use_dictionary=False, column_encoding={"text": encoding, "id": "PLAIN", "title": "PLAIN"},
                   data_page_version=version, row_group_size=150, data_page_size=2048, compression="ZSTD")
    assert_holds(shard_tokens(hapax_prep, cl100k_path, [path], tmp_path / "shards"), expected_stream(rows))


def test_a_required_column_and_the_text_field_option(hapax_prep, cl100k_path, rows, tmp_path):
    texts = [t for t in rows if t is not None]
    schema = pa.schema([pa.field("content", pa.string(), nullable=False), pa.field("n", pa.int32())])
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"content": texts, "n": list(range(len(texts)))}, schema=schema), path, row_group_size=100)
    assert pq.ParquetFile(path).schema.column(0).max_definition_level == 0
    rebuilt = shard_tokens(hapax_prep, cl100k_path, [path], tmp_path / "shards", "--text-field", "content")
    assert_holds(rebuilt, expected_stream(texts))


def test_a_file_written_by_hugging_face_datasets(hapax_prep, cl100k_path, rows, tmp_path):
    from datasets import Dataset
    path = tmp_path / "train-00000-of-00001.parquet"
    Dataset.from_dict({"text": rows, "id": list(range(len(rows)))}).to_parquet(str(path))
    assert_holds(shard_tokens(hapax_prep, cl100k_path, [path], tmp_path / "shards"), expected_stream(rows))


def test_tokenize_prints_one_line_per_row_and_train_tokenizer_reads_the_rows(hapax_prep, cl100k_path, rows, tmp_path):
    path = tmp_path / "data.parquet"
    pq.write_table(table(rows), path, row_group_size=50)
    out = run([hapax_prep, "tokenize", "--tokenizer", str(cl100k_path), str(path)]).stdout.decode().splitlines()
    texts = [t for t in rows if t]
    assert [list(map(int, line.split())) for line in out] == [cl100k().encode_ordinary(t) for t in texts]
    # The same texts as JSON Lines train the same tokenizer.
    lines = tmp_path / "data.jsonl"
    lines.write_text("\n".join(json.dumps({"text": t}) for t in texts), encoding="utf-8")
    run([hapax_prep, "train-tokenizer", "--vocab-size", "600", "-o", str(tmp_path / "a.json"), str(path)])
    run([hapax_prep, "train-tokenizer", "--vocab-size", "600", "-o", str(tmp_path / "b.json"), str(lines)])
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


@pytest.mark.parametrize("count", [2, 3, 5])
def test_parts_over_parquet_inputs_merge_to_the_whole_run(hapax_prep, cl100k_path, rows, tmp_path, count):
    inputs = []
    for k, codec in enumerate(["SNAPPY", "ZSTD", "NONE"]):
        inputs.append(tmp_path / f"data-{k}.parquet")
        pq.write_table(table(rows[k * 100:]), inputs[-1], compression=codec, row_group_size=25)
    common = ["--tokenizer", str(cl100k_path), "--seq-len", str(SEQ_LEN), "--unit-size", "60000", "--val-fraction", "0.3"]
    run([hapax_prep, "shard", *map(str, inputs), *common, "-o", str(tmp_path / "whole")])
    parts = [tmp_path / f"part-{i}" for i in range(count)]
    for i, part in enumerate(parts):
        run([hapax_prep, "shard", *map(str, inputs), *common, "--part", f"{i}/{count}", "-o", str(part)])
    manifests = [shard_spec.manifest(p) for p in parts]
    assert sum(1 for m in manifests if m["units"] > 0) > 1
    run([hapax_prep, "merge", *map(str, parts), "-o", str(tmp_path / "merged")])
    assert folder_digest(tmp_path / "merged") == folder_digest(tmp_path / "whole")


def one_line_error(result, *needles):
    error = result.stderr.decode()
    assert result.returncode != 0 and len(error.strip().splitlines()) == 1, error
    for needle in needles:
        assert needle in error, error


def shard_error(hapax_prep, cl100k_path, path, tmp_path, *extra):
    return run([hapax_prep, "shard", str(path), "--tokenizer", str(cl100k_path), "--seq-len", str(SEQ_LEN),
                "-o", str(tmp_path / "refused"), *extra], check=False)


@pytest.mark.parametrize("column, message", [
    (pa.array([1, 2, 3]), 'column "text" has type INT64, not a string'),
    (pa.array([b"\x00\x01", b"x", b"y"]), 'column "text" is BYTE_ARRAY without the String logical type'),
    (pa.array([{"a": "x", "b": "y"}] * 3), 'column "text" is nested (a group of 2 fields)'),
    (pa.array([["x", "y"], ["z"], []]), 'column "text" is nested'),
])
def test_columns_that_are_not_strings_are_refused(hapax_prep, cl100k_path, tmp_path, column, message):
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"text": column}), path)
    one_line_error(shard_error(hapax_prep, cl100k_path, path, tmp_path), str(path), message)


def test_a_missing_column_names_the_columns_there_are(hapax_prep, cl100k_path, rows, tmp_path):
    path = tmp_path / "data.parquet"
    pq.write_table(table(rows), path)
    one_line_error(shard_error(hapax_prep, cl100k_path, path, tmp_path, "--text-field", "body"), str(path),
                   'no column "body" (its columns: id, text, title)')


@pytest.fixture
def valid(rows, tmp_path):
    path = tmp_path / "valid.parquet"
    pq.write_table(table(rows), path, compression="SNAPPY", row_group_size=100, data_page_size=4096, write_page_checksum=True)
    return path.read_bytes()


def damaged(tmp_path, data):
    path = tmp_path / "damaged.parquet"
    path.write_bytes(data)
    return path


def test_a_truncated_file_is_refused(hapax_prep, cl100k_path, valid, tmp_path):
    path = damaged(tmp_path, valid[: len(valid) // 2])
    one_line_error(shard_error(hapax_prep, cl100k_path, path, tmp_path), str(path), "no PAR1 at its end")


def test_a_footer_length_past_the_file_is_refused(hapax_prep, cl100k_path, valid, tmp_path):
    path = damaged(tmp_path, valid[:-8] + (len(valid) * 2).to_bytes(4, "little") + b"PAR1")
    one_line_error(shard_error(hapax_prep, cl100k_path, path, tmp_path), str(path), "the footer says it is")


def test_a_damaged_page_is_caught_by_its_checksum(hapax_prep, cl100k_path, valid, tmp_path):
    metadata = pq.ParquetFile(pa.BufferReader(valid)).metadata
    text = metadata.row_group(1).column(1)
    middle = text.data_page_offset + 200
    data = bytearray(valid)
    data[middle] ^= 0xFF
    path = damaged(tmp_path, bytes(data))
    one_line_error(shard_error(hapax_prep, cl100k_path, path, tmp_path), str(path), "row group 1, page", "CRC-32")


def test_damaged_compressed_data_without_checksums_is_refused(hapax_prep, cl100k_path, rows, tmp_path):
    path = tmp_path / "data.parquet"
    pq.write_table(table(rows), path, compression="ZSTD", row_group_size=100, data_page_size=4096)
    data = bytearray(path.read_bytes())
    column = pq.ParquetFile(path).metadata.row_group(2).column(1)
    start = column.dictionary_page_offset or column.data_page_offset
    for k in range(start + 40, start + 60):
        data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    one_line_error(shard_error(hapax_prep, cl100k_path, path, tmp_path), str(path), "row group 2, page")


def test_a_lying_page_size_is_refused(hapax_prep, cl100k_path, rows, tmp_path):
    """The first page header's compressed_page_size (field 3, a zigzag varint) made to claim far more."""
    path = tmp_path / "data.parquet"
    pq.write_table(table(rows), path, compression="NONE", row_group_size=400, use_dictionary=False, data_page_size=1 << 20)
    data = bytearray(path.read_bytes())
    column = pq.ParquetFile(path).metadata.row_group(0).column(1)
    header = column.data_page_offset
    # Field 1 (type) is one byte of header and one of value; field 2 and 3 are varints.
    position = header + 2
    assert data[position] == 0x15  # field 2, i32
    position += 1
    while data[position] & 0x80:
        position += 1
    position += 1
    assert data[position] == 0x15  # field 3, i32
    position += 1
    while data[position] & 0x80:
        position += 1
    data[position] |= 0x80  # the varint goes on into the next byte: a size 128 times larger or more
    path.write_bytes(bytes(data))
    result = shard_error(hapax_prep, cl100k_path, path, tmp_path)
    one_line_error(result, str(path), "row group 0, page 0")


def test_parquet_from_standard_input_is_refused(hapax_prep, cl100k_path, valid, tmp_path):
    result = run([hapax_prep, "shard", "-", "--format", "parquet", "--tokenizer", str(cl100k_path), "--seq-len", "64",
                  "-o", str(tmp_path / "s")], input=valid, check=False)
    one_line_error(result, "standard input: a Parquet file must be a file")


def test_a_dictionary_index_out_of_range_is_refused(hapax_prep, cl100k_path, tmp_path):
    """The dictionary page made to claim 2 values: the data pages' indices then point past it."""
    texts = [f"text number {i % 40} " * 5 for i in range(400)]
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"text": texts}), path, compression="NONE", use_dictionary=True, row_group_size=400)
    data = bytearray(path.read_bytes())
    column = pq.ParquetFile(path).metadata.row_group(0).column(0)
    header = column.dictionary_page_offset
    # Fields 1 to 3 (type, sizes), then field 7, the DictionaryPageHeader (0x4C), whose field 1 is num_values (0x15).
    at = data.index(b"\x4c\x15", header) + 2
    end = at
    while data[end] & 0x80:
        end += 1
    length = end - at + 1
    data[at:end + 1] = bytes([0x04]) if length == 1 else bytes([0x84] + [0x80] * (length - 2) + [0x00])
    path.write_bytes(bytes(data))
    one_line_error(shard_error(hapax_prep, cl100k_path, path, tmp_path), str(path), "row group 0, page 1", "is past the dictionary's 2 values")
