"""`claimcorpus score` against a case computed by hand (the document and layers of test_agreement.py:
layer A is the reference, layer B the system), against `agreement`, and its format checker as an attacker."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import ROOT, run_cli
from test_agreement import DOC, LAYER_A, LAYER_B, make_layer, sentences_repo

from claimcorpus.agreement import agreement
from claimcorpus.layers import read_layer
from claimcorpus.layout import Repo
from claimcorpus.score import ScoreFindings, score, score_markdown

SCORES = [0.2, 0.9, 0.5]  # s1 (check-worthy) first, then s2 (not), then s0 (check-worthy)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Repo:
    r = sentences_repo(tmp_path_factory.mktemp("repo"))
    root = r.root
    make_layer(r, "gold", LAYER_A)
    make_layer(r, "b", LAYER_B)
    recs = read_layer(r, "b", DOC)
    pred = root / "pred.jsonl"
    pred.write_text("".join(json.dumps({**rec, "checkworthy_score": s}) + "\n" for rec, s in zip(recs, SCORES)),
                    encoding="utf-8")
    return r


@pytest.fixture(scope="module")
def report(repo: Repo) -> dict:
    return score(repo, repo.root / "pred.jsonl", "gold", resamples=300, seed=7)


def fig(report: dict, key: str) -> tuple:
    f = report["system"]["figures"][key]
    return f["matched"], f["gold"], f["predicted"], f["precision"], f["recall"], f["f1"]


def test_entities_by_hand(report):
    # gold: Kyiv GPE, Russia GPE, Paris GPE, Monday DATE; system: Kyiv ORG, Russia GPE, "in Paris" GPE,
    # Monday DATE, one CARDINAL
    assert fig(report, "entities.exact") == pytest.approx((2, 4, 5, 0.4, 0.5, 4 / 9))
    assert fig(report, "entities.overlap") == pytest.approx((3, 4, 5, 0.6, 0.75, 6 / 9))
    # GPE: gold 3, system 2; exact only Russia: P 1/2, R 1/3, F1 2/5; overlap adds Paris~"in Paris"
    assert fig(report, "entities.exact.GPE") == pytest.approx((1, 3, 2, 0.5, 1 / 3, 0.4))
    assert fig(report, "entities.overlap.GPE") == pytest.approx((2, 3, 2, 1.0, 2 / 3, 0.8))
    # ORG: nothing in gold, one predicted: P 0, R undefined, F1 0
    assert fig(report, "entities.exact.ORG") == (0, 0, 1, 0.0, None, 0.0)
    assert fig(report, "entities.exact.PERSON") == (0, 0, 0, None, None, None)


def test_hedges_by_hand(report):
    # cues: gold may, reportedly; system may -> P 1, R 1/2, F1 2/3
    assert fig(report, "hedge_cues.exact") == pytest.approx((1, 2, 1, 1.0, 0.5, 2 / 3))
    # CoNLL-2010 scope level: may's scope is 10-32 in gold, 17-32 in the system -> nothing matches
    assert fig(report, "hedge_cue_scope.exact") == (0, 2, 1, 0.0, 0.0, 0.0)
    # hedged sentences: gold T,T,F; system T,F,F -> tp 1: P 1, R 1/2
    assert fig(report, "hedged") == pytest.approx((1, 2, 1, 1.0, 0.5, 2 / 3))


def test_claims_by_hand(report):
    # spans: gold 10-32, 0-43, 0-22; system 10-32, 0-33, 0-22 -> exact 2 of 3
    assert fig(report, "claims.exact") == pytest.approx((2, 3, 3, 2 / 3, 2 / 3, 2 / 3))
    # per type, exact: predictive 1/1 -> F1 1; factual gold 1 (0-43) vs system 2 (0-33, 0-22) -> 0;
    # evaluative gold 1, system 0 -> 0.  Macro over the three types = 1/3
    assert report["system"]["figures"]["claims.type_macro_f1"]["f1"] == pytest.approx(1 / 3)


def test_checkworthiness_by_hand(report):
    assert fig(report, "checkworthy") == pytest.approx((2, 2, 2, 1.0, 1.0, 1.0))
    # ranking by score: s1 (T) 0.9, s2 (F) 0.5, s0 (T) 0.2 -> precision at the hits 1/1 and 2/3 -> AP 5/6
    assert report["system"]["ranked"] is True
    assert report["system"]["figures"]["checkworthy.average_precision"]["value"] == pytest.approx(5 / 6)
    assert report["system"]["figures"]["checkworthy.map"]["value"] == pytest.approx(5 / 6)  # one document


def test_map_by_hand():
    from claimcorpus.score import mean_average_precision

    # doc a ranks (T 0.9, F 0.1) -> AP 1; doc b ranks (F 0.8, T 0.7) -> precision at its hit 1/2 -> AP 0.5
    docs, truth, scores = ["a", "a", "b", "b"], [True, False, False, True], [0.9, 0.1, 0.8, 0.7]
    assert mean_average_precision(docs, truth, scores) == pytest.approx(0.75)
    # pooled instead: T .9, F .8, T .7, F .1 -> (1/1 + 2/3) / 2
    from claimcorpus.score import average_precision

    assert average_precision(truth, scores) == pytest.approx(5 / 6)
    assert mean_average_precision(["a"], [False], [0.3]) is None


def test_bootstrap_interval_recomputed_independently(report):
    # hedged per sentence (matched, gold, predicted): s0 (1,1,1), s1 (0,1,0), s2 (0,0,0); F1 = 2m/(g+p).
    # The documented scheme: one numpy default_rng(seed), each resample draws n sentence indices.
    counts = np.array([[1, 1, 1], [0, 1, 0], [0, 0, 0]])
    rng = np.random.default_rng(7)
    values = []
    for _ in range(300):
        m, g, p = counts[rng.integers(0, 3, 3)].sum(axis=0)
        if g + p:
            values.append(2 * m / (g + p))
    assert report["system"]["figures"]["hedged"]["ci95"] == pytest.approx(list(np.percentile(values, [2.5, 97.5])))


def test_same_seed_same_intervals_other_seed_differs(repo, report):
    again = score(repo, repo.root / "pred.jsonl", "gold", resamples=300, seed=7)
    assert again == report
    # with few draws of 3 sentences the percentiles depend on the seed
    five = [score(repo, repo.root / "pred.jsonl", "gold", resamples=5, seed=s)["system"]["figures"]["hedged"]["ci95"]
            for s in (1, 2, 3, 4)]
    assert len({tuple(c) for c in five}) > 1


def test_gold_against_gold_is_one_everywhere(repo):
    rep = score(repo, repo.layer_dir("gold"), "gold", resamples=20)
    for key, f in rep["system"]["figures"].items():
        value = f.get("f1", f.get("value"))
        if key in ("checkworthy.average_precision", "checkworthy.map"):
            assert value is None  # gold carries no scores
        elif f.get("gold", 1):
            assert value == 1.0, key


def test_ceiling_is_the_annotator_layer(repo, report):
    # layer b has kind "annotator": its ceiling row is the same comparison as the system here
    assert list(report["ceiling"]) == ["b vs gold"]
    assert report["ceiling"]["b vs gold"]["figures"]["entities.exact"]["f1"] == pytest.approx(4 / 9)
    md = score_markdown(report)
    assert "| Entities, exact, labelled (micro) | 4 | 5 | 0.400 | 0.500 | 0.444 |" in md


def test_seed_corpus_pass_b_matches_agreement():
    """On the real corpus, score(pass-b against gold) equals `agreement gold pass-b` wherever both measure."""
    repo = Repo(ROOT)
    rep = score(repo, repo.layer_dir("pass-b"), "gold", resamples=10)["system"]["figures"]
    agr = agreement(repo, "gold", "pass-b")["spans"]
    keys = {("entities", "exact", "labelled"): "entities.exact", ("entities", "overlap", "labelled"): "entities.overlap",
            ("entities", "exact", "unlabelled"): "entities.exact.unlabelled",
            ("hedge_cues", "exact", "unlabelled"): "hedge_cues.exact", ("hedge_cues", "exact", "labelled"): "hedge_cues.exact.typed",
            ("hedge_scopes", "exact", "labelled"): "hedge_scopes.exact", ("hedge_scopes", "overlap", "labelled"): "hedge_scopes.overlap",
            ("claims", "exact", "unlabelled"): "claims.exact", ("claims", "overlap", "unlabelled"): "claims.overlap",
            ("claims", "exact", "labelled"): "claims.exact.typed"}
    for (kind, how, lab), key in keys.items():
        a = agr[kind][how][lab]
        assert (rep[key]["matched"], rep[key]["precision"], rep[key]["recall"], rep[key]["f1"]) == \
               (a["matched"], a["precision"], a["recall"], a["f1"]), key
        assert (rep[key]["gold"], rep[key]["predicted"]) == (agr[kind]["n_a"], agr[kind]["n_b"])


# --- the format checker ---------------------------------------------------------------------------

def _lines(repo: Repo) -> list[dict]:
    return [json.loads(line) for line in (repo.root / "pred.jsonl").read_text(encoding="utf-8").splitlines()]


def _write(tmp_path, recs: list, extra: str = ""):
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs) + extra, encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "code"), [
    (lambda r: r[0]["entities"][0].update(label="CITY"), "E202"),
    (lambda r: r[0]["entities"][0].update(text="Kiev"), "E310"),
    (lambda r: r[1].update(checkworthy_score="high"), "E201"),
    (lambda r: r[1].update(start=r[1]["start"] + 1, end=r[1]["end"] + 1), "E306"),
    (lambda r: r.append(dict(r[0])), "E304"),
    (lambda r: r.pop(2), "E308"),
    (lambda r: r[0].update(doc_id="other", id="other-s0000"), "E301"),
    (lambda r: r[2].update(hedged=True), "E316"),
])
def test_format_checker_codes(repo, tmp_path, change, code):
    recs = _lines(repo)
    change(recs)
    with pytest.raises(ScoreFindings) as err:
        score(repo, _write(tmp_path, recs), "gold", resamples=5)
    assert code in {f.code for f in err.value.findings}


def test_format_checker_collects_every_finding_and_cli_prints_one_line_each(repo, tmp_path):
    recs = _lines(repo)
    recs[0]["entities"][0]["label"] = "CITY"
    recs[1]["start"] += 1
    recs[1]["end"] += 1
    path = _write(tmp_path, recs, extra="{not json\n")
    res = run_cli("score", path, "--root", repo.root)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    out = res.stdout.splitlines()
    assert [line.split(": ")[1].split()[0] for line in out] == ["E202", "E306", "E103", "E308"]
    assert res.stderr.startswith("error: ") and "nothing was scored" in res.stderr and len(res.stderr.splitlines()) == 1


def test_cli_json_and_out_file(repo, tmp_path):
    res = run_cli("score", repo.root / "pred.jsonl", "--root", repo.root, "--json", "--resamples", "50",
                  "--out", repo.root / "build" / "score.md")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["system"]["figures"]["claims.type_macro_f1"]["f1"] == pytest.approx(1 / 3, abs=1e-6)
    assert (repo.root / "build" / "score.md").read_text(encoding="utf-8").startswith("Scores of `pred.jsonl`")
    outside = run_cli("score", repo.root / "pred.jsonl", "--root", repo.root, "--out", tmp_path / "x.md")
    assert outside.returncode == 1 and "outside the repository" in outside.stderr and not (tmp_path / "x.md").exists()


def test_missing_predictions_and_layer_folder(repo, tmp_path):
    res = run_cli("score", tmp_path / "nope.jsonl", "--root", repo.root)
    assert res.returncode == 1 and "E101" in res.stdout
    folder = tmp_path / "layer"
    shutil.copytree(repo.layer_dir("b"), folder)
    (folder / "layer.json").write_text('{"layer": 3}', encoding="utf-8")
    res = run_cli("score", folder, "--root", repo.root)
    assert res.returncode == 1 and "E201" in res.stdout
