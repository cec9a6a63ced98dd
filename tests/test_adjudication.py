"""Adjudication as data: worksheet -> decisions -> gold, on the seed and on hostile decision files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from claimcorpus.textio import dumps
from conftest import ROOT, tree
from ls_server import make_seed_repo, run_main

DECISIONS = "annotations/adjudication.jsonl"
SEED = "000_418805c56f629208"
# The seven disagreements annotations/ADJUDICATION.md listed when it was written by hand (D1-D7):
# (sentence, kind, pass-a cue/claim text or None, pass-b text or None)
HAND_LOG = [("s0000", "hedges", "signifying", None), ("s0000", "hedges", "potential", "potential"),
            ("s0003", "hedges", "consider", None), ("s0004", "hedges", "indicates", "indicates"),
            ("s0009", "hedges", "signifying", None),
            ("s0010", "claims", None, "which could harm domestic political stability and unity"),
            ("s0014", "hedges", "potential", "potential")]


@pytest.fixture
def seed(tmp_path):
    repo = make_seed_repo(tmp_path / "repo")
    shutil.copytree(ROOT / "schema", repo.root / "schema")
    return repo


def ok(*args) -> str:
    res = run_main(*args)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def refused(*args) -> str:
    res = run_main(*args)
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stdout + res.stderr
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1 and ". Fix: " in res.stderr
    return res.stderr


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_worksheet_lists_the_disagreements_of_the_hand_log(seed, tmp_path):
    assert "outside the repository" in refused("agreement", "pass-a", "pass-b", "--worksheet", tmp_path / "x.jsonl",
                                               "--root", seed.root)
    sheet = seed.root / "build" / "sheet.jsonl"
    ok("agreement", "pass-a", "pass-b", "--worksheet", sheet, "--json", "--root", seed.root)
    header, *items = lines(sheet)
    assert (header["record"], header["a"], header["b"]) == ("adjudication", "pass-a", "pass-b")
    got = [(i["sentence_id"][-5:], i["kind"], i["a"] and i["a"]["text"], i["b"] and i["b"]["text"]) for i in items]
    assert got == HAND_LOG
    segs = [json.loads(x) for x in (seed.segments_file(SEED)).read_text(encoding="utf-8").splitlines()]
    for item in items:
        assert item["decision"] is None and item["rules"] == []
        n = item["index"]
        assert item["text"] == segs[n]["text"]
        assert item["context"] == {"before": segs[n - 1]["text"] if n else None,
                                   "after": segs[n + 1]["text"] if n + 1 < len(segs) else None}
        for side in ("a", "b"):
            if item[side]:
                assert item["text"][item[side]["start"]:item[side]["end"]] == item[side]["text"]
    # the worksheet is never overwritten: it may hold decisions
    before = sheet.read_bytes()
    assert "exists" in refused("agreement", "pass-a", "pass-b", "--worksheet", sheet, "--root", seed.root)
    assert sheet.read_bytes() == before


def test_the_seed_gold_is_rebuilt_byte_for_byte_from_the_decisions(seed):
    committed = tree(ROOT / "annotations" / "gold")
    shutil.rmtree(seed.layer_dir("gold"))
    (seed.root / "annotations" / "ADJUDICATION.md").unlink()
    ok("adjudicate", "pass-a", "pass-b", "--decisions", seed.root / DECISIONS, "--root", seed.root)
    assert tree(seed.layer_dir("gold")) == committed  # the gold adjudicated by hand, from git
    assert (seed.root / "annotations" / "ADJUDICATION.md").read_bytes() == \
        (ROOT / "annotations" / "ADJUDICATION.md").read_bytes()
    assert "up to date" in ok("adjudicate", "pass-a", "pass-b", "--decisions", seed.root / DECISIONS, "--check",
                              "--root", seed.root)
    assert ok("validate", "--no-gx", "--root", seed.root).startswith("valid:")


def test_the_checkout_agrees_with_its_decisions():
    assert "up to date" in ok("adjudicate", "pass-a", "pass-b", "--decisions", ROOT / DECISIONS, "--check",
                              "--root", ROOT)


def test_decisions_choose_what_gold_gets(seed, tmp_path):
    """Flip D1 to pass-a, D6 to neither, D2 to 'other' with a scope of its own: gold follows each."""
    recs = lines(seed.root / DECISIONS)
    by_id = {r.get("id"): r for r in recs}
    by_id["D1"]["decision"] = "a"
    by_id["D6"]["decision"] = "neither"
    d2 = by_id["D2"]
    own = {**d2["a"], "scope_start": d2["a"]["start"], "scope_end": d2["a"]["end"]}
    d2.update(decision="other", gold=[own])
    path = tmp_path / "decisions.jsonl"
    path.write_text("".join(dumps(r) + "\n" for r in recs), encoding="utf-8")
    before = tree(seed.layer_dir("gold"))
    assert "exists with other annotations" in refused("adjudicate", "pass-a", "pass-b", "--decisions", path,
                                                      "--root", seed.root)
    assert tree(seed.layer_dir("gold")) == before
    ok("adjudicate", "pass-a", "pass-b", "--decisions", path, "--overwrite", "--root", seed.root)
    gold = [json.loads(x) for x in seed.layer_file("gold", SEED).read_text(encoding="utf-8").splitlines()]
    s0 = {(h["text"], h["scope_start"], h["scope_end"]) for h in gold[0]["hedges"]}
    assert ("signifying", 86, 150) in s0 and ("potential", 111, 120) in s0
    assert all(c["text"] != by_id["D6"]["b"]["text"] for c in gold[10]["claims"])
    # the untouched decisions still give what the passes gave
    s4 = {(h["text"], h["scope_end"]) for h in gold[4]["hedges"]}
    assert ("indicates", by_id["D4"]["b"]["scope_end"]) in s4
    assert "**neither**" in (seed.root / "annotations" / "ADJUDICATION.md").read_text(encoding="utf-8")


def edited(seed, tmp_path, change) -> Path:
    recs = lines(seed.root / DECISIONS)
    change({r.get("id"): r for r in recs})
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


@pytest.mark.parametrize("change, says", [
    (lambda d: d["D3"].update(rules=["HEDGE-99"]), "rule 'HEDGE-99' is not in annotations/GUIDELINES.md"),
    (lambda d: d["N2"].update(rules=[]), "not a list of guideline rule ids"),
    (lambda d: d["D4"].update(decision=None), "D4 has decision None"),
    (lambda d: d["D5"].update(decision="other"), "without a 'gold' list"),
    (lambda d: d["D7"]["a"].update(scope_start=0), "no decision for a hedge scope"),
], ids=["unknown-rule", "no-rule", "undecided", "other-without-gold", "stale"])
def test_bad_decisions_are_refused_and_nothing_is_written(seed, tmp_path, change, says):
    path = edited(seed, tmp_path, change)
    before = tree(seed.root / "annotations")
    assert says in refused("adjudicate", "pass-a", "pass-b", "--decisions", path, "--overwrite", "--root", seed.root)
    assert tree(seed.root / "annotations") == before


def test_decisions_for_other_layers_are_refused(seed):
    assert "not pass-b vs pass-a" in refused("adjudicate", "pass-b", "pass-a", "--decisions", seed.root / DECISIONS,
                                             "--root", seed.root)


def test_a_gold_span_nobody_decided_is_a_finding(seed):
    path = seed.layer_file("gold", SEED)
    recs = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    text = recs[2]["text"]
    start = text.index("rudimentary")
    recs[2]["entities"].append({"start": start, "end": start + 11, "text": "rudimentary", "label": "NORP"})
    recs[7]["hedges"] = []  # drops cues both passes agree on
    recs[7]["hedged"] = False
    path.write_text("".join(dumps(r) + "\n" for r in recs), encoding="utf-8")
    res = run_main("validate", "--no-gx", "--root", seed.root)
    assert res.returncode == 1
    found = [x for x in res.stdout.splitlines() if " E330 " in x]
    assert any("'rudimentary' (NORP" in x and "s0002" in x for x in found)
    assert any("s0007" in x and "in both pass-a and pass-b but not in gold" in x for x in found)
