"""The build's column-wise fast path: layer files read by pyarrow into the release configs' tables.

The rows are those of the reference row functions (``configs.Config.rows``, ``tables.encode_sentence``,
``tables.span_rows``, ``tables.token_row``); tests/test_columns.py compares the two. A gold file's
lines become one Arrow table of the ``sentences`` schema with label strings still as strings
(``raw_schema``), then ClassLabel ids (``encode``), then the flat span tables (``span_table``)::

    >>> raw_schema(features.sentence_features()).field("entities").type
    ListType(list<item: struct<start: int32, end: int32, text: string, label: string>>)

Anything this path cannot do exactly as the reference does (a line pyarrow cannot parse, a label
outside its set, a missing list or struct, a record count that differs from the file's lines) raises
``Fallback``; the build then makes those rows with the reference functions, whose strict reader and
encoder give the one-line error.
"""

from __future__ import annotations

import functools

import numpy as np

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from datasets import ClassLabel, Features, List

from claimcorpus import features, kinds as kinds_, tables, tokens
from claimcorpus.kinds import SpanKind


class Fallback(Exception):
    """The fast path cannot make these rows exactly; make them with the reference functions."""


def _raw_type(feature) -> pa.DataType:
    if isinstance(feature, ClassLabel):
        return pa.string()
    if isinstance(feature, dict):
        return pa.struct([pa.field(k, _raw_type(f)) for k, f in feature.items()])
    if isinstance(feature, List):
        return pa.list_(_raw_type(feature.feature))
    return feature.pa_type


def raw_schema(feats: Features) -> pa.Schema:
    """The Arrow schema of ``feats`` with every ClassLabel as its label string (how layer files hold it)."""
    return pa.schema([pa.field(k, _raw_type(f)) for k, f in feats.items()])


def lines(data: bytes) -> int:
    """Records of a JSONL file's bytes: its non-blank lines, as textio.iter_jsonl counts them."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Fallback("not UTF-8") from None
    if text.startswith("\ufeff"):
        raise Fallback("a byte order mark")  # the reference reader refuses it
    return sum(1 for line in text.split("\n") if line.strip())


def read(datas: list[bytes], schema: pa.Schema, ignore_extra: bool = False, records: int | None = None) -> pa.Table:
    """The records of JSONL files (their bytes, in order) as one table of ``schema``; Fallback when pyarrow
    cannot parse them, or finds another number of records than the files have lines (``records``, if counted)."""
    data = b"".join(d if d.endswith(b"\n") or not d else d + b"\n" for d in datas)
    if not data.strip():
        return schema.empty_table()
    try:
        table = pj.read_json(pa.BufferReader(data),
                             read_options=pj.ReadOptions(use_threads=False, block_size=len(data) + 1),
                             parse_options=pj.ParseOptions(explicit_schema=schema,
                                                           unexpected_field_behavior="ignore" if ignore_extra else "error"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise Fallback(str(exc)) from None
    if table.num_rows != (sum(lines(d) for d in datas) if records is None else records):
        raise Fallback("the records are not one per line")
    return table.select(schema.names).combine_chunks()


def _encode(arr: pa.Array, feature, top: bool = False) -> pa.Array:
    """``arr`` (raw) shaped as ``feature``'s Arrow type: label strings to ClassLabel ids; Fallback for a label
    outside its set, and for a null the reference would not make (a missing list, record or struct)."""
    if isinstance(feature, ClassLabel):
        ids = pc.index_in(arr, value_set=pa.array(feature.names, pa.string()))
        if ids.null_count != arr.null_count:
            raise Fallback("a label outside its set")
        return ids.cast(pa.int64())
    if arr.null_count and (top or isinstance(feature, (dict, List))):
        raise Fallback("a missing value")  # the reference fails on an absent field, or makes {} of a null struct
    if isinstance(feature, dict):
        names = list(feature)
        children = [_encode(arr.field(i), feature[k]) for i, k in enumerate(names)]
        return pa.StructArray.from_arrays(children, names=names)
    if isinstance(feature, List):
        return pa.ListArray.from_arrays(arr.offsets, _encode(arr.values, feature.feature))
    return arr


def encode(raw: pa.Table, feats: Features) -> pa.Table:
    """A raw table (``raw_schema(feats)``) as ``feats.arrow_schema``: ``tables.encode_sentence``, column-wise."""
    schema = feats.arrow_schema
    cols = [_encode(raw[k].combine_chunks(), f, top=True) for k, f in feats.items()]
    return pa.Table.from_arrays(cols, schema=schema)


def with_head(table: pa.Table, head: dict, schema: pa.Schema) -> pa.Table:
    """``table`` with the constant columns ``head`` (layer, annotator, guidelines_version) in front, as ``schema``."""
    n = table.num_rows
    cols = [pa.array([head[k]] * n, schema.field(k).type) if k in head else table[k] for k in schema.names]
    return pa.Table.from_arrays(cols, schema=schema)


# Column-wise forms of the kinds' flat_row functions (kinds.py), keyed by the function: any other kind's
# extra columns are made by its own flat_row, span by span.
def _hedge_cols(s: pa.Table, flat: pa.Array, parents: pa.Array, texts: list) -> dict:
    ss, se = flat.field("scope_start"), flat.field("scope_end")
    start = s["start"].take(parents)
    return {"scope_start": ss, "scope_end": se, "doc_scope_start": pc.add_checked(start, ss),
            "doc_scope_end": pc.add_checked(start, se),
            "scope_text": pa.array([texts[p][a:b] for p, a, b in zip(parents.to_pylist(), ss.to_pylist(), se.to_pylist())],
                                   pa.string())}


def _claim_cols(s: pa.Table, flat: pa.Array, parents: pa.Array, texts: list) -> dict:
    src = flat.field("source")
    return {"checkworthy": flat.field("checkworthy"), "source_type": src.field("type"),
            "source_start": src.field("start"), "source_end": src.field("end"), "source_text": src.field("text")}


FLAT_COLUMNS = {kinds_._hedge_row: _hedge_cols, kinds_._claim_row: _claim_cols}


def span_table(kind: SpanKind, s: pa.Table, raw: pa.Table, schema: pa.Schema) -> pa.Table:
    """The flat table of ``kind`` (``tables.span_rows``) from the encoded sentences table ``s`` (``raw``: the same
    rows with label strings, for a kind whose extra columns only its flat_row makes)."""
    lists = s[kind.field].combine_chunks()
    flat, parents = pc.list_flatten(lists), pc.list_parent_indices(lists)
    start = s["start"].take(parents)
    cols = {"sentence_id": s["id"].take(parents), "doc_id": s["doc_id"].take(parents),
            "start": flat.field("start"), "end": flat.field("end"),
            "doc_start": pc.add_checked(start, flat.field("start")), "doc_end": pc.add_checked(start, flat.field("end")),
            "text": flat.field("text"), kind.label: flat.field(kind.label)}
    extra = [k for k in schema.names if k not in cols]
    if extra and kind.flat_row in FLAT_COLUMNS:
        cols |= FLAT_COLUMNS[kind.flat_row](s, flat, parents, s["text"].to_pylist())
    elif extra:
        recs = raw.to_pylist()
        spans = pc.list_flatten(raw[kind.field].combine_chunks()).to_pylist()
        made = [kind.flat_row(recs[p], span, tables.encode) for p, span in zip(parents.to_pylist(), spans)]
        cols |= {k: pa.array([m[k] for m in made], schema.field(k).type) for k in extra}
    return pa.Table.from_arrays([cols[k].cast(schema.field(k).type) for k in schema.names], schema=schema)


# --- the tokens config ------------------------------------------------------------------------------

@functools.cache
def token_read_schema() -> pa.Schema:
    """What the tokens config reads of a gold file: ids, text and the entities' offsets and labels."""
    ent = pa.struct([pa.field("start", pa.int32()), pa.field("end", pa.int32()), pa.field("label", pa.string())])
    return pa.schema([pa.field("id", pa.string()), pa.field("doc_id", pa.string()), pa.field("text", pa.string()),
                      pa.field("entities", pa.list_(ent))])


def token_table(t: pa.Table, schema: pa.Schema) -> pa.Table:
    """The tokens config (``tables.token_row`` of each record) from ``t`` (``token_read_schema``)."""
    if t["text"].null_count or t["entities"].null_count:
        raise Fallback("a missing text or entity list")
    ents = t["entities"].combine_chunks()
    flat = ents.values
    if flat.null_count or flat.field("start").null_count or flat.field("end").null_count:
        raise Fallback("a missing entity or entity offset")
    eoff = ents.offsets.to_pylist()
    entities = flat.to_pylist()  # {"start", "end", "label"} each
    nlp = tokens.nlp()
    tok, attrs, ids = nlp.tokenizer, tables._token_attrs(), tables._iob_ids()
    if (pc.max(pc.utf8_length(t["text"])).as_py() or 0) > nlp.max_length:
        raise Fallback("a text longer than spaCy's max_length (nlp(text) refuses it)")
    texts = t["text"].to_pylist()
    arrays, marks, base = [], [], 0  # each sentence's (start, length, space) per token; (first, end, label) tags
    for i, text in enumerate(texts):
        arr = tok(text).to_array(attrs).reshape(-1, 3)
        arrays.append(arr)
        a, b = eoff[i], eoff[i + 1]
        if a < b:
            starts, lengths, spaces = arr.T.tolist()
            marks += [(base + first, base + end, label)
                      for first, end, label in tables.aligned(starts, lengths, spaces, entities[a:b])]
        base += len(arr)
    grid = np.concatenate(arrays) if arrays else np.zeros((0, 3), np.uint64)
    counts = np.fromiter((len(x) for x in arrays), np.int64, len(arrays))
    tags = np.zeros(base, np.int64)
    try:
        for first, end, label in marks:
            tags[first], tags[first + 1:end] = ids[f"B-{label}"], ids[f"I-{label}"]
    except KeyError:
        raise Fallback("an entity label outside its set") from None
    off = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32), pa.int32())
    token_starts = grid[:, 0].astype(np.int64)
    cols = {"id": t["id"], "doc_id": t["doc_id"],
            "tokens": pa.ListArray.from_arrays(off, _substrings(texts, counts, token_starts, grid[:, 1].astype(np.int64))),
            "token_starts": pa.ListArray.from_arrays(off, pa.array(token_starts.astype(np.int32), pa.int32())),
            "ner_tags": pa.ListArray.from_arrays(off, pa.array(tags, pa.int64()))}
    return pa.Table.from_arrays([cols[k] for k in schema.names], schema=schema)


def _substrings(texts: list[str], counts, starts, lengths) -> pa.Array:
    """``texts[i][s:s + n]`` of every token (``counts[i]`` tokens of text i, code point ``starts``/``lengths``) as
    one string array, cut from the texts' UTF-8 bytes at once."""
    joined = "".join(texts)
    first = np.concatenate([[0], np.cumsum([len(x) for x in texts], dtype=np.int64)])[:-1]
    at = np.repeat(first, counts) + starts  # code point offsets into ``joined``
    if joined.isascii():
        data, bstart, bend = joined.encode("ascii"), at, at + lengths
    else:
        try:
            cps = np.frombuffer(joined.encode("utf-32-le"), np.uint32)
        except UnicodeEncodeError:
            raise Fallback("a text that is not valid Unicode") from None
        width = 1 + (cps >= 0x80) + (cps >= 0x800) + (cps >= 0x10000)
        pos = np.concatenate([[0], np.cumsum(width, dtype=np.int64)])  # byte offset of each code point
        data, bstart, bend = joined.encode("utf-8"), pos[at], pos[at + lengths]
    size = bend - bstart
    out = np.concatenate([[0], np.cumsum(size, dtype=np.int64)])
    if out[-1] >= 2**31:
        raise Fallback("tokens over 2 GB")
    gather = np.arange(out[-1], dtype=np.int64) - np.repeat(out[:-1] - bstart, size)
    return pa.StringArray.from_buffers(len(size), pa.py_buffer(out.astype(np.int32)),
                                       pa.py_buffer(np.frombuffer(data, np.uint8)[gather].tobytes()))


def tight(arr: pa.Array) -> pa.Array:
    """``arr`` without the validity bitmaps of arrays (at any depth) that have no nulls, as
    ``pa.Table.from_pylist`` builds them: the release's num_bytes (Arrow ``nbytes``) counts those buffers."""
    if isinstance(arr, pa.ChunkedArray):
        return pa.chunked_array([tight(c) for c in arr.chunks], arr.type)
    mask = arr.is_null() if arr.null_count else None
    if pa.types.is_struct(arr.type):
        fields = [arr.type.field(i) for i in range(arr.type.num_fields)]
        return pa.StructArray.from_arrays([tight(arr.field(i)) for i in range(len(fields))], fields=fields, mask=mask)
    if pa.types.is_list(arr.type):
        return pa.ListArray.from_arrays(arr.offsets, tight(arr.values), type=arr.type, mask=mask)
    if arr.null_count or arr.buffers()[0] is None:
        return arr
    return pa.Array.from_buffers(arr.type, len(arr), [None, *arr.buffers()[1:]], null_count=0, offset=arr.offset)


def tight_table(table: pa.Table) -> pa.Table:
    return pa.Table.from_arrays([tight(c) for c in table.columns], schema=table.schema)
