"""Agreement figures against a small case computed by hand.

The document (one paragraph, three sentences; spaCy tokens with their offsets):

  s0 "Kyiv said Russia may attack soon."            Kyiv0-4 said5-9 Russia10-16 may17-20 attack21-27
                                                     soon28-32 .32-33                          (7 tokens)
  s1 "Officials reportedly met in Paris on Monday." Officials0-9 reportedly10-20 met21-24 in25-27
                                                     Paris28-33 on34-36 Monday37-43 .43-44     (8 tokens)
  s2 "The plan is a good one."                      The0-3 plan4-8 is9-11 a12-13 good14-18 one19-22 .22-23
                                                                                               (7 tokens)
  22 tokens in all.

Layer A                                          Layer B
  s0 Kyiv GPE, Russia GPE                          Kyiv ORG, Russia GPE
     may modal, scope 10-32 "Russia may attack soon"  may modal, scope 17-32 "may attack soon"
     claim 10-32 predictive                           claim 10-32 predictive
  s1 Paris GPE, Monday DATE                        "in Paris" GPE (25-33), Monday DATE
     reportedly evidential, scope 0-43                (no hedge)
     claim 0-43 factual                               claim 0-33 factual
  s2 (no entity)                                   "one" CARDINAL (19-22)
     claim 0-22 evaluative                            claim 0-22 factual
  flags hedged T,T,F  checkworthy T,T,F            hedged T,F,F  checkworthy T,T,F
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from claimcorpus.agreement import (
    Span,
    agreement,
    agreement_markdown,
    cohen_kappa,
    krippendorff_alpha,
    max_matching,
    overlap,
    report_json,
    spans,
    token_labels,
    token_offsets,
)
from claimcorpus.documents import ingest
from claimcorpus.errors import CorpusError
from claimcorpus.scaffold import init
from claimcorpus.layers import init_layer, read_segments, write_layer, with_flags
from claimcorpus.layout import Repo

TEXT = "Kyiv said Russia may attack soon. Officials reportedly met in Paris on Monday. The plan is a good one.\n"
DOC = "doc1"
SENTS = ["Kyiv said Russia may attack soon.", "Officials reportedly met in Paris on Monday.", "The plan is a good one."]
AUTHOR = {"type": "author"}


def ent(s: int, start: int, end: int, label: str) -> dict:
    return {"start": start, "end": end, "text": SENTS[s][start:end], "label": label}


def hedge(s: int, start: int, end: int, typ: str, scope: tuple[int, int]) -> dict:
    return {"start": start, "end": end, "text": SENTS[s][start:end], "type": typ,
            "scope_start": scope[0], "scope_end": scope[1]}


def claim(s: int, start: int, end: int, typ: str, checkworthy: bool) -> dict:
    return {"start": start, "end": end, "text": SENTS[s][start:end], "type": typ,
            "checkworthy": checkworthy, "source": AUTHOR}


LAYER_A = [
    {"entities": [ent(0, 0, 4, "GPE"), ent(0, 10, 16, "GPE")], "hedges": [hedge(0, 17, 20, "modal", (10, 32))],
     "claims": [claim(0, 10, 32, "predictive", True)]},
    {"entities": [ent(1, 28, 33, "GPE"), ent(1, 37, 43, "DATE")],
     "hedges": [hedge(1, 10, 20, "evidential", (0, 43))], "claims": [claim(1, 0, 43, "factual", True)]},
    {"entities": [], "hedges": [], "claims": [claim(2, 0, 22, "evaluative", False)]},
]
LAYER_B = [
    {"entities": [ent(0, 0, 4, "ORG"), ent(0, 10, 16, "GPE")], "hedges": [hedge(0, 17, 20, "modal", (17, 32))],
     "claims": [claim(0, 10, 32, "predictive", True)]},
    {"entities": [ent(1, 25, 33, "GPE"), ent(1, 37, 43, "DATE")], "hedges": [],
     "claims": [claim(1, 0, 33, "factual", True)]},
    {"entities": [ent(2, 19, 22, "CARDINAL")], "hedges": [], "claims": [claim(2, 0, 22, "factual", False)]},
]


def make_layer(repo: Repo, name: str, annotations: list[dict]) -> None:
    init_layer(repo, name, "annotator", name, guidelines_version="0.1", description="", doc_ids=[DOC])
    records = [with_flags({**{k: seg[k] for k in ("id", "doc_id", "index", "start", "end", "text")}, **ann})
               for seg, ann in zip(read_segments(repo, DOC), annotations, strict=True)]
    write_layer(repo, name, DOC, records, overwrite=True)


def sentences_repo(root) -> Repo:
    """A repository at ``root`` holding TEXT as document DOC, ingested for real (shared by the scorer's tests)."""
    src = root / "in" / f"{DOC}.txt"
    src.parent.mkdir()
    src.write_text(TEXT, encoding="utf-8")
    r = Repo(root)
    init(root, force=True)  # in/ already holds the source text
    ingest(r, src)
    return r


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Repo:
    r = sentences_repo(tmp_path_factory.mktemp("repo"))
    assert [s["text"] for s in read_segments(r, DOC)] == SENTS
    make_layer(r, "a", LAYER_A)
    make_layer(r, "b", LAYER_B)
    empty = [{"entities": [], "hedges": [], "claims": []}] * 3
    make_layer(r, "empty", empty)
    # Entities at positions layer A never uses: disjoint from A.
    make_layer(r, "disjoint", [{"entities": [ent(0, 5, 9, "GPE")], "hedges": [hedge(0, 28, 32, "modal", (28, 32))],
                                "claims": []}, {"entities": [], "hedges": [], "claims": []},
                               {"entities": [ent(2, 4, 8, "ORG")], "hedges": [], "claims": []}])
    return r


@pytest.fixture
def report(repo: Repo) -> dict:  # per test (cheap): mutation testing maps each test to the code it runs
    return agreement(repo, "a", "b")


def figures(report: dict, kind: str, how: str, lab: str) -> tuple:
    m = report["spans"][kind][how][lab]
    return m["matched"], m["precision"], m["recall"], m["f1"]


def test_alignment(report: dict) -> None:
    assert report["documents"] == [DOC]
    assert (report["n_sentences"], report["n_tokens"]) == (3, 7 + 8 + 7)
    assert report["notes"] == []


def test_entity_spans_by_hand(report: dict) -> None:
    # |A| = 4 (Kyiv GPE, Russia GPE, Paris GPE, Monday DATE); |B| = 5 (Kyiv ORG, Russia GPE, "in Paris" GPE,
    # Monday DATE, one CARDINAL).  P = m/5, R = m/4, F1 = 2m/9.
    e = report["spans"]["entities"]
    assert (e["n_a"], e["n_b"]) == (4, 5)
    # exact, labelled: Russia, Monday -> m=2: P=2/5=0.4, R=2/4=0.5, F1=4/9
    assert figures(report, "entities", "exact", "labelled") == pytest.approx((2, 0.4, 0.5, 4 / 9))
    # exact, no label: + Kyiv -> m=3: P=0.6, R=0.75, F1=6/9
    assert figures(report, "entities", "exact", "unlabelled") == pytest.approx((3, 0.6, 0.75, 6 / 9))
    # overlap, labelled: Russia, Monday, Paris~"in Paris" (share token Paris, both GPE) -> m=3
    assert figures(report, "entities", "overlap", "labelled") == pytest.approx((3, 0.6, 0.75, 6 / 9))
    # overlap, no label: + Kyiv -> m=4: P=4/5, R=4/4, F1=8/9
    assert figures(report, "entities", "overlap", "unlabelled") == pytest.approx((4, 0.8, 1.0, 8 / 9))


def test_hedge_and_claim_spans_by_hand(report: dict) -> None:
    # cues: |A|=2 (may, reportedly), |B|=1 (may); m=1 in every mode: P=1/1, R=1/2, F1=2/3
    for how in ("exact", "overlap"):
        for lab in ("labelled", "unlabelled"):
            assert figures(report, "hedge_cues", how, lab) == pytest.approx((1, 1.0, 0.5, 2 / 3))
    # scopes: A 10-32, 0-43; B 17-32.  Exact: none -> 0, 0, 0.  Overlap: 17-32 shares may/attack/soon
    # with 10-32 (both modal) -> m=1: P=1, R=0.5, F1=2/3
    assert figures(report, "hedge_scopes", "exact", "labelled") == (0, 0.0, 0.0, 0.0)
    assert figures(report, "hedge_scopes", "overlap", "labelled") == pytest.approx((1, 1.0, 0.5, 2 / 3))
    # claims: |A|=|B|=3, so P=R=F1=m/3.  exact+label: s0 only (s2 differs in type) -> 1/3;
    # exact, no label: s0, s2 -> 2/3; overlap+label: s0, s1 (0-43 vs 0-33, both factual) -> 2/3;
    # overlap, no label: all three -> 1
    assert figures(report, "claims", "exact", "labelled") == pytest.approx((1, 1 / 3, 1 / 3, 1 / 3))
    assert figures(report, "claims", "exact", "unlabelled") == pytest.approx((2, 2 / 3, 2 / 3, 2 / 3))
    assert figures(report, "claims", "overlap", "labelled") == pytest.approx((2, 2 / 3, 2 / 3, 2 / 3))
    assert figures(report, "claims", "overlap", "unlabelled") == pytest.approx((3, 1.0, 1.0, 1.0))


def test_sentence_flags_by_hand(report: dict) -> None:
    # hedged: A = T,T,F; B = T,F,F.  p_o = 2/3.  p_e = P_A(T)P_B(T) + P_A(F)P_B(F) = 2/3*1/3 + 1/3*2/3 = 4/9.
    # kappa = (2/3 - 4/9) / (1 - 4/9) = (2/9) / (5/9) = 0.4
    # alpha (nominal, 2 coders): coincidences o_TT = 2 (s0), o_FF = 2 (s2), o_TF = o_FT = 1 (s1); n = 6,
    # n_T = n_F = 3.  alpha = 1 - (n-1) * (o_TF+o_FT) / (n_T n_F + n_F n_T) = 1 - 5*2/18 = 4/9
    h = report["categorical"]["hedged"]
    assert (h["n"], h["observed"], h["kappa"], h["alpha"]) == pytest.approx((3, 2 / 3, 0.4, 4 / 9))
    # checkworthy: T,T,F in both: identical with two classes -> kappa = alpha = 1
    c = report["categorical"]["checkworthy"]
    assert (c["kappa"], c["alpha"], c["note"]) == (pytest.approx(1.0), pytest.approx(1.0), None)


def test_claim_type_kappa_by_hand(report: dict) -> None:
    # exact-span pairs: (predictive, predictive), (evaluative, factual).  p_o = 1/2;
    # p_e = P_A(pred)P_B(pred) = 1/2*1/2 = 1/4 (no other shared type).  kappa = (1/2-1/4)/(3/4) = 1/3
    assert report["categorical"]["claim_type_exact"]["kappa"] == pytest.approx(1 / 3)
    # overlap pairs: + (factual, factual).  p_o = 2/3; A = {pred, fact, eval}, B = {pred, fact, fact}:
    # p_e = 1/3*1/3 + 1/3*2/3 = 1/3.  kappa = (2/3 - 1/3)/(2/3) = 1/2
    assert report["categorical"]["claim_type_overlap"]["kappa"] == pytest.approx(0.5)
    assert report["categorical"]["claim_type_overlap"]["n"] == 3


def test_token_level_by_hand(report: dict) -> None:
    # Entity label per token (22 units).  Disagreements: Kyiv GPE/ORG, in O/GPE, one O/CARDINAL.
    # A: O 18, GPE 3, DATE 1.  B: O 16, GPE 3, DATE 1, ORG 1, CARDINAL 1.
    # kappa: p_o = 19/22; p_e = (18*16 + 3*3 + 1*1)/22^2 = 298/484; kappa = (418-298)/(484-298) = 120/186
    # alpha: pooled n_c: O 34, GPE 6, DATE 2, ORG 1, CARDINAL 1; n = 44; sum_{c!=k} n_c n_k = 44^2 - (34^2
    # + 6^2 + 2^2 + 1 + 1) = 1936 - 1198 = 738; off-diagonal coincidences 2 per disagreeing unit = 6;
    # alpha = 1 - (n-1)*6/738 = 1 - 258/738 = 480/738
    e = report["categorical"]["entity_tokens"]
    assert (e["n"], e["kappa"], e["alpha"]) == pytest.approx((22, 120 / 186, 480 / 738))
    # Hedge type per token: only "reportedly" differs (evidential/O).  A: modal 1, evidential 1, O 20;
    # B: modal 1, O 21.  kappa = (21/22 - (1*1 + 20*21)/484) / (1 - 421/484) = (462-421)/(484-421) = 41/63
    # alpha: n_c modal 2, evidential 1, O 41; 1936 - (4+1+1681) = 250; alpha = 1 - 43*2/250 = 164/250
    h = report["categorical"]["hedge_type_tokens"]
    assert (h["n"], h["kappa"], h["alpha"]) == pytest.approx((22, 41 / 63, 164 / 250))


def manual_kappa(a: list, b: list) -> float:
    n = len(a)
    p_o = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    p_e = sum(ca[v] * cb[v] for v in ca) / n**2
    return (p_o - p_e) / (1 - p_e)


def test_kappa_matches_the_formula() -> None:
    a = list("AABBCCAOOOOBOC")
    b = list("ABBBCOAOOOCBOO")
    assert cohen_kappa(a, b) == pytest.approx(manual_kappa(a, b))


def test_identical_layers(repo: Repo) -> None:
    r = agreement(repo, "a", "a")
    for kind, s in r["spans"].items():
        for how in ("exact", "overlap"):
            for lab in ("labelled", "unlabelled"):
                assert s[how][lab]["f1"] == 1.0, (kind, how, lab)
    for name, c in r["categorical"].items():
        assert c["kappa"] == pytest.approx(1.0) and c["alpha"] == pytest.approx(1.0), name


def test_single_class_is_undefined_with_a_note(repo: Repo) -> None:
    r = agreement(repo, "empty", "empty")
    assert r["spans"]["entities"]["exact"]["labelled"] == {"matched": 0, "precision": None, "recall": None, "f1": None}
    hedged = r["categorical"]["hedged"]
    assert (hedged["kappa"], hedged["alpha"], hedged["observed"]) == (None, None, 1.0)
    assert "undefined" in hedged["note"]
    assert r["categorical"]["claim_type_exact"] == {"unit": "claim pair (exact span)", "n": 0, "observed": None,
                                                    "kappa": None, "alpha": None, "note": "no units to compare"}
    assert cohen_kappa([], []) is None and krippendorff_alpha(["x"], ["x"]) is None


def test_disjoint_layers(repo: Repo) -> None:
    r = agreement(repo, "a", "disjoint")
    for kind in ("entities", "hedge_cues"):
        for how in ("exact", "overlap"):
            assert r["spans"][kind][how]["unlabelled"]["f1"] == 0.0, kind
    assert r["spans"]["claims"]["exact"]["unlabelled"] == {"matched": 0, "precision": None, "recall": 0.0, "f1": 0.0}


def test_matching_is_maximum_not_greedy() -> None:
    # a0 touches tokens {0,1}, a1 only {1}; b0 touches {1}, b1 {0}.  Greedy a0->b0 would strand a1;
    # the maximum matching pairs a0-b1 and a1-b0.
    a = [Span(0, 9, "X", frozenset({0, 1})), Span(5, 9, "X", frozenset({1}))]
    b = [Span(5, 9, "X", frozenset({1})), Span(0, 4, "X", frozenset({0}))]
    assert max_matching(a, b, overlap) == [(0, 1), (1, 0)]


def test_outputs(repo: Repo, report: dict) -> None:
    data = json.loads(report_json(report))
    assert set(data) == {"a", "b", "documents", "tokenizer", "n_sentences", "n_tokens", "spans", "categorical", "notes"}
    assert report_json(agreement(repo, "a", "b")) == report_json(report)
    md = agreement_markdown(report)
    assert "| Entities | exact | 4 | 5 | 0.400 | 0.500 | 0.444 | 0.600 | 0.750 | 0.667 |" in md
    # the overlap figures of test_entity_spans_by_hand, on the row the header's "token overlap =" defines
    assert "| Entities | token overlap | 4 | 5 | 0.600 | 0.750 | 0.667 | 0.800 | 1.000 | 0.889 |" in md
    assert "token overlap = at least one shared token" in md
    assert "| Sentence flag `hedged` | sentence | 3 | 0.667 | 0.400 | 0.444 |" in md


def test_cli_and_missing_layer(repo: Repo) -> None:
    from typer.testing import CliRunner

    from claimcorpus.cli import app

    res = CliRunner().invoke(app, ["agreement", "a", "b", "--json", "--root", str(repo.root)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["spans"]["claims"]["n_a"] == 3
    res = CliRunner().invoke(app, ["agreement", "a", "b", "--root", str(repo.root)])
    assert res.exit_code == 0 and "Krippendorff" in res.stdout
    with pytest.raises(CorpusError, match="no such layer"):
        agreement(repo, "a", "nope")


def test_nested_spans_label_each_token_with_the_first_span() -> None:
    """X 0:9 covers 'Kyiv city', Y 5:9 only 'city': the first span in sorted order, X, labels both tokens."""
    text = "Kyiv city"
    rec = {"entities": [{"start": 5, "end": 9, "label": "Y"}, {"start": 0, "end": 9, "label": "X"}]}
    tokens = token_offsets(text)
    assert tokens == [(0, 4), (5, 9)]
    assert token_labels(len(tokens), spans(rec, "entities", tokens)) == ["X", "X"]
    assert token_labels(3, spans(rec, "entities", tokens)) == ["X", "X", "O"]


def test_markdown_right_aligns_the_number_columns(report: dict) -> None:
    """Layer/Match and Comparison/Unit are words (left); counts and figures from the third column on are numbers."""
    lines = agreement_markdown(report).splitlines()
    rules = [line for line in lines if line.startswith("|---")]
    assert rules == ["|---|---|" + "---:|" * 8, "|---|---|" + "---:|" * 4]
    assert lines[lines.index(rules[0]) - 1].startswith("| Layer | Match | A | B |")
    assert lines[lines.index(rules[1]) - 1].startswith("| Comparison | Unit | n |")


def test_markdown_lists_each_note_as_a_bullet(repo: Repo) -> None:
    r = agreement(repo, "empty", "empty")  # no spans at all: several categorical units are undefined, with a note
    notes = agreement_markdown(r).split("\n\n")[-1].splitlines()
    assert len(notes) >= 2 and all(line.startswith("- ") for line in notes), notes
    assert f"- Sentence flag `hedged`: {r['categorical']['hedged']['note']}" in notes


def test_report_json_is_indented_sorted_and_rounded(report: dict) -> None:
    text = report_json(report)
    # keys sorted, so "a" (the first layer's name) comes first, indented by two spaces
    assert text.splitlines()[:2] == ["{", '  "a": "a",']
    # entity exact labelled F1 = 2 * 2 / (4 + 5) = 0.4444...: six decimal places
    assert '"f1": 0.444444' in text and "0.4444444" not in text


def test_spans_at_identical_offsets_stay_paired() -> None:
    # a0 0:9 {0,1} has its exact twin b1 0:9; a1 5:9 {1} overlaps only b1. Re-pairing a0 with b0 0:4 {0} would
    # free b1 for a1 and match one more pair, but the documented rule keeps the exact pair: a1 stays unmatched.
    a = [Span(0, 9, "X", frozenset({0, 1})), Span(5, 9, "X", frozenset({1}))]
    b = [Span(0, 4, "X", frozenset({0})), Span(0, 9, "X", frozenset({0, 1}))]
    assert max_matching(a, b, overlap) == [(0, 1)]


def test_a_failed_augmenting_path_keeps_the_earlier_pair() -> None:
    """a0 and a1 both overlap only b0 ({1}): a0 takes it first; a1's search finds no augmenting path (a0 has no
    other candidate), so a0 keeps b0 and a1 stays unmatched, rather than a1 taking b0 from a0."""
    a = [Span(0, 9, "X", frozenset({0, 1})), Span(5, 12, "X", frozenset({1, 2}))]
    b = [Span(5, 9, "X", frozenset({1}))]
    assert max_matching(a, b, overlap) == [(0, 0)]
