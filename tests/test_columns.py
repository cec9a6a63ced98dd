"""The build's column-wise tables (columns.py, build._fast_group, build._gold_tables) against the reference rows
(configs.Config.rows through build.document_rows, made into tables by pa.Table.from_pylist): the same values,
types and Arrow sizes (the card's num_bytes), on the project's own gold and on a small repository made here."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import ROOT, make_repo
from test_build_rows import D1, D2, TRICKY, hand_gold, span

from claimcorpus import build, columns, tables
from claimcorpus.configs import configs
from claimcorpus.errors import CorpusError
from claimcorpus.layers import init_layer, read_layer, write_layer
from claimcorpus.layout import GOLD, Repo

D3 = "Soviet-era rules are back, officials said on Monday. Prices could rise.\n"


def small_repo(tmp: Path) -> Repo:
    """Three documents in two splits, sentences not at 0, every span kind and label set (claim sources of both
    types, so optional offsets are absent), an entity edge inside a token, and a layer other than gold."""
    repo = make_repo(tmp, {"d1.txt": D1, "d2.txt": D2, "d3.txt": D3})
    hand_gold(repo)
    d3 = [dict(r) for r in read_layer_or_segments(repo, "d3")]
    s = d3[0]["text"]  # "Soviet-era rules are back, officials said on Monday."
    d3[0]["entities"] = [span(s, 0, "Sov", label="NORP"), span(s, 45, "Monday", label="DATE")]
    d3[0]["claims"] = [span(s, 0, "Soviet-era rules are back", type="factual", checkworthy=True, source={"type": "author"})]
    d3[0]["checkworthy"] = True
    s = d3[1]["text"]  # "Prices could rise."
    d3[1]["hedges"] = [span(s, 7, "could", type="epistemic", scope_start=0, scope_end=17)]
    d3[1]["hedged"] = True
    write_layer(repo, GOLD, "d3", d3, overwrite=True)
    init_layer(repo, "pass-a", "annotator", "tester", guidelines_version="0.1", description="a pass", doc_ids=["d1", "d3"])
    a = read_layer(repo, "pass-a", "d1")
    s = a[1]["text"]
    a[1]["entities"] = [span(s, 0, "Kyiv", label="GPE")]
    write_layer(repo, "pass-a", "d1", a, overwrite=True)
    (repo.annotations / "splits.json").write_text(
        json.dumps({"train": ["d1", "d3"], "validation": [], "test": ["d2"]}), encoding="utf-8")
    return repo


def read_layer_or_segments(repo: Repo, doc_id: str) -> list[dict]:
    from claimcorpus.layers import empty_record, read_segments

    path = repo.layer_file(GOLD, doc_id)
    return read_layer(repo, GOLD, doc_id) if path.is_file() else [empty_record(s) for s in read_segments(repo, doc_id)]


def fast_and_reference(repo: Repo) -> tuple[dict, dict, build.Stats, build.Stats]:
    """Every config of every split (one row group per split), column-wise and by the reference rows."""
    src = build.Source(repo)
    names = [c.name for c in configs()]
    schemas = {c.name: c.features().arrow_schema for c in configs()}
    derived = {c.name: c.derive for c in configs() if c.derive}
    here = [c for c in names if c not in derived and c != "tokens"]
    build._WORKER.update(src=src, configs=[c for c in configs() if c.name == "tokens"], schemas=schemas)
    fast, ref, fs, rs = {}, {}, build.Stats(), build.Stats()
    for split, doc_ids in src.splits.items():
        if not doc_ids:
            continue
        group = [(d, src.gold_bytes(d), columns.lines(src.gold_bytes(d))) for d in doc_ids]
        tok, counts = build._gold_tables(doc_ids)
        assert counts == [len(src.gold(d)) for d in doc_ids]
        f = build._fast_group(src, group, here, schemas, fs, tok["tokens"]) | tok
        rows = {c: [] for c in names}
        gold = []
        for d in doc_ids:
            made = build.document_rows(src, d, names)
            gold += made["gold"]
            for c in names:
                rows[c] += made[c]
        rs.add(gold)
        r = {c: pa.Table.from_pylist(rows[c], schema=schemas[c]) for c in names}
        rs.rank(gold, r["tokens"])
        f |= {c: fn(f[of], schemas[c]) for c, (of, fn) in derived.items()}
        fast[split], ref[split] = f, r
    return fast, ref, fs, rs


def assert_same(fast: dict, ref: dict, fs: build.Stats, rs: build.Stats) -> None:
    for split in ref:
        for c, want in ref[split].items():
            got = fast[split][c]
            assert got.schema == want.schema, (split, c)
            assert got.to_pylist() == want.to_pylist(), (split, c)
            assert got.nbytes == want.nbytes, (split, c)  # release.json's num_bytes
    assert (fs.n, fs.spans, fs.flagged, fs.flag_spans, fs.labels) == (rs.n, rs.spans, rs.flagged, rs.flag_spans, rs.labels)
    assert fs.picture == rs.picture


def test_column_tables_equal_the_reference_rows_on_a_small_repository(tmp_path: Path) -> None:
    repo = small_repo(tmp_path)
    fast, ref, fs, rs = fast_and_reference(repo)
    assert_same(fast, ref, fs, rs)
    # independent facts, from the texts: the edge inside "Soviet-era" tags the whole first token; the author
    # source has no offsets; pass-a's rows sit beside gold's in the layers config
    train = fast["train"]
    toks = train["tokens"].to_pylist()
    soviet = next(r for r in toks if r["doc_id"] == "d3")
    assert soviet["tokens"][0] == "Soviet" and soviet["ner_tags"][0] != 0 and soviet["ner_tags"][1] == 0
    author = next(r for r in train["claims"].to_pylist() if r["doc_id"] == "d3")
    assert (author["source_start"], author["source_end"], author["source_text"]) == (None, None, None)
    layers = [(r["layer"], r["id"]) for r in train["layers"].to_pylist()]
    assert ("pass-a", "d1-s0001") in layers and layers.index(("gold", "d1-s0000")) < layers.index(("pass-a", "d1-s0000"))
    assert {r["doc_id"] for r in fast["test"]["sentences"].to_pylist()} == {"d2"}


def test_column_tables_equal_the_reference_rows_on_the_project_gold() -> None:
    fast, ref, fs, rs = fast_and_reference(Repo(ROOT))
    assert_same(fast, ref, fs, rs)
    assert fs.n > 10 and fs.picture is not None


def test_token_table_equals_token_row_on_tricky_texts() -> None:
    texts = TRICKY + [p.read_text(encoding="utf-8").splitlines()[0] for p in sorted((ROOT / "tests" / "texts").glob("*.txt"))]
    recs = [{"id": f"x-s{i:04d}", "doc_id": "x", "text": t, "entities": []} for i, t in enumerate(texts)]
    recs.append({"id": "y-s0000", "doc_id": "y", "text": TRICKY[0],
                 "entities": [{"start": 0, "end": 9, "label": "NORP"}, {"start": 15, "end": 24, "label": "GPE"},
                              {"start": 29, "end": 35, "label": "NORP"}, {"start": 33, "end": 39, "label": "DATE"}]})
    schema = next(c for c in configs() if c.name == "tokens").features().arrow_schema
    t = pa.Table.from_pylist(recs, schema=columns.token_read_schema())
    got = columns.token_table(t, schema)
    want = pa.Table.from_pylist([tables.token_row(r) for r in recs], schema=schema)
    assert got.to_pylist() == want.to_pylist() and got.nbytes == want.nbytes


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_unknown_label_is_a_one_line_error_naming_the_line(tmp_path: Path, jobs: int) -> None:
    repo = small_repo(tmp_path)
    path = repo.layer_file(GOLD, "d2")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace('"label":"ORG"', '"label":"BOGUS"')
    assert "BOGUS" in lines[1]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        build.write_configs(build.Source(repo), tmp_path / "out", jobs=jobs)
    assert err.value.where == "annotations/gold/d2.jsonl:2" and "BOGUS" in err.value.problem
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_malformed_line_is_the_readers_one_line_error(tmp_path: Path, jobs: int) -> None:
    repo = small_repo(tmp_path)
    path = repo.layer_file(GOLD, "d1")
    path.write_text(path.read_text(encoding="utf-8") + '{"id": "d1-s0002", \n', encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        build.write_configs(build.Source(repo), tmp_path / "out", jobs=jobs)
    assert err.value.where == "annotations/gold/d1.jsonl:3" and "not JSON" in err.value.problem
    assert "\n" not in str(err.value)


def test_a_label_outside_its_set_makes_the_fast_path_fall_back() -> None:
    from claimcorpus import features

    feats = features.sentence_features()
    rec = {"id": "a-s0000", "doc_id": "a", "index": 0, "text": "Kyiv", "start": 0, "end": 4, "hedges": [], "claims": [],
           "entities": [{"start": 0, "end": 4, "text": "Kyiv", "label": "NOPE"}], "hedged": False, "checkworthy": False}
    raw = columns.read([json.dumps(rec).encode()], columns.raw_schema(feats))
    with pytest.raises(columns.Fallback):
        columns.encode(raw, feats)
    with pytest.raises(columns.Fallback):
        columns.read([b'{"id": "a-s0000",\n'], columns.raw_schema(feats))
