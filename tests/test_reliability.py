"""Agreement among N layers (claimcorpus.reliability): figures over pass-a, pass-b and gold checked by hand."""

from __future__ import annotations

import json

import pytest
import spacy

from conftest import ROOT
from ls_server import run_main

SEED = "000_418805c56f629208"


def report(*layers: str, root=ROOT) -> dict:
    res = run_main("agreement", *layers, "--json", "--root", root)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def seed_report() -> dict:
    return report("pass-a", "pass-b", "gold")


def test_epistemic_cues_by_hand(seed_report):
    """pass-b has 11 epistemic cues (potentially x5, potential x2, perceived as, indicates, signifies, indicate);
    pass-a adds 'signifying' (s0000, D1), 'consider' (s0003, D3), 'signifying' (s0009, D5); gold keeps D3 and D5
    (annotations/ADJUDICATION.md). Cue offsets and types otherwise agree, so exact matches are 11, 13 and 11."""
    epi = seed_report["per_label"]["hedge_cues"]["epistemic"]
    assert epi["n"] == {"pass-a": 14, "pass-b": 11, "gold": 13}
    assert epi["f1"]["pass-a|pass-b"] == pytest.approx(2 * 11 / (14 + 11), abs=1e-6)
    assert epi["f1"]["pass-a|gold"] == pytest.approx(2 * 13 / (14 + 13), abs=1e-6)
    assert epi["f1"]["pass-b|gold"] == pytest.approx(2 * 11 / (11 + 13), abs=1e-6)
    # Krippendorff's alpha, binary, three coders, every token coded by all: the agreed cues cover m = 12 tokens
    # ('perceived as' is two); the three disputed one-token cues are valued (1,0,0), (1,0,1), (1,0,1), each giving
    # one 0-1 coincidence each way. n = 3 N values, n1 = 3 m + 5, alpha = 1 - (n - 1) * 6 / (2 n0 n1).
    nlp = spacy.blank("en")
    texts = [json.loads(x)["text"] for x in (ROOT / "annotations" / "gold" / f"{SEED}.jsonl").open(encoding="utf-8")]
    n = 3 * sum(len(nlp.make_doc(t)) for t in texts)
    n1 = 3 * 12 + 5
    assert epi["alpha"] == pytest.approx(1 - (n - 1) * 6 / (2 * (n - n1) * n1), abs=1e-6)


def test_predictive_claims_by_hand(seed_report):
    """D6: pass-b and gold have the nested predictive claim in s0010 that pass-a lacks; the rest agree."""
    pred = seed_report["per_label"]["claims"]["predictive"]
    assert pred["n"] == {"pass-a": 2, "pass-b": 3, "gold": 3}
    assert pred["f1"] == pytest.approx({"pass-a|pass-b": 4 / 5, "pass-a|gold": 4 / 5, "pass-b|gold": 1.0}, abs=1e-6)
    assert 0 < pred["alpha"] < 1  # the nested claim lies inside an evaluative one: its tokens still count
    for label in ("factual", "evaluative"):
        assert seed_report["per_label"]["claims"][label]["alpha"] == 1.0
    assert all(r["alpha"] == 1.0 for r in seed_report["per_label"]["entities"].values())  # no entity disagreement


def test_matrix_is_symmetric_and_orders_the_pairs(seed_report):
    pw = seed_report["pairwise"]
    for a in pw:
        for b in pw[a]:
            assert pw[a][b] == pw[b][a]
    # gold was adjudicated mostly towards pass-b (5 of 7 decisions): it agrees more with pass-b than with pass-a
    assert pw["pass-b"]["gold"]["f1"] > pw["pass-a"]["gold"]["f1"] > pw["pass-a"]["pass-b"]["f1"]
    assert seed_report["per_document"][SEED]["alpha"] == seed_report["alpha"]
    assert seed_report["per_document"][SEED]["n_units"] == seed_report["n_units"]


def test_identical_layers_agree_perfectly(tmp_path):
    import shutil

    for sub in ("schema", "seeds", "annotations"):
        shutil.copytree(ROOT / sub, tmp_path / sub)
    shutil.copy(ROOT / ".claimcorpus", tmp_path / ".claimcorpus")
    shutil.copytree(tmp_path / "annotations" / "gold", tmp_path / "annotations" / "copy")
    meta = json.loads((tmp_path / "annotations" / "copy" / "layer.json").read_text())
    (tmp_path / "annotations" / "copy" / "layer.json").write_text(json.dumps({**meta, "layer": "copy"}))
    r = report("gold", "copy", "pass-b", root=tmp_path)
    assert r["pairwise"]["gold"]["copy"] == {"alpha": 1.0, "f1": 1.0}
    assert r["pairwise"]["copy"]["pass-b"] == r["pairwise"]["gold"]["pass-b"]


def test_two_layers_keep_the_detailed_report_and_refusals():
    two = report("pass-a", "pass-b")
    assert "spans" in two and two["reliability"]["layers"] == ["pass-a", "pass-b"]
    for args in (("pass-a",), ("pass-a", "pass-a"), ("pass-a", "pass-b", "gold", "--worksheet", "build/x.jsonl")):
        res = run_main("agreement", *args, "--root", ROOT)
        assert res.returncode == 1 and res.stderr.startswith("error: ") and res.stderr.count("\n") == 1
    assert not (ROOT / "build" / "x.jsonl").exists()
