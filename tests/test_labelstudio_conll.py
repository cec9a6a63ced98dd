"""Cross-check: Label Studio's own converter turns our export into CoNLL-2003 with the entity tags we compute.

Ours are what the release ships: ``tables.token_row`` (the code behind the ``tokens`` config), its
integer tags decoded with tag names written out by hand (conftest.IOB), not with the mapping that
produced them. The converter tokenizes with NLTK's Treebank tokenizer, so the two are compared on
every token both tokenizers cut at the same characters.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import IOB
from label_studio_sdk.converter import Converter

from claimcorpus.labelstudio import config as C
from claimcorpus.labelstudio.tasks import export_tasks
from claimcorpus.layers import read_layer
from claimcorpus.tables import token_row
from ls_server import add_hand_layer, make_own_repo, make_seed_repo


def our_tags(rec: dict) -> dict[tuple[int, int], str]:
    """(start, end) of each of our tokens -> its IOB tag, as the release's tokens config gives it."""
    row = token_row(rec)
    assert all(rec["text"][s:s + len(t)] == t for t, s in zip(row["tokens"], row["token_starts"]))
    return {(s, s + len(t)): IOB[tag] for t, s, tag in zip(row["tokens"], row["token_starts"], row["ner_tags"])}


def converter_tags(tasks: list[dict], config: str, tmp: Path) -> list[list[tuple[str, str]]]:
    """Label Studio's CoNLL-2003 output of ``tasks``: one [(token, tag), ...] per annotation."""
    tasks = [{**t, "id": i + 1} for i, t in enumerate(tasks)]
    tmp.mkdir(parents=True, exist_ok=True)
    src = tmp / "export.json"
    src.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    Converter(config, project_dir=str(tmp)).convert_to_conll2003(str(src), str(tmp / "conll"), is_dir=False)
    blocks = (tmp / "conll" / "result.conll").read_text(encoding="utf-8").split("\n\n")
    out = []
    for block in blocks:
        rows = [ln.split(" -X- _ ") for ln in block.split("\n") if ln and not ln.startswith("-DOCSTART-")]
        if rows:
            out.append([(tok, tag) for tok, tag in rows])
    assert len(out) == len(tasks)
    return out


def with_offsets(text: str, tokens: list[tuple[str, str]]) -> dict[tuple[int, int], str]:
    spans, pos = {}, 0
    for tok, tag in tokens:
        start = text.index(tok, pos)
        assert not text[pos:start].strip(), f"converter skipped {text[pos:start]!r}"
        spans[start, start + len(tok)] = tag
        pos = start + len(tok)
    return spans


def compare(records: list[dict], tasks: list[dict], config: str, tmp: Path) -> tuple[int, int]:
    shared = total = 0
    for rec, tokens in zip(records, converter_tags(tasks, config, tmp)):
        theirs = with_offsets(rec["text"], tokens)
        ours = our_tags(rec)
        both = theirs.keys() & ours.keys()
        assert {k: theirs[k] for k in both} == {k: ours[k] for k in both}, rec["id"]
        shared, total = shared + len(both), total + len(theirs)
    return shared, total


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    own = make_own_repo(tmp_path_factory.mktemp("own") / "repo")
    add_hand_layer(own)
    seed = make_seed_repo(tmp_path_factory.mktemp("seed") / "repo")
    return {"own": (own, "hand"), "seed": (seed, "gold")}


@pytest.mark.parametrize("corpus", ["own", "seed"])
@pytest.mark.parametrize("config", ["full", "entities-only"])
def test_converter_agrees(corpora, corpus: str, config: str, tmp_path: Path) -> None:
    repo, layer = corpora[corpus]
    tasks = export_tasks(repo, review=layer)
    records = [r for doc in sorted({t["data"]["doc_id"] for t in tasks}) for r in read_layer(repo, layer, doc)]
    assert [r["id"] for r in records] == [t["data"]["sentence_id"] for t in tasks]
    if config == "full":  # the full config: the converter takes the first <Labels> *in each result*
        keep = [i for i, r in enumerate(records) if r["entities"]]
        records, tasks = [records[i] for i in keep], [tasks[i] for i in keep]
    shared, total = compare(records, tasks, C.label_config() if config == "full" else C.conll_config(), tmp_path)
    assert records and shared >= 0.85 * total, (shared, total)
    assert sum(len(r["entities"]) for r in records) > 5


def test_without_entities_the_full_config_tags_the_next_labels(corpora, tmp_path: Path) -> None:
    """A Label Studio quirk worth knowing: with no entity region, the converter reads the hedge labels as NER."""
    repo, layer = corpora["own"]
    task = export_tasks(repo, review=layer)[0]
    task["annotations"][0]["result"] = [r for r in task["annotations"][0]["result"] if r.get("from_name") != C.ENTITY]
    [full] = converter_tags([task], C.label_config(), tmp_path / "full")
    [ents] = converter_tags([task], C.conll_config(), tmp_path / "ents")
    assert any(tag.endswith("-modal") for _, tag in full)
    assert {tag for _, tag in ents} == {"O"}


def test_converter_counts_code_points(corpora, tmp_path: Path) -> None:
    """Offsets in UTF-16 units shift the converter's tags after an emoji; code points do not."""
    repo, layer = corpora["own"]
    rec = next(r for r in read_layer(repo, layer, "emoji") if "🇺🇦" in r["text"])
    task = next(t for t in export_tasks(repo, review=layer, unit="utf16") if t["data"]["sentence_id"] == rec["id"])
    [tokens] = converter_tags([task], C.conll_config(), tmp_path)
    theirs, ours = with_offsets(rec["text"], tokens), our_tags(rec)
    assert any(theirs[k] != ours[k] for k in theirs.keys() & ours.keys())
