"""Level 4 of validation: the Great Expectations gate over the flat release tables.

The suites are built here, in code, from schema/ (never from a kept JSON file). Label columns are
checked as the ClassLabel ids the release stores (0..n-1 in schema order, see tables.py), not
decoded; messages name the allowed labels. Pandas only derives columns (text lengths, slices, span
rows per sentence, a readable `row_id`); every check is an expectation run by a Checkpoint with
result_format COMPLETE, so a finding names the offending rows::

    corpus/entities: E404 gx-offsets [doc1-s0001[22:40]] expect_column_pair_values_a_to_be_greater_than_b(
    column_A=sentence_len, column_B=end): span in its sentence: end <= sentence_len; 1 of 5 rows,
    e.g. doc1-s0001[22:40] (sentence_len=36, end=40). Fix: correct the offsets in annotations/ ...

Each expectation carries its finding code in ``meta["code"]`` and its statement in ``notes``
(shown in Data Docs). Totals that depend on the data (rows expected in a span table, the known
doc_ids) are suite parameters filled in at run time, so the suites themselves stay data-free.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from claimcorpus import schema
from claimcorpus.errors import ReleaseError
from claimcorpus.kinds import Offsets, flags, kinds
from claimcorpus.kinds import kind as kinds_kind
from claimcorpus.validation.finding import Finding

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

# Sanity bands, not targets: a release outside them has almost surely lost, duplicated or
# mis-joined a layer, whatever the genre. Hedged share: hedged sentences are ~15-25% in news and
# Wikipedia (CoNLL-2010 weasel/hedge data) and ~18% in BioScope; below 5% means the hedge layer is
# (nearly) empty, above 95% means the flag is set unconditionally. Entities per sentence: OntoNotes
# news has ~1.5-2 names per sentence; under 0.1 means the entity layer is lost, over 10 that spans
# were multiplied. Claims per sentence: nearly every news sentence puts forward at least one
# proposition (ClaimBuster, CheckThat! annotate per sentence); under 0.3 means claims were dropped,
# over 5 that they were duplicated.
CORPUS_BOUNDS: dict[str, tuple[float, float]] = {
    "hedged_share": (0.05, 0.95),
    "entities_per_sentence": (0.1, 10.0),
    "claims_per_sentence": (0.3, 5.0),
}
# hedged is averaged as hedged_flag (1.0 / 0.0, null stays null): Spark cannot average a boolean column.
BOUND_COLUMNS = {"hedged_share": "hedged_flag", "entities_per_sentence": "n_entities", "claims_per_sentence": "n_claims"}



def span_tables() -> dict[str, tuple[str, str]]:
    """Span table (one per kind in kinds.py) -> (its label column, the label set in schema/ it encodes)."""
    return {k.field: (k.label, k.label_set) for k in kinds()}


def gate_tables() -> tuple[str, ...]:
    """The release tables the gate checks."""
    return ("documents", "sentences", *span_tables())

# row_pos (the row's position in its table) orders the offending rows when batches are merged (batch.py)
RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id", "row_pos"]}
# Expectations over a whole table (an aggregate), run once over the corpus; every other one judges rows.
TABLE_LEVEL = ("expect_table_row_count_to_equal", "expect_column_mean_to_be_between")
SHOWN = 3  # offending rows spelled out in a message
LISTED = 5  # offending row ids in a finding's record


@dataclass
class GateResult:
    success: bool
    findings: list[Finding] = field(default_factory=list)
    docs_path: Path | None = None


# -- suites ----------------------------------------------------------------------------------


def _gx():
    quiet_pyspark()
    if "great_expectations" not in sys.modules:
        with _not_a_doctest():
            import great_expectations  # noqa: F401
    import great_expectations as gx

    return gx


@contextlib.contextmanager
def _not_a_doctest():
    """Import pyspark (GE imports pyspark.sql.connect when pyspark is installed) without it ending the process.

    pyspark.sql.connect's check_dependencies() takes a ``__main__`` with neither ``__spec__`` nor ``__file__``
    (``python -c``, a pytest-xdist worker, an embedding program) for a doctest run and, grpc missing, calls
    ``sys.exit(0)``: `claimcorpus validate` would stop mid-check and exit 0, "valid", having checked nothing.
    With ``sys.ps1`` set (as in an interactive session) it does not, raises ImportError for grpc instead, and
    GE's compatibility layer takes that as "no Spark Connect"."""
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None or hasattr(main, "__file__") or hasattr(sys, "ps1"):
        yield
        return
    sys.ps1 = ">>> "
    try:
        yield
    finally:
        del sys.ps1


def quiet_pyspark() -> None:
    """Keep pyspark's FutureWarning about pandas 3 (raised when GE or the Spark engine imports pyspark) out of
    our output: the engine does not use pyspark.pandas, and the tests compare its findings with pandas'."""
    import warnings

    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)


def _x(code: str, says: str, kind: str, **kwargs) -> Any:
    """One expectation of `kind` (a gx.expectations class name) with its code and statement."""
    return getattr(_gx().expectations, kind)(meta={"code": code, "says": says}, notes=f"{code}: {says}", **kwargs)


def _param(name: str) -> dict:
    return {"$PARAMETER": name}


def _not_null(cols: tuple[str, ...]) -> Iterator:
    for col in cols:
        yield _x("E402", f"{col} is never null", "ExpectColumnValuesToNotBeNull", column=col)


def _before(a: str, b: str, says: str, *, strict: bool = True) -> Any:
    """a < b (or a <= b): rows where b is not greater than a are reported.

    A row missing either value is skipped, on every engine alike (pandas would count NaN > x as a failure,
    Spark's null comparison as a pass): a missing offset is E402's finding, an unknown document or
    sentence (no length to compare with) E410's.
    """
    return _x("E404", says, "ExpectColumnPairValuesAToBeGreaterThanB", column_A=b, column_B=a, or_equal=not strict,
              ignore_row_if="either_value_is_missing")


def _equal(code: str, a: str, b: str, says: str) -> Any:
    return _x(code, says, "ExpectColumnPairValuesToBeEqual", column_A=a, column_B=b)


def _nonneg(col: str) -> Any:
    return _x("E404", f"{col} >= 0", "ExpectColumnValuesToBeBetween", column=col, min_value=0)


def _nonempty(col: str) -> Any:
    return _x("E405", f"{col} is not empty", "ExpectColumnValueLengthsToBeBetween", column=col, min_value=1)


def _offsets(start: str, end: str, limit: str, what: str) -> list:
    return [_nonneg(start), _before(start, end, f"{what}: {start} < {end}"),
            _before(end, limit, f"{what}: {end} <= {limit}", strict=False)]


def document_expectations() -> list:
    return [
        _x("E401", "doc_id is unique", "ExpectColumnValuesToBeUnique", column="doc_id"),
        *_not_null(("doc_id", "text", "n_chars", "n_sentences")),
        _nonempty("text"),
        _equal("E404", "n_chars", "text_len", "n_chars is the length of the document text"),
        _equal("E406", "n_sentences", "sentence_rows", "n_sentences equals the document's rows in sentences"),
    ]


def sentence_expectations(bounds: Mapping[str, tuple[float, float]] = CORPUS_BOUNDS) -> list:
    out = [
        _x("E401", "sentence id is unique", "ExpectColumnValuesToBeUnique", column="id"),
        *_not_null(("id", "doc_id", "index", "text", "start", "end", "hedged", "checkworthy")),
        _nonempty("text"),
        *_offsets("start", "end", "doc_len", "sentence in its document"),
        _equal("E409", "text", "doc_slice", "text is document_text[start:end]"),
        _x("E410", "doc_id is a document of the release", "ExpectColumnValuesToBeInSet", column="doc_id",
           value_set=_param("doc_ids")),
        _x("E406", "sentences rows equal the sum of documents.n_sentences", "ExpectTableRowCountToEqual",
           value=_param("n_sentences")),
    ]
    for kind, flag in flags():
        out.append(_equal("E407", flag.name, f"has_{flag.rows}", flag.says))
        if flag.when:
            out.append(_equal("E406", flag.count, flag.rows, flag.count_says))
    for table in span_tables():
        out.append(_equal("E406", f"n_{table}", f"{table}_rows", f"{table} of the sentence equal its rows in {table}"))
    for name, (low, high) in bounds.items():
        col = BOUND_COLUMNS[name]
        out.append(_x("E408", f"{name} within [{low}, {high}] (CORPUS_BOUNDS)", "ExpectColumnMeanToBeBetween",
                      column=col, min_value=low, max_value=high))
    return out


def _label_set(column: str, label_set: str) -> Any:
    names = schema.labels()[label_set]
    return _x("E403", f"{column} is a ClassLabel id of {label_set}: 0..{len(names) - 1} = {', '.join(names)}",
              "ExpectColumnValuesToBeInSet", column=column, value_set=list(range(len(names))))


def _offset_expectations(o: Offsets) -> list:
    start, end, text = f"{o.name}_start", f"{o.name}_end", f"{o.name}_text"
    sliced = _equal("E409", text, f"{o.name}_slice", f"{text} is sentence_text[{start}:{end}]")
    if o.contains:
        return [_nonneg(start), _before(start, "start", f"{o.name} starts at or before the {o.of}", strict=False),
                _before("end", end, f"{o.name} ends at or after the {o.of}", strict=False),
                _before(end, "sentence_len", f"{end} <= sentence length", strict=False), sliced]
    return [*_offsets(start, end, "sentence_len", f"{o.of} {o.name} in its sentence"), sliced]


def span_expectations(table: str) -> list:
    kind = kinds_kind(table)
    label = kind.label
    out = [
        _x("E401", f"(sentence_id, start, end, {label}) is unique: no span twice", "ExpectCompoundColumnsToBeUnique",
           column_list=["sentence_id", "start", "end", label]),
        *_not_null(("sentence_id", "doc_id", "start", "end", "doc_start", "doc_end", "text", label, *kind.required)),
        _label_set(label, kind.label_set),
        _nonempty("text"),
        *_offsets("start", "end", "sentence_len", "span in its sentence"),
        *_offsets("doc_start", "doc_end", "doc_len", "span in its document"),
        _equal("E409", "text", "sentence_slice", "text is sentence_text[start:end]"),
        _equal("E409", "text", "doc_slice", "text is document_text[doc_start:doc_end]"),
        _equal("E410", "doc_id", "sentence_doc_id", "sentence_id is a sentence of the release, in the same document"),
        _x("E406", f"{table} rows equal the sum of n_{table} in sentences", "ExpectTableRowCountToEqual",
           value=_param(f"n_{table}")),
    ]
    out += [_label_set(column, label_set) for column, label_set in kind.extra_labels.items()]
    for o in kind.offsets:
        out += _offset_expectations(o)
    return out


def build_suites(bounds: Mapping[str, tuple[float, float]] = CORPUS_BOUNDS) -> dict:
    """One gx.ExpectationSuite per release table, built from schema/ and `bounds`."""
    gx = _gx()
    makers: dict[str, Callable[[], list]] = {"documents": document_expectations,
                                             "sentences": lambda: sentence_expectations(bounds)}
    makers |= {t: functools.partial(span_expectations, t) for t in span_tables()}
    return {name: gx.ExpectationSuite(name=f"claimcorpus-{name}", expectations=make()) for name, make in makers.items()}


# -- derived columns (pure pandas) -----------------------------------------------------------


def _int(v) -> int | None:
    try:
        return int(v) if v is not None and not pd.isna(v) and float(v).is_integer() else None
    except (TypeError, ValueError):
        return None


def _ints(col: pd.Series) -> list:
    """`_int` of every value (fast for a numpy int or float column)."""
    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iu":
        return col.tolist()
    if isinstance(col.dtype, np.dtype) and col.dtype.kind == "f":
        return [int(v) if v.is_integer() else None for v in col.tolist()]  # nan and inf are not integers
    return [_int(v) for v in col]


def _numbers(col: pd.Series) -> np.ndarray:
    """A column as float64, null and non-numbers as nan."""
    return pd.to_numeric(col, errors="coerce").astype("float64").to_numpy()


class Texts:
    """Texts by key (`texts` has a unique index: documents by doc_id, sentences by id), looked up for many rows:
    their lengths and slices, never copied into a column (with pandas 3's string dtype a mapped column would
    hold a copy of the whole document in every row). The slices are cut from the texts' UTF-8 bytes, with
    code points found from the positions of the multi-byte characters alone::

        Texts(pd.Series(["Köln, 2 €"], index=["d1"])).at(pd.Series(["d1", "x"]))  -> [0, -1]
        .lengths(...) -> [9.0, nan]; .slices([0, -1], [6, 0], [9, 1]) -> ["2 €", None]
    """

    def __init__(self, texts: pd.Series) -> None:
        if not texts.index.is_unique:
            raise ValueError("Texts needs one text per key")
        self.index = texts.index
        if isinstance(texts.dtype, pd.StringDtype):  # strings and missing values: arrow's buffers, no Python str
            arr = pa.chunked_array(pa.array(texts.array)) if len(texts) else pa.chunked_array([], pa.string())
            self.is_text = arr.is_valid().to_numpy(zero_copy_only=False)
            arr = pc.fill_null(arr, "").cast(pa.large_string()).combine_chunks()
        else:
            values = texts.tolist()
            self.is_text = np.array([isinstance(t, str) for t in values], dtype=bool)
            arr = pa.array([t if ok else "" for t, ok in zip(values, self.is_text.tolist(), strict=True)],
                           type=pa.large_string())
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[: len(arr) + 1] if len(arr) else np.zeros(1, np.int64)
        self.data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[: offsets[-1]] if offsets[-1] else np.zeros(0, np.uint8)
        # each multi-byte character: its code point index, and the continuation bytes up to and including it
        lead = np.flatnonzero(self.data >= 0xC0)
        extra = 1 + (self.data[lead] >= 0xE0).astype(np.int64) + (self.data[lead] >= 0xF0)
        self.extra = np.concatenate([[0], np.cumsum(extra)])
        self.lead_cp = lead - self.extra[:-1]
        self.first_cp = offsets - self.extra[np.searchsorted(lead, offsets)]  # each text's first code point, and the end
        self.length = np.where(self.is_text, np.diff(self.first_cp), np.nan).astype("float64")
        self.raw: bytes | None = None  # the UTF-8 bytes, once slices are asked for

    def byte(self, cp: np.ndarray) -> np.ndarray:
        """The byte where code point ``cp`` (counted over all texts) starts."""
        return cp + self.extra[np.searchsorted(self.lead_cp, cp)]

    def at(self, keys: pd.Series) -> np.ndarray:
        """Position of each key's text (-1: no such key), as ``Index.get_indexer``."""
        if isinstance(keys.dtype, pd.StringDtype) and isinstance(self.index.dtype, pd.StringDtype):
            pos = pc.index_in(pa.array(keys.array), value_set=pa.array(self.index.array))  # no Python str per row
            return pc.fill_null(pos, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        return self.index.get_indexer(keys)

    def lengths(self, pos: np.ndarray) -> np.ndarray:
        """Code-point length of the text at each position; nan for no key or no text."""
        return np.where(pos >= 0, self.length[pos], np.nan) if len(self.length) else np.full(len(pos), np.nan)

    def slices(self, pos: np.ndarray, starts: pd.Series, ends: pd.Series) -> list | pd.api.extensions.ExtensionArray:
        """text[start:end] at each position, as Python slices it; null where there is no text or no integral
        start >= 0 and end."""
        s, e = _numbers(starts), _numbers(ends)
        with np.errstate(invalid="ignore"):
            ok = (s >= 0) & (np.mod(s, 1) == 0) & (np.mod(e, 1) == 0) & (pos >= 0)  # false for nan and inf
        ok[ok] = self.is_text[pos[ok]]
        if not ok.any():
            return [None] * len(pos)  # as pandas stores a column of None (object, not str)
        w, length = pos[ok], self.length[pos[ok]]
        a = np.minimum(s[ok], length)  # Python's slice rules: clamped to the text, a negative end counts from its end
        b = np.maximum(np.minimum(np.where(e[ok] < 0, np.maximum(length + e[ok], 0), e[ok]), length), a)
        lo, hi = self.byte(self.first_cp[w] + a.astype(np.int64)), self.byte(self.first_cp[w] + b.astype(np.int64))
        offsets = np.zeros(len(pos) + 1, dtype=np.int64)
        offsets[1:][ok] = hi - lo
        np.cumsum(offsets, out=offsets)
        if self.raw is None:
            self.raw = self.data.tobytes()
        raw = self.raw
        joined = b"".join([raw[i:j] for i, j in zip(lo.tolist(), hi.tolist(), strict=True)])
        arr = pa.LargeStringArray.from_buffers(len(pos), pa.py_buffer(offsets), pa.py_buffer(joined),
                                               pa.array(ok).buffers()[1])
        return arr.to_pandas().array


def _lengths(texts: pd.Series) -> pd.Series:
    """Code-point length of each text; null where there is no text (an unknown id, a null cell)."""
    if isinstance(texts.dtype, pd.StringDtype):  # only strings and missing values: arrow's code-point count
        return texts.str.len().astype("float64")
    return texts.map(lambda t: len(t) if isinstance(t, str) else None).astype("float64")  # never inferred as str


def _row_ids(ids: pd.Series) -> list[str]:
    """The id, or "row <position in the table>" where it is missing (the frame's index is that position)."""
    return [v if isinstance(v, str) and v else f"row {i}" for i, v in zip(ids.index, ids, strict=True)]


def _count(v) -> int | None:
    return None if v is None or isinstance(v, (str, float)) else len(v)


def _count_when(spans, field: str) -> int | None:
    if _count(spans) is None:
        return None
    return sum(bool(x.get(field)) for x in spans)


def _flag(v) -> float | None:
    return float(v) if isinstance(v, (bool, np.bool_)) else None


def _per_sentence(ids: pd.Series, rows: pd.DataFrame) -> pd.Series:
    return ids.map(rows.groupby("sentence_id").size()).fillna(0).astype(int) if len(rows) else ids.map(lambda _: 0)


def _sentences(sent: pd.DataFrame, spans: dict[str, pd.DataFrame], doc_text: Texts) -> pd.DataFrame:
    s = sent.copy()
    s["row_id"], s["row_pos"] = _row_ids(s["id"]), s.index
    s["hedged_flag"] = s["hedged"].map(_flag).astype("float64")
    for table, rows in spans.items():
        s[f"{table}_rows"] = _per_sentence(s["id"], rows)
        if f"n_{table}" not in s:  # counts from the nested lists of tables.py; else from the span table
            s[f"n_{table}"] = s[table].map(_count) if table in s else s[f"{table}_rows"]
    for kind, flag in flags():
        rows = spans[kind.field]
        if flag.when:
            rows = rows[rows[flag.when].eq(True)] if flag.when in rows else rows.iloc[:0]
        s[flag.rows] = _per_sentence(s["id"], rows)
        if flag.count and flag.count not in s:
            s[flag.count] = (s[kind.field].map(functools.partial(_count_when, field=flag.when)) if kind.field in s
                             else s[flag.rows])
        s[f"has_{flag.rows}"] = s[flag.rows] > 0
    doc = doc_text.at(s["doc_id"])
    s["doc_len"] = doc_text.lengths(doc)
    s["doc_slice"] = doc_text.slices(doc, s["start"], s["end"])
    return s.drop(columns=[c for c in span_tables() if c in s])


def _spans(table: str, rows: pd.DataFrame, by_id: pd.DataFrame, sentence_text: Texts, doc_text: Texts) -> pd.DataFrame:
    d = rows.copy()
    d["row_id"] = [f"{sid}[{a}:{b}]" for sid, a, b in zip(d["sentence_id"].tolist(), _ints(d["start"]), _ints(d["end"]), strict=True)]
    d["row_pos"] = d.index
    sent, doc = sentence_text.at(d["sentence_id"]), doc_text.at(d["doc_id"])
    d["sentence_len"] = sentence_text.lengths(sent)
    d["sentence_doc_id"] = d["sentence_id"].map(by_id["doc_id"])
    d["doc_len"] = doc_text.lengths(doc)
    d["sentence_slice"] = sentence_text.slices(sent, d["start"], d["end"])
    d["doc_slice"] = doc_text.slices(doc, d["doc_start"], d["doc_end"])
    for prefix in (o.name for o in kinds_kind(table).offsets):
        if f"{prefix}_start" in d:
            d[f"{prefix}_slice"] = sentence_text.slices(sent, d[f"{prefix}_start"], d[f"{prefix}_end"])
    return d


def _with_columns(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """`df` with every flat column its config declares (features.py); a missing one is all null (E402)."""
    from claimcorpus.configs import config

    missing = [c for c in config(table).features() if c not in df and c not in span_tables()]
    return df.assign(**dict.fromkeys(missing)) if missing else df


def prepare(tables: Mapping[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The tables with derived columns, and the suite parameters (totals) they imply.

    `tables` are the flat release tables as tables.py makes them; sentences may carry the nested
    span lists (counts n_entities, n_hedges, n_claims, n_checkworthy_claims are derived from them)
    or the counts themselves. Other configs (tokens, layers) are ignored.
    """
    missing = [t for t in gate_tables() if t not in tables]
    if missing:
        raise ReleaseError("corpus/", f"the gate needs the tables {', '.join(missing)}",
                          f"pass every flat release table ({', '.join(gate_tables())})")
    tables = {t: _with_columns(t, tables[t]) for t in gate_tables()}
    docs = tables["documents"].copy()
    doc_text = Texts(docs.dropna(subset=["doc_id"]).drop_duplicates("doc_id").set_index("doc_id")["text"])
    spans = {t: tables[t] for t in span_tables()}
    sent = _sentences(tables["sentences"], spans, doc_text)
    docs["row_id"], docs["row_pos"] = _row_ids(docs["doc_id"]), docs.index
    docs["text_len"] = _lengths(docs["text"])
    docs["sentence_rows"] = docs["doc_id"].map(sent.groupby("doc_id").size()).fillna(0).astype(int)
    frames = {"documents": docs, "sentences": sent}
    by_id = tables["sentences"].dropna(subset=["id"]).drop_duplicates("id").set_index("id")
    sentence_text = Texts(by_id["text"])
    frames |= {t: _spans(t, rows, by_id, sentence_text, doc_text) for t, rows in spans.items()}
    params: dict[str, Any] = {"n_sentences": int(pd.to_numeric(docs["n_sentences"], errors="coerce").fillna(0).sum()),
                              "doc_ids": sorted({d for d in docs["doc_id"] if isinstance(d, str)})}
    params |= {f"n_{t}": int(pd.to_numeric(sent[f"n_{t}"], errors="coerce").fillna(0).sum()) for t in span_tables()}
    return frames, params


# -- running ---------------------------------------------------------------------------------


def _context(suites: dict, formats: Mapping[str, dict] | None = None):
    """An ephemeral context (in memory; only Data Docs touch the disk) with a Checkpoint per suite and result format.

    Returns (context, {(suite name, format name): checkpoint}); the default format is "complete" (RESULT_FORMAT).
    """
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    formats = formats or {"complete": RESULT_FORMAT}
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(name="claimcorpus")
    checkpoints = {}
    for name, suite in suites.items():
        batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe(f"{name}-whole")
        vd = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=context.suites.add(suite)))
        for fmt, result_format in formats.items():
            checkpoints[name, fmt] = context.checkpoints.add(
                gx.Checkpoint(name=f"gate-{name}-{fmt}", validation_definitions=[vd], result_format=result_format))
    return context, checkpoints


def outcomes(result) -> list[dict]:
    """A checkpoint's (or one suite's) result as plain records, one per expectation (picklable, mergeable)."""
    out = []
    for vr in result.run_results.values() if hasattr(result, "run_results") else [result]:
        for r in vr.results:
            cfg, res = r.expectation_config, r.result
            rows = res.get("unexpected_index_list")
            out.append({"type": cfg.type, "kwargs": dict(cfg.kwargs), "meta": dict(cfg.meta), "success": bool(r.success),
                        "exception": _exception(r.exception_info), "rows": rows,
                        "element_count": res.get("element_count"),
                        "unexpected_count": res.get("unexpected_count", len(rows) if rows is not None else None),
                        "observed_value": res.get("observed_value")})
    return out


def suite_order(suite) -> Callable[[dict], int]:
    """Sort key putting outcomes in suite order (GE returns them in an order of its own): findings are listed
    per table in the order the suite states its expectations, whatever engine or batching ran them."""
    index = {(e.expectation_type, e.meta["says"]): i for i, e in enumerate(suite.expectations)}
    return lambda o: index[o["type"], o["meta"]["says"]]


def merge(parts: list[dict]) -> dict:
    """One expectation's outcomes over several batches as if it had run once over all their rows."""
    first = parts[0]
    if len(parts) == 1:
        return first
    total = lambda key: None if any(p[key] is None for p in parts) else sum(p[key] for p in parts)  # noqa: E731
    rows = None if all(p["rows"] is None for p in parts) else sorted(
        (r for p in parts for r in p["rows"] or ()), key=lambda r: r["row_pos"])
    return {**first, "success": all(p["success"] for p in parts),
            "exception": next((p["exception"] for p in parts if p["exception"]), None),
            "element_count": total("element_count"), "unexpected_count": total("unexpected_count"), "rows": rows}


def _short(v) -> str:
    """A cell value for a message: null for missing, 36 for 36.0, long strings cut."""
    v = v.item() if hasattr(v, "item") else v
    if not isinstance(v, (list, tuple, dict)) and pd.isna(v):
        return "null"
    r = repr(int(v) if isinstance(v, float) and v.is_integer() else v)
    return r if len(r) <= 40 else r[:37] + "..."


def _observed(v) -> str:
    return f"{float(v):.4g}" if isinstance(v, float) else _short(v)


def _exception(info: dict | None) -> str | None:
    """The error of an expectation that raised; GE nests it per metric id ({metric_id: {raised_exception, ...}})."""
    infos = [info] if info and "raised_exception" in info else list((info or {}).values())
    msgs = [i.get("exception_message") or "an exception" for i in infos if isinstance(i, dict) and i.get("raised_exception")]
    return "; ".join(dict.fromkeys(msgs)) or None


def finding(table: str, o: dict) -> Finding:
    """The Finding of one failed expectation outcome (see `outcomes`), naming up to SHOWN offending rows."""
    code, says = o["meta"]["code"], o["meta"]["says"]
    cols = {k: v for k, v in o["kwargs"].items() if k in ("column", "column_A", "column_B", "column_list")}
    head = o["type"] + (f"({', '.join(f'{k}={v}' for k, v in cols.items())})" if cols else "") + f": {says}"
    where = f"corpus/{table}"
    if o["exception"]:
        return Finding(code, where, None, None, f"{head}; could not be evaluated: {o['exception']}")
    rows = o["rows"]
    if rows is None:
        expected = {k: v for k, v in o["kwargs"].items() if k in ("value", "min_value", "max_value")}
        return Finding(code, where, None, None, f"{head}; observed {_observed(o['observed_value'])}, expected {expected}")
    by_id: dict[str, dict] = {}
    for r in sorted(rows, key=lambda r: r["row_pos"]):  # table order, whichever engine listed them
        by_id.setdefault(r["row_id"], r)  # one example per row id (a duplicate shows once)
    first, ids = list(by_id.values()), list(by_id)
    shown = "; ".join(f"{r['row_id']} (" + ", ".join(f"{k}={_short(v)}" for k, v in r.items() if k not in ("row_id", "row_pos"))
                      + ")" for r in first[:SHOWN])
    record = ", ".join(ids[:LISTED]) + (f" and {len(ids) - LISTED} more" if len(ids) > LISTED else "")
    return Finding(code, where, None, record, f"{head}; {o['unexpected_count']} of {o['element_count']} rows, e.g. {shown}")


def _data_docs(context, docs_dir: Path) -> Path:
    docs_dir = Path(docs_dir).resolve()
    context.add_data_docs_site(site_name="claimcorpus-gate", site_config={
        "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)}})
    context.build_data_docs(site_names=["claimcorpus-gate"])
    return docs_dir / "index.html"


def run_gate(tables: Mapping[str, pd.DataFrame], docs_dir: Path | None = None,
             bounds: Mapping[str, tuple[float, float]] = CORPUS_BOUNDS) -> GateResult:
    """Run every suite on its whole table, in memory; one Finding per failed expectation, naming the offending rows.

    For a release on disk, `batch.run_release` runs the same suites batch by batch with the same findings.
    """
    frames, params = prepare(tables)
    suites = build_suites(bounds)
    context, checkpoints = _context(suites)
    findings, success = [], True
    for (name, _), checkpoint in checkpoints.items():
        result = checkpoint.run(batch_parameters={"dataframe": frames[name]}, expectation_parameters=params)
        success &= bool(result.success)
        findings += [finding(name, o) for o in sorted(outcomes(result), key=suite_order(suites[name])) if not o["success"]]
    docs_path = _data_docs(context, docs_dir) if docs_dir is not None else None
    return GateResult(success and not findings, findings, docs_path)
