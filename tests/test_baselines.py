"""Baselines and `claimcorpus preannotate`: the lexicon and gazetteer come from the guidelines, each
predictor is checked on sentences written here, and a spaCy pipeline trained in the test is loaded
by its path (no download), written as a valid layer, and its printed P/R checked by hand."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT, run_cli
from test_agreement import DOC, LAYER_A, SENTS, make_layer, sentences_repo

from claimcorpus import baselines
from claimcorpus.errors import CorpusError
from claimcorpus.layers import read_layer
from claimcorpus.layout import Repo
from claimcorpus.validation.repository import Validator

GUIDE = (ROOT / "annotations" / "GUIDELINES.md").read_text(encoding="utf-8")


def rule_text(rule: str) -> str:
    start = GUIDE.index(f"**{rule} ")
    return GUIDE[start:GUIDE.index("\n- **", start + 1)].lower()


def test_lexicon_entries_are_in_their_rules():
    lex = baselines.hedge_lexicon(ROOT)
    assert len(lex) > 40
    for word, typ in lex.items():
        rule = {v: k for k, v in baselines.HEDGE_RULES.items()}[typ]
        assert word.replace("apparently", "apparent(ly)") in rule_text(rule) or word == "apparent", (word, rule)
    # the guidelines' own examples of each type, read off the text by hand
    assert (lex["might"], lex["perhaps"], lex["allegedly"], lex["roughly"]) == ("modal", "epistemic", "evidential", "approximator")
    assert lex["according to"] == "evidential" and lex["cannot rule out"] == "epistemic"


def test_gazetteer_entries_are_bracketed_examples():
    gaz = baselines.gazetteer(ROOT)
    for text, label in gaz.items():
        assert f"[{text}]{label}" in GUIDE
    assert gaz["Kremlin"] == "ORG" and gaz["Jane Doe"] == "PERSON"


def rec(text: str) -> dict:
    return {"id": "t-s0000", "doc_id": "t", "index": 0, "start": 0, "end": len(text), "text": text,
            "entities": [], "hedges": [], "claims": [], "hedged": False, "checkworthy": False}


def test_lexicon_and_gazetteer_on_own_text():
    text = "Officials in Paris reportedly said prices may rise by about 7% according to the Kremlin."
    predict, _ = baselines.predictor("baseline:all", ROOT, [], [rec(text)])
    out = predict(rec(text))
    end = len(text) - 1  # the final "." is left out of scopes and of the majority claim
    cues = [(text[h["start"]:h["end"]], h["type"], h["scope_end"]) for h in out["hedges"]]
    assert cues == [("reportedly", "evidential", end), ("may", "modal", end), ("about", "approximator", end),
                    ("according to", "evidential", end)]
    assert [(e["text"], e["label"]) for e in out["entities"]] == [("Paris", "GPE"), ("Kremlin", "ORG")]
    assert out["claims"][0]["end"] == end and out["hedged"] is True
    # "May" the month is not the modal, but the lexicon ignores case: a baseline's known error
    assert [h["text"] for h in predict(rec("It opened in May 2020."))["hedges"]] == ["May"]


def test_majority_counts_claim_types_and_sentence_flags():
    a = {**rec("A."), "claims": [{"type": "evaluative", "checkworthy": False}], "checkworthy": False}
    b = {**rec("B."), "claims": [{"type": "evaluative", "checkworthy": True}], "checkworthy": True}
    c = {**rec("C."), "claims": [{"type": "factual", "checkworthy": True}], "checkworthy": True}
    assert baselines.majority([], [a, b, c]) == ("evaluative", True, "the evaluated gold, as the train split is empty")
    assert baselines.majority([a], [b, c])[:2] == ("evaluative", False)


def test_unknown_baseline_and_missing_pipeline():
    with pytest.raises(CorpusError, match="no such baseline"):
        baselines.predictor("baseline:nope", ROOT, [], [])
    with pytest.raises(CorpusError, match="spaCy cannot load"):
        baselines.predictor("xx_no_such_pipeline", ROOT, [], [])


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Repo:
    r = sentences_repo(tmp_path_factory.mktemp("pre"))
    make_layer(r, "gold", LAYER_A)
    return r


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """A tiny NER pipeline trained here on sentences written here, saved to disk."""
    import spacy
    from spacy.training import Example

    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    train = [("Kyiv said the talks failed.", [(0, 4, "GPE")]), ("Russia may send troops.", [(0, 6, "GPE")]),
             ("Leaders met in Paris on Friday.", [(15, 20, "GPE"), (24, 30, "DATE")]),
             ("Berlin and Kyiv agreed on Monday.", [(0, 6, "GPE"), (11, 15, "GPE"), (26, 32, "DATE")])]
    examples = [Example.from_dict(nlp.make_doc(t), {"entities": ents}) for t, ents in train]
    nlp.initialize(lambda: examples)
    for _ in range(40):
        nlp.update(examples, drop=0.0)
    path = tmp_path_factory.mktemp("model") / "tiny-ner"
    nlp.to_disk(path)
    return path


def test_preannotate_with_a_spacy_pipeline_by_path(repo, pipeline):
    import spacy

    res = run_cli("preannotate", "--model", str(pipeline), "--root", repo.root)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("wrote layer pred-tiny-ner (1 documents): spaCy pipeline")
    layer = read_layer(repo, "pred-tiny-ner", DOC)
    meta = json.loads((repo.layer_dir("pred-tiny-ner") / "layer.json").read_text(encoding="utf-8"))
    assert meta["kind"] == "prediction" and meta["annotator"] == str(pipeline)
    assert [f for f in Validator(repo).run() if "pred-tiny-ner" in f.file] == []
    # the layer holds exactly what the pipeline finds, run here on each sentence
    nlp = spacy.load(pipeline)
    want = [[(e.start_char, e.end_char, e.label_) for e in nlp(s).ents] for s in SENTS]
    assert [[(e["start"], e["end"], e["label"]) for e in r["entities"]] for r in layer] == want
    # printed P/R: exact labelled matches counted here as a set intersection with gold (layer A)
    gold = {(i, e["start"], e["end"], e["label"]) for i, a in enumerate(LAYER_A) for e in a["entities"]}
    pred = {(i, s, e, lab) for i, ents in enumerate(want) for s, e, lab in ents}
    m = len(gold & pred)
    line = next(x for x in res.stdout.splitlines() if x.startswith("Entities, exact"))
    p, r = re.search(r"P (\S+) R (\S+)", line).groups()
    assert p == (f"{m / len(pred):.3f}" if pred else "n/a") and r == f"{m / len(gold):.3f}"


def test_preannotate_refuses_existing_layer_and_bad_name(repo):
    first = run_cli("preannotate", "--model", "baseline:majority", "--layer", "pred-maj", "--root", repo.root)
    assert first.returncode == 0, first.stderr
    again = run_cli("preannotate", "--model", "baseline:majority", "--layer", "pred-maj", "--root", repo.root)
    assert again.returncode == 1 and "exists" in again.stderr and "--overwrite" in again.stderr
    bad = run_cli("preannotate", "--model", "baseline:majority", "--layer", "Bad Name", "--root", repo.root)
    assert bad.returncode == 1 and bad.stderr.startswith("error: Bad Name: not a layer id")


def test_card_shows_the_baselines_table():
    card = (ROOT / "corpus" / "README.md").read_text(encoding="utf-8")
    section = card.split("## Baselines\n", 1)[1].split("\n## ", 1)[0]
    # majority says every sentence is check-worthy (most gold sentences are): P = k/n, R = 1, F1 = 2k/(k+n)
    gold = [json.loads(line) for line in (ROOT / "annotations/gold/000_418805c56f629208.jsonl").read_text().splitlines()]
    k, n = sum(r["checkworthy"] for r in gold), len(gold)
    assert k * 2 > n
    row = next(line for line in section.splitlines() if line.startswith("| Check-worthy sentences"))
    assert row.split(" | ")[3].startswith(f"{2 * k / (k + n):.3f} [")
    assert "pass-a vs gold" in section and "pass-b vs gold" in section


def test_prediction_layer_exports_to_label_studio_as_predictions(repo):
    res = run_cli("preannotate", "--model", "baseline:majority", "--layer", "pred-ls", "--root", repo.root)
    assert res.returncode == 0, res.stderr
    out = run_cli("ls", "export", "--prediction", "pred-ls", "--out", "-", "--root", repo.root)
    assert out.returncode == 0, out.stderr
    tasks = json.loads(out.stdout)
    assert [t["data"]["text"] for t in tasks] == SENTS
    assert all(t["predictions"][0]["model_version"] == "pred-ls" for t in tasks)
