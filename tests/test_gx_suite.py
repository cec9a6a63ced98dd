"""The Great Expectations gate: passes on a small valid release, and each kind of expectation fails.

The release is built by hand from four sentences in two documents (offsets checked below against
the texts by the level-3 validator), through claimcorpus.tables as the build does.
"""

from __future__ import annotations

import pandas as pd
import pytest

from claimcorpus import schema, tables
from claimcorpus.validation.codes import CHECKS
from claimcorpus.validation.level4.suite import CORPUS_BOUNDS, build_suites, run_gate, span_tables
from claimcorpus.kinds import kind
from claimcorpus.validation.level3 import sentence_content

DOCS = {"doc1": "Officials in Kyiv said the bridge may reopen in May. The ministry reported 40 casualties.",
        "doc2": "Prices rose about 3% last year. Critics called the plan a failure."}
AUTHOR = {"type": "author"}


def _sent(doc_id, index, start, end, entities=(), hedges=(), claims=()):
    text = DOCS[doc_id][start:end]
    ents = [{"start": s, "end": e, "text": text[s:e], "label": lab} for s, e, lab in entities]
    heds = [{"start": s, "end": e, "text": text[s:e], "type": t, "scope_start": a, "scope_end": b} for s, e, t, a, b in hedges]
    clas = [{"start": s, "end": e, "text": text[s:e], "type": t, "checkworthy": w, "source": src} for s, e, t, w, src in claims]
    return {"id": f"{doc_id}-s{index:04d}", "doc_id": doc_id, "index": index, "text": text, "start": start, "end": end,
            "entities": ents, "hedges": heds, "claims": clas, "hedged": bool(heds),
            "checkworthy": any(c["checkworthy"] for c in clas)}


RECORDS = [
    _sent("doc1", 0, 0, 52, entities=[(13, 17, "GPE"), (48, 51, "DATE")], hedges=[(34, 37, "modal", 23, 51)],
          claims=[(23, 51, "predictive", True, {"type": "mention", "start": 0, "end": 17, "text": "Officials in Kyiv"})]),
    _sent("doc1", 1, 53, 89, entities=[(22, 24, "CARDINAL")], claims=[(0, 35, "factual", True, AUTHOR)]),
    _sent("doc2", 0, 0, 31, entities=[(18, 20, "PERCENT"), (21, 30, "DATE")], hedges=[(12, 17, "approximator", 12, 20)],
          claims=[(0, 30, "factual", True, AUTHOR)]),
    _sent("doc2", 1, 32, 66, claims=[(15, 33, "evaluative", False, {"type": "mention", "start": 0, "end": 7, "text": "Critics"})]),
]


def release() -> dict[str, pd.DataFrame]:
    """A fresh copy of the valid flat release tables, as tables.py makes them."""
    docs = [{"doc_id": d, "text": t, "n_chars": len(t), "n_sentences": sum(r["doc_id"] == d for r in RECORDS),
             "language": "en"} for d, t in DOCS.items()]
    return {"documents": pd.DataFrame(docs),
            "sentences": pd.DataFrame([tables.encode_sentence(r) for r in RECORDS]),
            **{t: pd.DataFrame(list(tables.span_rows(kind(t), RECORDS))) for t in ("entities", "hedges", "claims")}}


def test_fixture_is_valid_at_level_3():
    for rec in RECORDS:
        assert DOCS[rec["doc_id"]][rec["start"]:rec["end"]] == rec["text"]
        assert list(sentence_content(rec)) == [], rec["id"]


def test_valid_release_passes_and_writes_data_docs(tmp_path):
    result = run_gate(release(), tmp_path / "data_docs")
    assert [str(f) for f in result.findings] == []
    assert result.success
    assert result.docs_path == (tmp_path / "data_docs" / "index.html").resolve()
    assert result.docs_path.is_file()
    assert list((tmp_path / "data_docs" / "validations").rglob("*.html"))


def test_suites_are_built_from_schema_and_use_every_level_4_code():
    suites = build_suites()
    for table, (column, label_set) in span_tables().items():  # ClassLabel ids 0..n-1 of the schema's label set
        sets = [e.value_set for e in suites[table].expectations if e.meta["code"] == "E403" and e.column == column]
        assert sets == [list(range(len(schema.labels()[label_set])))], table
    used = {e.meta["code"] for s in suites.values() for e in s.expectations}
    assert used == {c for c, chk in CHECKS.items() if chk.level == 4}
    mean_cols = {e.column: (e.min_value, e.max_value) for e in suites["sentences"].expectations if e.meta["code"] == "E408"}
    assert sorted(mean_cols.values()) == sorted(CORPUS_BOUNDS.values())


def _set(table, row, col, value):
    def corrupt(t):
        t[table].loc[row, col] = value
    return corrupt


def _dup(table, row):
    def corrupt(t):
        t[table] = pd.concat([t[table], t[table].iloc[[row]]], ignore_index=True)
    return corrupt


def _drop(table, row):
    def corrupt(t):
        t[table] = t[table].drop(index=row).reset_index(drop=True)
    return corrupt


def _lose_claims(t):
    """A release that lost its claims layer everywhere (consistently): only the corpus bounds notice."""
    t["claims"] = t["claims"].iloc[:0]
    t["sentences"]["claims"] = [[] for _ in range(len(t["sentences"]))]
    t["sentences"]["checkworthy"] = False


# Each case corrupts one cell or row and names the row id its finding must carry. A gate run costs
# ~2 s here (GE evaluates ~110 expectations), so the cases are grouped: within a group they touch
# different rows, and every assertion is tied to its code and its row. E408 has its own test below.
GROUPS = [
    [("E401", _dup("entities", 0), "doc1-s0000[13:17]"),
     ("E401", _set("documents", 1, "doc_id", "doc1"), "doc1"),
     ("E403", _set("entities", 1, "label", 18), "doc1-s0000[48:51]"),
     ("E403", _set("claims", 3, "source_type", 2), "doc2-s0001[15:33]"),
     ("E405", _set("claims", 1, "text", ""), "doc1-s0001[0:35]"),
     ("E407", _set("sentences", 1, "hedged", True), "doc1-s0001"),
     ("E407", _set("sentences", 3, "checkworthy", True), "doc2-s0001")],
    [("E402", _set("sentences", 3, "doc_id", None), "doc2-s0001"),
     ("E402", _set("hedges", 1, "scope_start", None), "doc2-s0000[12:17]"),
     ("E404", _set("entities", 2, "end", 40), "doc1-s0001[22:40]"),
     ("E404", _set("hedges", 0, "scope_start", 35), "doc1-s0000[34:37]"),
     ("E404", _set("documents", 1, "n_chars", 99), "doc2"),
     ("E406", _set("documents", 0, "n_sentences", 3), "doc1"),
     ("E406", _drop("claims", 2), "doc2-s0000")],
    [("E409", _set("entities", 3, "text", "3 %"), "doc2-s0000[18:20]"),
     ("E409", _set("sentences", 0, "text", "Officials in Kiev said the bridge may reopen in May."), "doc1-s0000"),
     ("E410", _set("entities", 2, "sentence_id", "doc9-s0000"), "doc9-s0000[22:24]"),
     ("E410", _set("sentences", 2, "doc_id", "doc9"), "doc2-s0000")],
]


@pytest.mark.parametrize("group", GROUPS, ids=["-".join(dict.fromkeys(c for c, _, _ in g)) for g in GROUPS])
def test_each_expectation_kind_can_fail(group):
    t = release()
    for _, corrupt, _ in group:
        corrupt(t)
    result = run_gate(t)
    assert not result.success
    for code, _, row in group:
        hits = [f for f in result.findings if f.code == code]
        assert any(row in (f.record or "").split(", ") and row in f.message for f in hits), (code, row, [str(f) for f in hits])
    assert all(str(f).startswith("corpus/") and "Fix: " in str(f) for f in result.findings)


def test_every_level_4_code_is_shown_failing():
    shown = {code for g in GROUPS for code, _, _ in g} | {"E408"}
    assert shown == {c for c, chk in CHECKS.items() if chk.level == 4}


def test_lost_layer_fails_only_the_corpus_bounds():
    t = release()
    _lose_claims(t)
    result = run_gate(t)
    assert {f.code for f in result.findings} == {"E408"}
    assert "claims_per_sentence" in result.findings[0].message
    assert "observed 0," in result.findings[0].message


def test_an_expectation_that_cannot_run_fails_the_gate():
    t = release()
    t["entities"]["end"] = t["entities"]["end"].astype(object)
    t["entities"].loc[0, "end"] = "x"  # a string offset: GE raises inside the comparison
    result = run_gate(t)
    assert not result.success
    assert any(f.code == "E404" and "could not be evaluated" in f.message for f in result.findings)
