"""What the build code produces now (not the committed corpus/): a two-document repository in a temporary
folder, one document per split, sentences that do not start at 0, gold written by hand with offsets read
off the texts. The release is built by the library and read back with the real ``datasets.load_dataset``;
every row is checked against the document text and against hand-checked values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import IOB, ROOT, make_repo
from datasets import load_dataset

from claimcorpus.errors import CorpusError
from claimcorpus.layers import init_layer, read_layer, write_layer
from claimcorpus.layout import Repo

D1 = "Officials met in Geneva on Tuesday.\nKyiv said that talks may resume in March.\n"
D2 = "Markets fell sharply. The Harbor Bank may cut rates by June, analysts said.\n"


def span(text: str, start: int, piece: str, **extra) -> dict:
    assert text[start:start + len(piece)] == piece, (text, start, piece)
    return {"start": start, "end": start + len(piece), "text": piece, **extra}


def hand_gold(repo: Repo) -> dict[str, list[dict]]:
    init_layer(repo, "gold", "gold", "tester", guidelines_version="0.1", description="test", doc_ids=["d1", "d2"])
    d1, d2 = read_layer(repo, "gold", "d1"), read_layer(repo, "gold", "d2")
    s = d1[0]["text"]
    d1[0]["entities"] = [span(s, 17, "Geneva", label="GPE"), span(s, 27, "Tuesday", label="DATE")]
    s = d1[1]["text"]  # "Kyiv said that talks may resume in March."
    d1[1]["entities"] = [span(s, 0, "Kyiv", label="GPE"), span(s, 35, "March", label="DATE")]
    d1[1]["hedges"] = [span(s, 21, "may", type="modal", scope_start=21, scope_end=40)]
    d1[1]["claims"] = [span(s, 15, "talks may resume in March", type="predictive", checkworthy=False,
                            source=span(s, 0, "Kyiv", type="mention"))]
    d1[1]["hedged"] = True
    s = d2[1]["text"]  # "The Harbor Bank may cut rates by June, analysts said."
    d2[1]["entities"] = [span(s, 4, "Harbor Bank", label="ORG"), span(s, 33, "June", label="DATE")]
    d2[1]["hedges"] = [span(s, 16, "may", type="modal", scope_start=16, scope_end=37)]
    d2[1]["claims"] = [span(s, 0, "The Harbor Bank may cut rates by June", type="predictive", checkworthy=True,
                            source=span(s, 39, "analysts", type="mention"))]
    d2[1].update(hedged=True, checkworthy=True)
    write_layer(repo, "gold", "d1", d1, overwrite=True)
    write_layer(repo, "gold", "d2", d2, overwrite=True)
    return {"d1": d1, "d2": d2}


def build_and_load(tmp: Path) -> dict:
    from claimcorpus.build import build
    from claimcorpus.validation.repository import validate

    repo = make_repo(tmp, {"d1.txt": D1, "d2.txt": D2})
    gold = hand_gold(repo)
    (repo.annotations / "splits.json").write_text(json.dumps({"train": ["d1"], "validation": [], "test": ["d2"]}),
                                                  encoding="utf-8")
    assert validate(repo.root) == []
    build(repo)
    cache = tmp / "hf-cache"
    configs = ("sentences", "documents", "entities", "hedges", "claims", "tokens", "layers")
    return {**{c: load_dataset(str(repo.corpus), c, cache_dir=str(cache)) for c in configs}, "gold": gold}


def check_sentences_do_not_start_at_zero_and_each_split_holds_only_its_document(release: dict) -> None:
    sents = release["sentences"]
    assert set(sents) == {"train", "test"}  # the empty validation split is not written
    texts = {"train": D1, "test": D2}
    for split, doc in texts.items():
        rows = sents[split]
        assert [(r["doc_id"], r["index"], r["start"], r["end"]) for r in rows] == (
            [("d1", 0, 0, 35), ("d1", 1, 36, 77)] if split == "train" else [("d2", 0, 0, 21), ("d2", 1, 22, 75)])
        assert all(doc[r["start"]:r["end"]] == r["text"] for r in rows)
    for config in ("documents", "entities", "hedges", "claims", "tokens", "layers"):
        for split, want in (("train", "d1"), ("test", "d2")):
            assert {r["doc_id"] for r in release[config][split]} == {want}, (config, split)


def check_entity_rows_point_into_the_document(release: dict) -> None:
    for split, doc in (("train", D1), ("test", D2)):
        rows = release["entities"][split]
        label = rows.features["label"]
        got = [(r["text"], label.int2str(r["label"]), r["doc_start"], r["doc_end"]) for r in rows]
        assert all(doc[s:e] == t for t, _, s, e in got)
        assert got == ([("Geneva", "GPE", 17, 23), ("Tuesday", "DATE", 27, 34), ("Kyiv", "GPE", 36, 40),
                        ("March", "DATE", 71, 76)] if split == "train" else
                       [("Harbor Bank", "ORG", 26, 37), ("June", "DATE", 55, 59)])


def check_hedge_rows_have_document_scopes(release: dict) -> None:
    [h1], [h2] = release["hedges"]["train"], release["hedges"]["test"]
    assert (h1["doc_start"], h1["doc_end"], h1["doc_scope_start"], h1["doc_scope_end"]) == (57, 60, 57, 76)
    assert D1[57:76] == h1["scope_text"] == "may resume in March"
    assert (h2["doc_start"], h2["doc_end"], h2["doc_scope_start"], h2["doc_scope_end"]) == (38, 41, 38, 59)
    assert D2[38:59] == h2["scope_text"] == "may cut rates by June"
    assert (h2["scope_start"], h2["scope_end"]) == (16, 37)
    assert release["hedges"]["test"].features["type"].int2str(h2["type"]) == "modal"


def check_claim_rows_and_their_sources(release: dict) -> None:
    [c1], [c2] = release["claims"]["train"], release["claims"]["test"]
    feats = release["claims"]["test"].features
    assert (c1["doc_start"], c1["doc_end"], c1["text"]) == (51, 76, "talks may resume in March")
    assert (c1["source_start"], c1["source_end"], c1["source_text"]) == (0, 4, "Kyiv")
    assert (c2["doc_start"], c2["doc_end"], c2["checkworthy"]) == (22, 59, True)
    assert (c2["source_start"], c2["source_end"], c2["source_text"]) == (39, 47, "analysts")
    assert D2[22 + 39:22 + 47] == "analysts"
    assert feats["type"].int2str(c2["type"]) == "predictive" and feats["source_type"].int2str(c2["source_type"]) == "mention"


def decoded(row: dict, feats) -> dict:
    """A sentence row with its ClassLabel integers turned back into names (labels by the row's own features)."""
    ent, hed = feats["entities"].feature["label"], feats["hedges"].feature["type"]
    cla, src = feats["claims"].feature["type"], feats["claims"].feature["source"]["type"]
    out = {k: row[k] for k in ("id", "doc_id", "index", "start", "end", "text", "hedged", "checkworthy")}
    out["entities"] = [{**e, "label": ent.int2str(e["label"])} for e in row["entities"]]
    out["hedges"] = [{**h, "type": hed.int2str(h["type"])} for h in row["hedges"]]
    out["claims"] = [{**c, "type": cla.int2str(c["type"]), "source": {
        **{k: v for k, v in c["source"].items() if v is not None}, "type": src.int2str(c["source"]["type"])}}
        for c in row["claims"]]
    return out


def check_sentence_and_layer_rows_are_the_hand_made_gold(release: dict) -> None:
    for config in ("sentences", "layers"):
        for split, doc in (("train", "d1"), ("test", "d2")):
            rows = release[config][split]
            assert [decoded(r, rows.features) for r in rows] == release["gold"][doc], (config, split)
    assert {r["guidelines_version"] for r in release["layers"]["train"]} == {"0.1"}


def check_sentence_rows_keep_flags_and_span_labels(release: dict) -> None:
    rows = release["sentences"]["test"]
    label = rows.features["entities"].feature["label"]
    assert [(r["hedged"], r["checkworthy"]) for r in rows] == [(False, False), (True, True)]
    assert [(e["text"], label.int2str(e["label"])) for e in rows[1]["entities"]] == [("Harbor Bank", "ORG"), ("June", "DATE")]


def check_token_rows_decoded_with_hand_written_tag_names(release: dict) -> None:
    assert release["tokens"]["test"].features["ner_tags"].feature.names == IOB
    row = release["tokens"]["test"][1]
    assert list(zip(row["tokens"], (IOB[t] for t in row["ner_tags"]))) == [
        ("The", "O"), ("Harbor", "B-ORG"), ("Bank", "I-ORG"), ("may", "O"), ("cut", "O"), ("rates", "O"),
        ("by", "O"), ("June", "B-DATE"), (",", "O"), ("analysts", "O"), ("said", "O"), (".", "O")]
    assert row["token_starts"][:3] == [0, 4, 11]
    row = release["tokens"]["train"][1]
    assert [IOB[t] for t in row["ner_tags"]] == ["B-GPE", "O", "O", "O", "O", "O", "O", "B-DATE", "O"]


def check_document_rows(release: dict) -> None:
    [d1], [d2] = release["documents"]["train"], release["documents"]["test"]
    assert (d1["text"], d1["n_sentences"], d1["n_chars"]) == (D1, 2, len(D1))
    assert (d2["text"], d2["n_sentences"], d2["n_chars"]) == (D2, 2, len(D2))


def check_layer_rows(release: dict) -> None:
    rows = release["layers"]["test"]
    assert [(r["layer"], r["id"], r["annotator"]) for r in rows] == [("gold", "d2-s0000", "tester"),
                                                                     ("gold", "d2-s0001", "tester")]


def test_a_document_in_two_splits_is_refused(tmp_path: Path) -> None:
    from claimcorpus.build import build

    repo = make_repo(tmp_path, {"d1.txt": D1, "d2.txt": D2})
    hand_gold(repo)
    (repo.annotations / "splits.json").write_text(json.dumps({"train": ["d1", "d2"], "test": ["d2"]}),
                                                  encoding="utf-8")
    with pytest.raises(CorpusError, match="'d2' is in both 'train' and 'test'"):
        build(repo)
    assert not repo.corpus.exists()


def tags(text: str, entities: list[dict]) -> list[tuple[str, str]]:
    from claimcorpus.tables import token_row

    row = token_row({"id": "d-s0000", "doc_id": "d", "text": text, "entities": entities})
    assert all(text[s:s + len(t)] == t for t, s in zip(row["tokens"], row["token_starts"]))
    return [(t, IOB[i]) for t, i in zip(row["tokens"], row["ner_tags"])]


def test_two_entities_inside_one_token_the_first_keeps_it() -> None:
    """spaCy keeps 'KyivMoscow' whole: the token holds GPE 0:4 then ORG 4:10, and the first one tags it."""
    ents = [{"start": 4, "end": 10, "text": "Moscow", "label": "ORG"}, {"start": 0, "end": 4, "text": "Kyiv", "label": "GPE"}]
    assert tags("KyivMoscow talks", ents) == [("KyivMoscow", "B-GPE"), ("talks", "O")]


def test_an_entity_edge_inside_a_token_tags_the_whole_token() -> None:
    """'Ukrainian' inside the token 'Ukrainians' gives that token B-NORP; a two-token entity gets B then I."""
    ents = [{"start": 0, "end": 9, "text": "Ukrainian", "label": "NORP"},
            {"start": 17, "end": 29, "text": "Volodymyr Z.", "label": "PERSON"}]
    assert tags("Ukrainians voted Volodymyr Z. in.", ents) == [
        ("Ukrainians", "B-NORP"), ("voted", "O"), ("Volodymyr", "B-PERSON"), ("Z.", "I-PERSON"), ("in", "O"), (".", "O")]


SCHEMA = json.loads((ROOT / "schema" / "sentence.schema.json").read_text(encoding="utf-8"))["$defs"]


def check_columns_have_the_documented_types(release: dict) -> None:
    """The published contract (docs/data.md), written out here: int32 offsets, ClassLabels named as in schema/."""
    from datasets import ClassLabel, Features, List, Value

    i32, s, b = Value("int32"), Value("string"), Value("bool")
    cl = {name: ClassLabel(names=SCHEMA[name]["enum"]) for name in ("entity_label", "hedge_type", "claim_type",
                                                                       "source_type")}
    flat = {"sentence_id": s, "doc_id": s, "start": i32, "end": i32, "doc_start": i32, "doc_end": i32, "text": s}
    span = {"start": i32, "end": i32, "text": s}
    sentence = {"id": s, "doc_id": s, "index": i32, "text": s, "start": i32, "end": i32,
                "entities": List({**span, "label": cl["entity_label"]}),
                "hedges": List({**span, "type": cl["hedge_type"], "scope_start": i32, "scope_end": i32}),
                "claims": List({**span, "type": cl["claim_type"], "checkworthy": b,
                                "source": {"type": cl["source_type"], "start": i32, "end": i32, "text": s}}),
                "hedged": b, "checkworthy": b}
    want = {
        "sentences": sentence,
        "layers": {"layer": s, "annotator": s, "guidelines_version": s, **sentence},
        "documents": {"doc_id": s, "text": s, "path": s, "sha256_raw": s, "sha256_text": s, "n_chars": i32,
                      "n_sentences": i32, "language": s, "title": s, "source": s, "date": s, "license": s},
        "entities": {**flat, "label": cl["entity_label"]},
        "hedges": {**flat, "type": cl["hedge_type"], "scope_start": i32, "scope_end": i32, "doc_scope_start": i32,
                   "doc_scope_end": i32, "scope_text": s},
        "claims": {**flat, "type": cl["claim_type"], "checkworthy": b, "source_type": cl["source_type"],
                   "source_start": i32, "source_end": i32, "source_text": s},
        "tokens": {"id": s, "doc_id": s, "tokens": List(s), "token_starts": List(i32), "ner_tags": List(ClassLabel(names=IOB))},
    }
    for config, columns in want.items():
        for split in ("train", "test"):
            assert release[config][split].features == Features(columns), (config, split)


CHECKS = [check_sentences_do_not_start_at_zero_and_each_split_holds_only_its_document,
          check_entity_rows_point_into_the_document,
          check_hedge_rows_have_document_scopes,
          check_claim_rows_and_their_sources,
          check_sentence_and_layer_rows_are_the_hand_made_gold,
          check_sentence_rows_keep_flags_and_span_labels,
          check_token_rows_decoded_with_hand_written_tag_names,
          check_document_rows,
          check_layer_rows,
          check_columns_have_the_documented_types]


def test_rows_of_a_release_built_now(tmp_path: Path) -> None:
    """One build, every check on it: one test, so that mutation testing runs all of them against the build code."""
    release = build_and_load(tmp_path)
    for check in CHECKS:
        check(release)


def test_token_tags_equal_spacys_biluo_to_iob_on_every_gold_sentence() -> None:
    """tables.token_row sets IOB2 tags itself; spaCy's offsets_to_biluo_tags + biluo_to_iob is the reference."""
    import spacy
    from spacy.training import biluo_to_iob, offsets_to_biluo_tags

    from claimcorpus import features, tables
    from conftest import ROOT

    recs = [json.loads(line) for p in sorted((ROOT / "annotations" / "gold").glob("*.jsonl"))
            for line in p.read_text(encoding="utf-8").splitlines()]
    recs.append({"id": "x-s0000", "doc_id": "x", "text": "Ukrainians  in New  York and Soviet-era Kyiv-based firms.",
                 "entities": [{"start": 0, "end": 9, "label": "NORP"}, {"start": 15, "end": 24, "label": "GPE"},
                              {"start": 29, "end": 35, "label": "NORP"}, {"start": 33, "end": 39, "label": "DATE"},
                              {"start": 40, "end": 44, "label": "GPE"}]})
    names = features.iob_names()
    nlp = spacy.blank("en")  # the reference tokenizer, built here (tables uses tokens.nlp())
    for rec in recs:
        doc = nlp(rec["text"])
        spans, taken = [], set()
        for e in sorted(rec["entities"], key=lambda x: x["start"]):
            span = doc.char_span(e["start"], e["end"], alignment_mode="expand")
            if span is not None and not taken & set(range(span.start, span.end)):
                taken |= set(range(span.start, span.end))
                spans.append((span.start_char, span.end_char, e["label"]))
        want = biluo_to_iob(offsets_to_biluo_tags(doc, spans))
        assert [names[t] for t in tables.token_row(rec)["ner_tags"]] == want, rec["id"]
    assert len(recs) > 10


TRICKY = ["Ukrainians  in New  York and Soviet-era Kyiv-based firms.", "  leading spaces,\ttabs\t\tand a\u00a0no-break space ",
          "U.S.-led talks (in Kyiv's centre) cost $4.5bn — \"not enough\", he said...", "", " ", "a"]


def test_token_rows_are_spacys_tokens_and_char_span_expand() -> None:
    """token_row reads tokens as arrays and aligns spans itself: the tokens and starts must be spaCy's Token
    objects, and the alignment spaCy's ``Doc.char_span(alignment_mode="expand")`` for every (start, end) pair."""
    import spacy

    from claimcorpus import tables
    from conftest import ROOT

    nlp = spacy.blank("en")  # spaCy itself, not the project's cached copy
    texts = TRICKY + [json.loads(line)["text"] for p in sorted((ROOT / "annotations" / "gold").glob("*.jsonl"))
                      for line in p.read_text(encoding="utf-8").splitlines()]
    pairs = 0
    for text in texts:
        doc = nlp(text)
        row = tables.token_row({"id": "x", "doc_id": "x", "text": text, "entities": []})
        assert row["tokens"] == [t.text for t in doc] and row["token_starts"] == [t.idx for t in doc], text
        starts, lengths, spaces = ([t.idx for t in doc], [len(t) for t in doc], [len(t.whitespace_) for t in doc])
        for s in range(len(text) + 1):
            for e in range(s + 1, min(len(text), s + 40) + 1):
                span = doc.char_span(s, e, alignment_mode="expand")
                assert tables._expand(starts, lengths, spaces, s, e) == (
                    None if span is None else (span.start, span.end)), (text, s, e)
                pairs += 1
    assert pairs > 10_000


def test_config_finds_each_release_config_by_name() -> None:
    """configs.config(name) is the config the card publishes under that name, with the features the card declares."""
    import yaml

    from claimcorpus.configs import config

    card = (ROOT / "corpus" / "README.md").read_text(encoding="utf-8").split("---")[1]
    meta = yaml.safe_load(card)
    names = [c["config_name"] for c in meta["configs"]]
    assert names and [config(n).name for n in names] == names
    declared = {i["config_name"]: [f["name"] for f in i["features"]] for i in meta["dataset_info"]}
    assert all(list(config(n).features()) == declared[n] for n in names)
