"""Parquet files made byte by byte, for the cases no writer makes on request: pages that claim huge
counts, footers with fields near 2^63, DuckDB's padded level runs. One OPTIONAL (or REQUIRED) string
column "text", written from parquet.thrift's field ids in the Thrift compact protocol, uncompressed.
pyarrow reads every file `column_file` makes with sane numbers, which the tests check: so a file
made here differs from a writer's only where a test says so.
"""
import struct

I32, I64, BINARY, LIST, MAP, STRUCT = 5, 6, 8, 9, 11, 12


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def zigzag(n):
    return varint(2 * n if n >= 0 else -2 * n - 1)


def value(kind, v):
    if kind in (I32, I64):
        return zigzag(v)
    if kind == BINARY:
        v = v.encode() if isinstance(v, str) else v
        return varint(len(v)) + v
    if kind == STRUCT:
        return compact_struct(v)
    if kind == LIST:
        element, items = v
        header = bytes([len(items) << 4 | element]) if len(items) < 15 else bytes([0xF0 | element]) + varint(len(items))
        return header + b"".join(value(element, item) for item in items)
    raise ValueError(kind)


def compact_struct(fields):
    """`fields`: (id, kind, value) in increasing id order; kind `None` writes `value` as raw bytes of
    the field's own type, given as (type, bytes)."""
    out, last = bytearray(), 0
    for field, kind, v in fields:
        code, body = v if kind is None else (kind, value(kind, v))
        delta = field - last
        out += bytes([delta << 4 | code]) if 0 < delta <= 15 else bytes([code]) + zigzag(field)
        out += body
        last = field
    return bytes(out + b"\x00")


def rle(run, level, width=1):
    """One RLE run of `run` copies of `level`."""
    return varint(run << 1) + level.to_bytes((width + 7) // 8, "little")


def bit_packed(levels, groups=None, width=1):
    """A bit-packed run of `levels`, padded with zeros to `groups` groups of 8 (DuckDB pads further than the values need)."""
    groups = groups or (len(levels) + 7) // 8
    bits = 0
    for k, level in enumerate(levels):
        bits |= level << (k * width)
    return varint(groups << 1 | 1) + bits.to_bytes(groups * width, "little")


def plain(texts):
    return b"".join(struct.pack("<I", len(t)) + t for t in (t.encode() for t in texts))


def data_page(values, levels, body, encoding=0, header_values=None, compress=None, uncompressed=None):
    """A v1 data page: `levels` (an RLE / bit-packed stream, None for a REQUIRED column) and `body`,
    through `compress` (a function of the bytes) when given; `uncompressed` replaces the size written."""
    data = (struct.pack("<I", len(levels)) + levels if levels is not None else b"") + body
    size = len(data) if uncompressed is None else uncompressed
    data = compress(data) if compress else data
    header = compact_struct([(1, I32, 0), (2, I32, size), (3, I32, len(data)),
                             (5, STRUCT, [(1, I32, values if header_values is None else header_values), (2, I32, encoding),
                                          (3, I32, 3), (4, I32, 3)])])
    return header + data


def data_page_v2(values, nulls, definition, body, repetition=b"", encoding=0, lengths=None):
    data = repetition + definition + body
    rep, dfn = lengths or (len(repetition), len(definition))
    header = compact_struct([(1, I32, 3), (2, I32, len(data)), (3, I32, len(data)),
                             (8, STRUCT, [(1, I32, values), (2, I32, nulls), (3, I32, values), (4, I32, encoding),
                                          (5, I32, dfn), (6, I32, rep), (7, None, (2, b""))])])
    return header + data


def column_file(pages, rows, optional=True, chunk=None, group=None, footer=None, schema=None, groups=1, extra_footer=()):
    """A file of one row group holding `pages` (bytes) for `rows` rows (or `groups` copies of that row
    group, all pointing at the same pages). `chunk`, `group` and `footer` replace fields of the
    ColumnMetaData, RowGroup and FileMetaData by id: {id: (kind, value)}; `schema` replaces the list of
    SchemaElements (each a list of fields); `extra_footer` adds fields (id, kind, value) to FileMetaData."""
    data = b"".join(pages)
    start = 4
    metadata = {1: (I32, 6), 2: (LIST, (I32, [0, 3])), 3: (LIST, (BINARY, ["text"])), 4: (I32, 0), 5: (I64, rows),
                6: (I64, len(data)), 7: (I64, len(data)), 9: (I64, start)}
    metadata.update(chunk or {})
    column = [(2, I64, start), (3, STRUCT, sorted((k, *v) for k, v in metadata.items()))]
    fields = {1: (LIST, (STRUCT, [column])), 2: (I64, len(data)), 3: (I64, rows)}
    fields.update(group or {})
    schema = schema or [[(4, BINARY, "schema"), (5, I32, 1)],
                        [(1, I32, 6), (3, I32, 1 if optional else 0), (4, BINARY, "text"), (6, I32, 0)]]
    top = {1: (I32, 1), 2: (LIST, (STRUCT, schema)), 3: (I64, rows * groups),
           4: (LIST, (STRUCT, [sorted((k, *v) for k, v in fields.items())] * groups))}
    top.update(footer or {})
    encoded = compact_struct(sorted([(k, *v) for k, v in top.items()] + list(extra_footer)))
    return b"PAR1" + data + encoded + struct.pack("<I", len(encoded)) + b"PAR1"
