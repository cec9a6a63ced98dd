"""The batched gate over a release on disk (validation.level4.batch) finds exactly what suite.run_gate finds over the
whole tables in memory: on the valid release, on every level-4 corruption of tests/test_gx_suite.py,
with one document per batch, rows split into one-row row groups (two processes; one for the valid release)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_gx_suite import GROUPS, _lose_claims, release

from claimcorpus.validation.level4 import batch as gxbatch
from claimcorpus.validation.level4.suite import run_gate


def write_release(tables: dict[str, pd.DataFrame], corpus: Path, split_at: int = 2) -> Path:
    """The tables as parquet: rows before ``split_at`` in a train file, the rest in a test file (two shards,
    one row per row group), as a release on disk."""
    for name, df in tables.items():
        folder = corpus / "data" / name
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(df, preserve_index=False)
        cut = min(split_at, len(df))
        pq.write_table(table.slice(0, cut), folder / "train-00000-of-00001.parquet", row_group_size=1)
        pq.write_table(table.slice(cut), folder / "test-00000-of-00001.parquet", row_group_size=1)
    return corpus


CASES = {"valid": lambda t: None, "lost-claims": _lose_claims}
CASES |= {"-".join(dict.fromkeys(c for c, _, _ in g)): (lambda g: lambda t: [f(t) for _, f, _ in g])(g) for g in GROUPS}


@pytest.mark.parametrize("case", CASES)
def test_batched_gate_equals_the_whole_table_gate(case, tmp_path):
    t = release()
    CASES[case](t)
    want = [str(f) for f in run_gate({k: v.copy() for k, v in t.items()}).findings]
    corpus = write_release(t, tmp_path / "corpus")
    got = gxbatch.run_release(corpus, jobs=1 if case == "valid" else 2, batch_sentences=1)
    assert [str(f) for f in got.findings] == want, case
    assert got.success == (not want)


# -- run_repo: the tables made in memory per group of documents --------------------------------------------------


def _edit_gold(repo, doc_id: str, edit) -> None:
    """Rewrite one gold record file line by line through ``edit(records)`` (no validation: level 4 is what judges)."""
    path = repo.layer_file("gold", doc_id)
    recs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    edit(recs)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")


def _first(field: str, change):
    """An edit changing ``field`` of the first record's first span of that kind (or of the record)."""
    def edit(recs):
        target = next(r for r in recs if r.get(field)) if field in ("entities", "claims", "hedges") else recs[0]
        change(target)
    return edit


REPO_CASES = {
    "as made": ("d1", lambda recs: None, False),
    "span text off its offsets (E409)": ("d3", _first("entities", lambda r: r["entities"][0].update(text="Xov")), False),
    "hedged without a hedge (E407)": ("d1", _first("id", lambda r: r.update(hedged=True)), False),
    "span past its sentence (E404)": ("d3", _first("claims", lambda r: r["claims"][0].update(end=len(r["text"]) + 5)), False),
    # another document's sentence id: the groups share a key, so run_repo plans the batches from written tables
    "a sentence id of another document": ("d2", lambda recs: recs[0].update(id=_D1_FIRST[0]), True),
}
_D1_FIRST: list[str] = []


@pytest.mark.parametrize("case", REPO_CASES)
def test_run_repo_equals_the_planned_batches(case, tmp_path, monkeypatch):
    """batch.run_repo makes each group's tables in memory (one document per group here, two processes) and finds
    what run_release finds over the same tables written and planned (itself equal to run_gate, above); where groups
    share a sentence key it falls back to that way, and only there."""
    from test_columns import small_repo

    repo = small_repo(tmp_path)
    _D1_FIRST[:] = [json.loads(repo.layer_file("gold", "d1").read_text(encoding="utf-8").splitlines()[0])["id"]]
    doc_id, edit, shared = REPO_CASES[case]
    _edit_gold(repo, doc_id, edit)
    want = [str(f) for f in gxbatch._planned(repo, 1, gxbatch.gx_suite.CORPUS_BOUNDS).findings]
    planned = []
    real = gxbatch._planned
    monkeypatch.setattr(gxbatch, "_planned", lambda *a: planned.append(1) or real(*a))
    got = gxbatch.run_repo(repo, jobs=2, batch_bytes=1)
    assert [str(f) for f in got.findings] == want
    assert bool(planned) == shared
    if case != "as made":
        assert len(want) > len([str(f) for f in real(small_repo(tmp_path / "clean"), 1, gxbatch.gx_suite.CORPUS_BOUNDS).findings])


TEXTS = ["Köln, 2 €", "", "a😀b\r\nc", "“Quoted” … ok", "x" * 30, "é" * 7]


def test_texts_slices_and_lengths_are_pythons():
    """suite.Texts cuts slices from UTF-8 bytes; they equal Python's own slicing and len() (code points), for every
    start/end (negative, past the end, reversed, fractional, missing) and key (unknown, missing, a null text)."""
    import itertools
    import math

    from claimcorpus.validation.level4.suite import Texts

    texts = pd.Series([*TEXTS, None], index=[f"k{i}" for i in range(len(TEXTS) + 1)], dtype="str")
    values = [-9, -1, 0, 1, 2, 4, 8, 31, 2.5, None]
    rows = list(itertools.product([*texts.index, "nope", None], values, values))
    keys = pd.Series([k for k, _, _ in rows], dtype="str")
    for kind in ("float64", "object"):
        starts = pd.Series([a for _, a, _ in rows], dtype=kind)
        ends = pd.Series([b for _, _, b in rows], dtype=kind)
        for t in (Texts(texts), Texts(texts.astype(object))):
            pos = t.at(keys)
            got = [v if isinstance(v, str) else None for v in t.slices(pos, starts, ends)]
            want = []
            for k, a, b in rows:
                text = texts.get(k) if isinstance(k, str) else None
                ok = isinstance(text, str) and a is not None and b is not None and float(a).is_integer() \
                    and float(b).is_integer() and a >= 0
                want.append(text[int(a):int(b)] if ok else None)
            assert got == want
            lengths = [len(texts[k]) if isinstance(k, str) and isinstance(texts.get(k), str) else math.nan for k, _, _ in rows]
            assert np.array_equal(t.lengths(pos), np.array(lengths, dtype="float64"), equal_nan=True)
