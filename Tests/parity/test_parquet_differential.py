"""Differential test of the Parquet reader: random valid files written by pyarrow (random codecs, page
sizes, dictionary limits, page versions, encodings, row groups, null densities, empty strings and long
runs), polars and DuckDB must read in hapax exactly as pyarrow reads them, so a valid file hapax
refuses, or reads differently, fails here rather than in a user's hands.

hapax's rows are seen through `hapax-prep tokenize` (one line of cl100k ids per non-empty value) and
the statistics of one `shard` run over every file (documents, and nulls counted as skipped lines);
pyarrow's through tiktoken. The seed is fixed and the files small, so the test is deterministic and
takes well under a minute.
"""
import json
import os
import random

import duckdb
import polars
import pyarrow as pa
import pyarrow.parquet as pq

from conftest import ROOT, run
from test_tiktoken_parity import cl100k as cl100k_of

# Another seed explores further: HAPAX_PARQUET_SEED=7 pytest Tests/parity/test_parquet_differential.py
SEED = int(os.environ.get("HAPAX_PARQUET_SEED", "3602"))
PYARROW_FILES = 70
POLARS_FILES = 15
DUCKDB_FILES = 15
CODECS = ["NONE", "SNAPPY", "GZIP", "ZSTD", "LZ4", "BROTLI"]


def random_texts(rng):
    """Rows in runs, as real columns have them: nulls, empty strings, one value repeated, values
    sharing long prefixes, and short or long distinct texts in several scripts."""
    words = ["the", "Hapax", "café", "naïve", "Ωμέγα", "данные", "数据", "🙂", "\n", "\t", "x" * 40, "  "]
    null_share = rng.choice([0.0, 0.02, 0.3, 0.9, 1.0])
    rows, target = [], rng.choice([1, 7, 120, 900, 3000])
    while len(rows) < target:
        kind = rng.random()
        run = rng.choice([1, 3, 100, 1000])
        if kind < null_share:
            rows += [None] * run
        elif kind < null_share + 0.1:
            rows += [""] * run
        elif kind < null_share + 0.2:
            rows += [rng.choice(words) * rng.randint(1, 30)] * run
        elif kind < null_share + 0.3:
            stem = " ".join(rng.choices(words, k=rng.randint(5, 400)))
            rows += [stem[: rng.randint(0, len(stem))] + str(k) for k in range(min(run, 200))]
        else:
            rows += [" ".join(rng.choices(words, k=rng.randint(1, rng.choice([5, 60, 2000])))) for _ in range(min(run, 50))]
    return rows


def write_pyarrow(rng, rows, path):
    options = dict(
        compression=rng.choice(CODECS),
        data_page_version=rng.choice(["1.0", "2.0"]),
        data_page_size=rng.choice([64, 1000, 8192, 1 << 20]),
        write_page_checksum=rng.random() < 0.5,
        write_statistics=rng.random() < 0.5,
    )
    dictionary = rng.random() < 0.6
    if dictionary:
        options["use_dictionary"] = True
        options["dictionary_pagesize_limit"] = rng.choice([64, 4096, 1 << 20])
    else:
        options["use_dictionary"] = False
        options["column_encoding"] = {"text": rng.choice(["PLAIN", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY"])}
    schema = pa.schema([pa.field("text", pa.string(), nullable=True)])
    table = pa.table({"text": rows}, schema=schema)
    # Written in batches, some empty, into row groups of random sizes: pyarrow writes an empty batch
    # as a row group of 0 rows.
    with pq.ParquetWriter(path, schema, **options) as writer:
        at = 0
        while at < len(rows):
            size = rng.choice([0, 1, 50, 700, len(rows)])
            writer.write_table(table.slice(at, size), row_group_size=rng.choice([10, 1000, 1 << 20]))
            at += size
    return options


def write_polars(rng, rows, path):
    options = dict(compression=rng.choice(["uncompressed", "snappy", "gzip", "lz4", "zstd", "brotli"]),
                   row_group_size=rng.choice([10, 1000, 100_000]), data_page_size=rng.choice([100, 8192, 1 << 20]),
                   statistics=rng.random() < 0.5)
    polars.DataFrame({"text": rows}, schema={"text": polars.String}).write_parquet(path, **options)
    return options


def write_duckdb(rng, rows, path):
    options = dict(COMPRESSION=rng.choice(["uncompressed", "snappy", "gzip", "zstd", "lz4", "brotli"]),
                   ROW_GROUP_SIZE=rng.choice([100, 2048, 122880]), PARQUET_VERSION=rng.choice(["V1", "V2"]))
    connection = duckdb.connect()
    connection.execute("SET threads = 1")
    connection.execute("SET enable_progress_bar = false")
    table = pa.table({"text": pa.array(rows, pa.string())})
    connection.register("rows", table)
    settings = ", ".join(f"{key} {value}" for key, value in options.items())
    connection.execute(f"COPY (SELECT text FROM rows) TO '{path}' (FORMAT parquet, {settings})")
    connection.close()
    return options


def test_hapax_reads_what_pyarrow_reads(hapax_prep, cl100k_path, tmp_path):
    rng = random.Random(SEED)
    files = []
    for writer, count in [(write_pyarrow, PYARROW_FILES), (write_polars, POLARS_FILES), (write_duckdb, DUCKDB_FILES)]:
        for k in range(count):
            path = tmp_path / f"{writer.__name__[6:]}-{k:03}.parquet"
            options = writer(rng, random_texts(rng), path)
            files.append((path, f"{path.name} ({writer.__name__[6:]}, {options})"))
    encoding = cl100k_of(ROOT / "data" / "cl100k_base.tiktoken")

    def expected(path):
        return [encoding.encode_ordinary(t) for t in pq.read_table(path).column("text").to_pylist() if t]

    def hapax(paths, check=True):
        result = run([hapax_prep, "tokenize", "--tokenizer", str(cl100k_path), "--threads", "1", *map(str, paths)], check=check)
        return result, [[int(t) for t in line.split()] for line in result.stdout.decode().splitlines()]

    result, lines = hapax([p for p, _ in files], check=False)
    if result.returncode != 0 or lines != [ids for p, _ in files for ids in expected(p)]:
        for path, description in files:
            one, ids = hapax([path], check=False)
            assert one.returncode == 0, f"{description}: refused: {one.stderr.decode()}"
            assert ids == expected(path), f"{description}: read otherwise than pyarrow reads it"
        raise AssertionError(f"each file reads as pyarrow reads it, but not all together: {result.stderr.decode()}")

    # Nulls are counted, as skipped lines, and every non-empty value is a document.
    run([hapax_prep, "shard", *(str(p) for p, _ in files), "--tokenizer", str(cl100k_path), "--seq-len", "64",
         "--threads", "1", "-o", str(tmp_path / "shards")])
    statistics = json.loads((tmp_path / "shards" / "manifest.json").read_text())["statistics"]
    values = [v for p, _ in files for v in pq.read_table(p).column("text").to_pylist()]
    assert statistics["skipped_lines"] == sum(v is None for v in values)
    assert statistics["documents"] == sum(bool(v) for v in values)
