"""Parquet input: files written by pyarrow in every codec, encoding and page version, and one written by
Hugging Face `datasets`, give shards holding exactly tiktoken's ids of the non-null texts in order;
`--part` over Parquet inputs merges to the whole run; `tokenize` and `train-tokenizer` read the same
rows; and damaged or unsuitable files end in one-line errors naming the file (and the row group and
page, or the column and its type)."""
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import parquet_craft as craft
import shard_spec
from conftest import run, run_measured
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


# Issue 36: valid files that were refused, and hostile ones that trapped, crashed or blew up.

def reads_like_pyarrow(hapax_prep, cl100k_path, *paths):
    """`tokenize` prints a line per non-empty value: the same ids as tiktoken's of pyarrow's values."""
    encoding = cl100k()
    expected = [encoding.encode_ordinary(t) for p in paths for t in pq.read_table(p).column("text").to_pylist() if t]
    out = run([hapax_prep, "tokenize", "--tokenizer", str(cl100k_path), *map(str, paths)]).stdout.decode().splitlines()
    assert [list(map(int, line.split())) for line in out] == expected


def statistics_of(hapax_prep, cl100k_path, tmp_path, *paths):
    out = tmp_path / "stats-shards"
    run([hapax_prep, "shard", *map(str, paths), "--tokenizer", str(cl100k_path), "--seq-len", str(SEQ_LEN), "-o", str(out)])
    return shard_spec.manifest(out)["statistics"]


RUNS = {
    "100 nulls": ["a text"] * 5 + [None] * 100 + ["another"] * 5,
    "1000 copies of one value": ["the same text again"] * 1000 + ["and one more"],
    "1000 empty strings": ["first"] + [""] * 1000 + ["last"],
}


@pytest.mark.parametrize("name", sorted(RUNS))
@pytest.mark.parametrize("version", ["1.0", "2.0"])
@pytest.mark.parametrize("dictionary", [True, False])
def test_pages_of_long_runs_are_read(hapax_prep, cl100k_path, tmp_path, name, version, dictionary):
    """An RLE run stores any count in a few bytes: a page's value count is not bounded by its bytes."""
    path = tmp_path / "runs.parquet"
    pq.write_table(pa.table({"text": RUNS[name]}), path, data_page_version=version, use_dictionary=dictionary)
    reads_like_pyarrow(hapax_prep, cl100k_path, path)


@pytest.mark.parametrize("encoding", ["DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY"])
def test_delta_pages_of_empty_strings_are_read(hapax_prep, cl100k_path, tmp_path, encoding):
    path = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"text": ["one"] + [""] * 3000 + ["two"]}), path, use_dictionary=False, column_encoding={"text": encoding})
    reads_like_pyarrow(hapax_prep, cl100k_path, path)


def test_polars_files_with_runs_are_read(hapax_prep, cl100k_path, tmp_path):
    import polars
    path = tmp_path / "polars.parquet"
    polars.DataFrame({"text": RUNS["100 nulls"] + RUNS["1000 copies of one value"] + RUNS["1000 empty strings"]}).write_parquet(path)
    reads_like_pyarrow(hapax_prep, cl100k_path, path)


def test_a_duckdb_file_with_a_null_is_read(hapax_prep, cl100k_path, tmp_path):
    """DuckDB pads the last bit-packed run of levels past the values, its bytes all there."""
    import duckdb
    path = tmp_path / "duckdb.parquet"
    rows = [f"row {i}" if i != 4 else None for i in range(10)]
    connection = duckdb.connect()
    connection.register("rows", pa.table({"text": rows}))
    connection.execute(f"COPY (SELECT text FROM rows) TO '{path}' (FORMAT parquet)")
    connection.close()
    reads_like_pyarrow(hapax_prep, cl100k_path, path)


def test_a_bit_packed_run_padded_past_the_values_is_read(hapax_prep, cl100k_path, tmp_path):
    """The same as DuckDB's, made by hand: 10 levels in a run of 32 groups of 8."""
    levels = [1, 1, 0, 1, 1, 1, 1, 1, 1, 1]
    texts = [f"value {i}" for i in range(9)]
    path = tmp_path / "padded.parquet"
    path.write_bytes(craft.column_file([craft.data_page(10, craft.bit_packed(levels, groups=32), craft.plain(texts))], 10))
    assert pq.read_table(path).column("text").null_count == 1
    reads_like_pyarrow(hapax_prep, cl100k_path, path)


def test_row_groups_of_no_rows_are_read(hapax_prep, cl100k_path, tmp_path):
    """pyarrow writes an empty table, or an empty batch between two, as a row group of 0 rows whose
    chunk has data_page_offset 0."""
    empty = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"text": pa.array([], pa.string())}), empty)
    between = tmp_path / "between.parquet"
    schema = pa.schema([pa.field("text", pa.string())])
    with pq.ParquetWriter(between, schema) as writer:
        for texts in (["first", None, "second"], [], ["third"]):
            writer.write_table(pa.table({"text": pa.array(texts, pa.string())}))
    assert [pq.ParquetFile(between).metadata.row_group(k).num_rows for k in range(3)] == [3, 0, 1]
    reads_like_pyarrow(hapax_prep, cl100k_path, empty, between)
    statistics = statistics_of(hapax_prep, cl100k_path, tmp_path, empty, between)
    assert statistics["documents"] == 3 and statistics["skipped_lines"] == 1


def test_a_zero_byte_parquet_file_holds_no_document(hapax_prep, cl100k_path, rows, tmp_path):
    """FORMAT.md: an empty input holds no document, whatever its format."""
    empty, full = tmp_path / "a.parquet", tmp_path / "b.parquet"
    empty.write_bytes(b"")
    pq.write_table(table(rows), full)
    reads_like_pyarrow(hapax_prep, cl100k_path, full)
    assert run([hapax_prep, "tokenize", "--tokenizer", str(cl100k_path), str(empty)]).stdout == b""
    assert_holds(shard_tokens(hapax_prep, cl100k_path, [empty, full], tmp_path / "shards"), expected_stream(rows))


def craft_error(hapax_prep, cl100k_path, tmp_path, data, *needles):
    path = tmp_path / "crafted.parquet"
    path.write_bytes(data)
    result = shard_error(hapax_prep, cl100k_path, path, tmp_path)
    assert result.returncode == 1, f"ended by signal {-result.returncode}" if result.returncode < 0 else result.stderr.decode()
    one_line_error(result, str(path), *needles)


def nested_maps(depth):
    """A map of one entry whose value is such a map, `depth` deep: 1 entry, i32 keys and map values, key 0."""
    return (craft.MAP, b"\x01\x5b\x00" * depth + b"\x00")


def test_deeply_nested_maps_in_the_footer_are_refused(hapax_prep, cl100k_path, tmp_path):
    """Skipping an unknown map field recursed without a depth limit: 100,000 levels overflowed the stack."""
    page = craft.data_page(1, craft.rle(1, 1), craft.plain(["x"]))
    data = craft.column_file([page], 1, extra_footer=[(100, None, nested_maps(100_000))])
    assert len(data) > 300_000
    craft_error(hapax_prep, cl100k_path, tmp_path, data, "footer", "nests deeper than 64 levels")


def delta_length_page(block_size, width):
    """A DELTA_LENGTH_BYTE_ARRAY page of two values, one block of one miniblock of `width` bits."""
    body = craft.varint(block_size) + craft.varint(1) + craft.varint(2) + craft.zigzag(1) + craft.zigzag(0) + bytes([width]) + b"\x00" * 16
    return craft.data_page(2, None, body, encoding=6)


NEAR = 2**63 - 1
OVERFLOWS = {
    "total_compressed_size": lambda page: craft.column_file([page], 1, chunk={7: (craft.I64, NEAR)}),
    "data_page_offset": lambda page: craft.column_file([page], 1, chunk={9: (craft.I64, NEAR - 2)}),
    "num_rows of two row groups": lambda page: craft.column_file([page], NEAR - 3, groups=2, footer={3: (craft.I64, NEAR)}),
    "num_children": lambda page: craft.column_file([page], 1, schema=[
        [(4, craft.BINARY, "schema"), (5, craft.I32, 2)],
        [(4, craft.BINARY, "group"), (5, craft.I64, NEAR)],
        [(4, craft.BINARY, "inner"), (5, craft.I32, 5)],
        [(1, craft.I32, 6), (3, craft.I32, 1), (4, craft.BINARY, "text"), (6, craft.I32, 0)]]),
    "v2 level lengths": lambda page: craft.column_file([craft.data_page_v2(1, 0, b"", craft.plain(["x"]), lengths=(2**62, 2**62))], 1,
                                                       optional=False),
    "DELTA block size × bit width": lambda page: craft.column_file([delta_length_page(2**62, 64)], 2, optional=False),
    "Thrift field id + delta": lambda page: craft.column_file([page], 1, extra_footer=[(NEAR, craft.I32, 0), (NEAR + 1, craft.I32, 0)]),
}


@pytest.mark.parametrize("name", sorted(OVERFLOWS))
def test_numbers_near_two_to_the_63_are_refused_not_trapped(hapax_prep, cl100k_path, tmp_path, name):
    data = OVERFLOWS[name](craft.data_page(1, craft.rle(1, 1), craft.plain(["x"])))
    craft_error(hapax_prep, cl100k_path, tmp_path, data)


def test_delta_byte_array_decodes_in_linear_time(hapax_prep, cl100k_path, corpus_files, tmp_path):
    """Each value appended a slice of the page's own buffer to it, copying the buffer: 5 MB took 27.5 s
    at 8 MiB pages against 0.83 s as PLAIN. Tokenizing is the same work in both."""
    import time
    # Short values with shared prefixes, as sorted or numbered rows have them: 2 MB in 45,000 values.
    lines = [line for f in corpus_files[:6] for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [f"{k:08d} {line}" for k, line in enumerate(lines[:45_000])]
    seconds = {}
    for encoding in ("PLAIN", "DELTA_BYTE_ARRAY"):
        path = tmp_path / f"{encoding}.parquet"
        pq.write_table(pa.table({"text": texts}), path, use_dictionary=False, column_encoding={"text": encoding},
                       data_page_size=8 << 20, row_group_size=len(texts))
        start = time.perf_counter()
        run([hapax_prep, "tokenize", "--count", "--threads", "1", "--tokenizer", str(cl100k_path), str(path)])
        seconds[encoding] = time.perf_counter() - start
    assert seconds["DELTA_BYTE_ARRAY"] < 2 * seconds["PLAIN"] + 1, seconds


def test_billions_of_nulls_take_neither_memory_nor_time(hapax_prep, cl100k_path, tmp_path):
    """Three pages of 1.5 billion nulls each, in a few hundred bytes: every null kept 16 bytes or more."""
    nulls = 1_500_000_000
    pages = [craft.data_page(nulls, craft.rle(nulls, 0), b"") for _ in range(3)]
    pages.append(craft.data_page(3, craft.bit_packed([1, 0, 1]), craft.plain(["one text", "another text"])))
    rows = 3 * nulls + 3
    path = tmp_path / "nulls.parquet"
    path.write_bytes(craft.column_file(pages, rows))
    assert path.stat().st_size < 1000
    out = tmp_path / "shards"
    code, error, peak = run_measured([hapax_prep, "shard", path, "--tokenizer", cl100k_path, "--seq-len", "4", "-o", out], timeout=60)
    assert code == 0, error
    assert peak < 400_000, f"{peak} KiB"
    statistics = shard_spec.manifest(out)["statistics"]
    assert statistics["documents"] == 2 and statistics["skipped_lines"] == 3 * nulls + 1


def test_a_footer_that_lost_its_row_groups_is_refused(hapax_prep, cl100k_path, tmp_path):
    """One byte changed, the row_groups field header (field 4) made field 5: 120 rows read as none,
    exit 0, where pyarrow refuses the file. Required fields are checked, and num_rows against the
    row groups."""
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"text": [f"row {i}" for i in range(120)]}), path)
    data = bytearray(path.read_bytes())
    # FileMetaData: ... num_rows (field 3, i64: 0x16, zigzag 240), then row_groups (field 4, list: 0x19).
    at = data.rindex(b"\x16\xf0\x01\x19") + 3
    data[at] = 0x29
    path.write_bytes(bytes(data))
    with pytest.raises(OSError):
        pq.read_table(path)
    one_line_error(shard_error(hapax_prep, cl100k_path, path, tmp_path), str(path), "row_groups")


def test_num_rows_must_be_the_row_groups_sum(hapax_prep, cl100k_path, tmp_path):
    page = craft.data_page(3, craft.bit_packed([1, 0, 1]), craft.plain(["one", "two"]))
    craft_error(hapax_prep, cl100k_path, tmp_path, craft.column_file([page], 3, footer={3: (craft.I64, 5)}),
                "the footer says the file has 5 rows, but its row groups hold 3")


def test_parts_over_a_parquet_file_follow_the_format_s_rule(hapax_prep, cl100k_path, rows, corpus_files, tmp_path):
    """FORMAT.md, partitioned runs: block b belongs to part min(N - 1, ⌊N · C(b) / T⌋), where a Parquet
    file's bytes count in the blocks they lie in (as a JSON Lines file's do) and a plain-text file
    counts whole in the block where it starts. Every unit of every part is checked against the rule."""
    inputs = [tmp_path / "a.txt", tmp_path / "b.parquet", tmp_path / "c.txt"]
    inputs[0].write_text(corpus_files[0].read_text(encoding="utf-8")[:50_000], encoding="utf-8")
    pq.write_table(table(rows), inputs[1], row_group_size=10, compression="NONE")
    inputs[2].write_text(corpus_files[1].read_text(encoding="utf-8")[:30_000], encoding="utf-8")
    unit, count = 60_000, 4
    sizes = [p.stat().st_size for p in inputs]
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    divisible = [False, True, False]
    blocks = max((s + n - 1) // unit + 1 if d else s // unit + 1 for s, n, d in zip(starts, sizes, divisible))
    mass = [0] * blocks
    for start, size, spread in zip(starts, sizes, divisible):
        if not spread:
            mass[start // unit] += size
        for position in range(start, start + size if spread else start):
            mass[position // unit] += 1
    total = sum(mass)
    part_of = [min(count - 1, count * sum(mass[:b]) // total) for b in range(blocks)]
    assert len(set(part_of)) == count
    seen = set()
    for index in range(count):
        out = tmp_path / f"part-{index}"
        run([hapax_prep, "shard", *map(str, inputs), "--tokenizer", str(cl100k_path), "--seq-len", str(SEQ_LEN),
             "--unit-size", str(unit), "--part", f"{index}/{count}", "-o", str(out)])
        for record in (out / "units").glob("unit-*.json"):
            block = int(record.name.split("-")[1])
            assert part_of[block] == index, (record.name, index, part_of)
            seen.add(block)
    assert len(seen) > count


def test_a_delta_block_of_a_billion_zero_width_values_is_refused(hapax_prep, cl100k_path, tmp_path):
    """Miniblocks of width 0 store their values in no bytes: only a bound on the block size keeps a
    page of a few bytes from claiming a billion empty strings."""
    block = 1 << 30
    body = craft.varint(block) + craft.varint(1) + craft.varint(block) + craft.zigzag(0) + craft.zigzag(0) + b"\x00"
    data = craft.column_file([craft.data_page(block, None, body, encoding=6)], block, optional=False)
    craft_error(hapax_prep, cl100k_path, tmp_path, data, f"a DELTA_BINARY_PACKED block of {block} values")


def test_columns_are_named_by_their_bytes(hapax_prep, cl100k_path, tmp_path):
    """Two columns whose names differ only by Unicode normalization are two columns, as for pyarrow;
    Swift's string equality (canonical equivalence) took the first for the second."""
    import unicodedata
    nfc, nfd = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
    path = tmp_path / "names.parquet"
    pq.write_table(pa.table({nfc: ["the composed column"], nfd: ["the decomposed column"]}), path)
    for name in (nfc, nfd):
        out = run([hapax_prep, "tokenize", "--tokenizer", str(cl100k_path), "--text-field", name, str(path)]).stdout.decode()
        assert [list(map(int, line.split())) for line in out.splitlines()] == [cl100k().encode_ordinary(pq.read_table(path).column(name)[0].as_py())]


@pytest.mark.parametrize("codec", ["SNAPPY", "GZIP", "ZSTD", "LZ4_RAW", "BROTLI"])
def test_a_small_page_claiming_a_gibibyte_is_refused_before_it_is_allocated(hapax_prep, cl100k_path, tmp_path, codec):
    """The page header's uncompressed size was allocated before decompressing: a file of a few hundred
    bytes took 1 GiB at once. The data bounds what it can make (Snappy records it), or for Brotli the
    buffer grows as the data fills it."""
    numbers = {"SNAPPY": 1, "GZIP": 2, "BROTLI": 4, "ZSTD": 6, "LZ4_RAW": 7}
    arrow = {"SNAPPY": "snappy", "GZIP": "gzip", "BROTLI": "brotli", "ZSTD": "zstd", "LZ4_RAW": "lz4_raw"}[codec]
    page = craft.data_page(1, craft.rle(1, 1), craft.plain(["x"]), uncompressed=(1 << 30) - 1,
                           compress=lambda data: pa.compress(data, codec=arrow, asbytes=True))
    path = tmp_path / "claims.parquet"
    path.write_bytes(craft.column_file([page], 1, chunk={4: (craft.I32, numbers[codec])}))
    assert path.stat().st_size < 300
    code, error, peak = run_measured([hapax_prep, "tokenize", "--tokenizer", cl100k_path, path])
    assert code == 1 and "row group 0, page 0" in error and "1073741823" in error, error
    assert peak < 400_000, f"{peak} KiB"


@pytest.mark.parametrize("codec", ["BROTLI", "ZSTD", "SNAPPY", "GZIP", "LZ4"])  # pyarrow's LZ4 is LZ4_RAW
def test_pages_of_no_bytes_are_read(hapax_prep, cl100k_path, tmp_path, codec):
    """A row group whose texts are all null has a dictionary page of no bytes: its compressed form
    decompresses to nothing, as its header says (Brotli's decoder must still be run on it)."""
    texts = [None] * 5
    path = tmp_path / "empty-pages.parquet"
    with pq.ParquetWriter(path, pa.schema([("text", pa.string())]), compression=codec, use_dictionary=True) as writer:
        writer.write_table(pa.table({"text": pa.array(texts, type=pa.string())}))
        writer.write_table(pa.table({"text": ["one text", None, "another"]}))
    metadata = pq.ParquetFile(path).metadata
    assert metadata.row_group(0).column(0).total_uncompressed_size < 64
    result = run([hapax_prep, "tokenize", "--tokenizer", str(cl100k_path), str(path)])
    encoding = cl100k_of(cl100k_path)
    assert [[int(t) for t in line.split()] for line in result.stdout.decode().splitlines()] == \
        [encoding.encode_ordinary(t) for t in ["one text", "another"]]
