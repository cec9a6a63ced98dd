"""The Great Expectations gate: passes on a small valid release, and each kind of expectation fails.

The release is built by hand from four sentences in two documents (offsets checked below against
the texts by the level-3 validator), through claimcorpus.tables as the build does.
"""

from __future__ import annotations

import pandas as pd
import pytest

from claimcorpus import schema, tables
from claimcorpus.checks import CHECKS
from claimcorpus.gx_suite import CORPUS_BOUNDS, build_suites, run_gate
from claimcorpus.validate import sentence_content

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
            "entities": pd.DataFrame(list(tables.entity_rows(RECORDS))),
            "hedges": pd.DataFrame(list(tables.hedge_rows(RECORDS))),
            "claims": pd.DataFrame(list(tables.claim_rows(RECORDS)))}


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
    label_sets = {e.column: e.value_set for s in suites.values() for e in s.expectations
                  if e.meta["code"] == "E403" and e.column == "label"}
    assert label_sets == {"label": list(range(len(schema.labels()["entity_label"])))}
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


# code -> corruptions of one cell or row, each with the row id its finding must name. The
# corruptions of one code touch independent rows, so one gate run per code shows all of them
# (a gate run costs ~2 s on these tables; E408 has its own test below).
CASES = {
    "E401": [(_dup("entities", 0), "doc1-s0000[13:17]"), (_set("sentences", 1, "id", "doc1-s0000"), "doc1-s0000")],
    "E402": [(_set("sentences", 3, "doc_id", None), "doc2-s0001"), (_set("hedges", 1, "scope_start", None), "doc2-s0000[12:17]")],
    "E403": [(_set("entities", 0, "label", 18), "doc1-s0000[13:17]"), (_set("claims", 3, "source_type", 2), "doc2-s0001[15:33]")],
    "E404": [(_set("entities", 2, "end", 40), "doc1-s0001[22:40]"), (_set("hedges", 0, "scope_start", 35), "doc1-s0000[34:37]"),
             (_set("documents", 1, "n_chars", 99), "doc2")],
    "E405": [(_set("claims", 1, "text", ""), "doc1-s0001[0:35]")],
    "E406": [(_set("documents", 0, "n_sentences", 3), "doc1"), (_drop("claims", 2), "doc2-s0000")],
    "E407": [(_set("sentences", 1, "hedged", True), "doc1-s0001"), (_set("sentences", 3, "checkworthy", True), "doc2-s0001")],
    "E409": [(_set("entities", 3, "text", "3 %"), "doc2-s0000[18:20]"),
             (_set("sentences", 0, "text", "Officials in Kiev said the bridge may reopen in May."), "doc1-s0000")],
    "E410": [(_set("entities", 3, "sentence_id", "doc9-s0000"), "doc9-s0000[18:20]"), (_set("sentences", 2, "doc_id", "doc9"), "doc2-s0000")],
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_expectation_kind_can_fail(code):
    t = release()
    for corrupt, _ in CASES[code]:
        corrupt(t)
    result = run_gate(t)
    assert not result.success
    hits = [f for f in result.findings if f.code == code]
    for _, row in CASES[code]:
        assert any(row in (f.record or "").split(", ") and row in f.message for f in hits), (row, [str(f) for f in hits])
    assert all(str(f).startswith("corpus/") and "Fix: " in str(f) for f in result.findings)


def test_lost_layer_fails_only_the_corpus_bounds():
    t = release()
    _lose_claims(t)
    result = run_gate(t)
    assert {f.code for f in result.findings} == {"E408"}
    assert "claims_per_sentence" in result.findings[0].message
    assert "observed 0," in result.findings[0].message
