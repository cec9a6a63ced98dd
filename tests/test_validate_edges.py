"""Validator edge cases, each pinned by a value read off a text we wrote: the boundaries a one-character
change in a check would move (empty spans, touching and unsorted entities, scope ends, sentence order,
the manifest's text hash). Everything goes through ``validate(root)`` on a repository built by ingest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from conftest import make_repo

from claimcorpus.layers import init_layer, read_layer, write_layer
from claimcorpus.layout import Repo
from claimcorpus.validation.repository import validate

TEXT = "KyivMoscow talks stalled on Monday.\nThe bank may cut rates by June.\n"
# by eye: sentence 0 is TEXT[0:35], sentence 1 is TEXT[36:67]
S0, S1 = "KyivMoscow talks stalled on Monday.", "The bank may cut rates by June."
KYIV = {"start": 0, "end": 4, "text": "Kyiv", "label": "GPE"}
MOSCOW = {"start": 4, "end": 10, "text": "Moscow", "label": "GPE"}
MONDAY = {"start": 28, "end": 34, "text": "Monday", "label": "DATE"}


def repo_with_gold(tmp_path: Path) -> tuple[Repo, list[dict]]:
    repo = make_repo(tmp_path, {"d.txt": TEXT})
    init_layer(repo, "gold", "gold", "tester", guidelines_version="0.1", description="test", doc_ids=["d"])  # the version of the skeleton GUIDELINES.md (E332)
    recs = read_layer(repo, "gold", "d")
    assert [(r["start"], r["end"], r["text"]) for r in recs] == [(0, 35, S0), (36, 67, S1)]
    return repo, recs


def findings(repo: Repo, recs: list[dict]) -> set[tuple[str, str | None]]:
    write_layer(repo, "gold", "d", recs, overwrite=True)
    return {(f.code, f.record) for f in validate(repo.root)}


def test_the_repository_is_valid_before_each_edit(tmp_path: Path) -> None:
    repo, recs = repo_with_gold(tmp_path)
    recs[0]["entities"] = [KYIV, MOSCOW, MONDAY]
    assert findings(repo, recs) == set()


def test_touching_entities_are_not_an_overlap(tmp_path: Path) -> None:
    """'Kyiv' 0:4 ends where 'Moscow' 4:10 starts: they share no character."""
    repo, recs = repo_with_gold(tmp_path)
    recs[0]["entities"] = [KYIV, MOSCOW]
    assert findings(repo, recs) == set()


def test_entities_listed_out_of_order_are_sorted_before_the_overlap_check(tmp_path: Path) -> None:
    repo, recs = repo_with_gold(tmp_path)
    recs[0]["entities"] = [MONDAY, MOSCOW, KYIV]
    assert findings(repo, recs) == set()
    recs[0]["entities"] = [MONDAY, {"start": 0, "end": 6, "text": "KyivMo", "label": "GPE"}, MOSCOW]
    assert findings(repo, recs) == {("E312", "d-s0000")}


def test_an_empty_span_is_a_range_error(tmp_path: Path) -> None:
    repo, recs = repo_with_gold(tmp_path)
    recs[0]["entities"] = [{"start": 2, "end": 2, "text": "y", "label": "GPE"}]
    assert findings(repo, recs) == {("E309", "d-s0000")}


def test_a_span_ending_at_the_sentence_end_is_in_range(tmp_path: Path) -> None:
    repo, recs = repo_with_gold(tmp_path)
    recs[1]["entities"] = [{"start": 26, "end": 31, "text": "June.", "label": "DATE"}]
    assert findings(repo, recs) == set()
    recs[1]["entities"] = [{"start": 26, "end": 32, "text": "June.", "label": "DATE"}]
    assert findings(repo, recs) == {("E309", "d-s0001")}


def hedge(scope_start: int, scope_end: int) -> dict:
    # "may" is S1[9:12]; its scope by the guidelines is "may cut rates by June" 9:30
    return {"start": 9, "end": 12, "text": "may", "type": "modal", "scope_start": scope_start, "scope_end": scope_end}


def test_hedge_scope_bounds(tmp_path: Path) -> None:
    repo, recs = repo_with_gold(tmp_path)
    recs[1]["hedged"] = True
    recs[1]["hedges"] = [hedge(9, 30)]
    assert findings(repo, recs) == set()
    recs[1]["hedges"] = [hedge(9, 31)]  # up to the sentence end (len 31) is allowed
    assert findings(repo, recs) == set()
    recs[1]["hedges"] = [hedge(9, 36)]  # past the end of the sentence
    assert findings(repo, recs) == {("E314", "d-s0001")}
    recs[1]["hedges"] = [hedge(10, 30)]  # starts after the cue
    assert findings(repo, recs) == {("E314", "d-s0001")}


def test_a_sentence_starting_inside_the_previous_one_is_out_of_order(tmp_path: Path) -> None:
    repo, recs = repo_with_gold(tmp_path)
    recs[1].update(start=30, text=TEXT[30:67])  # a true slice of the document, but inside sentence 0 (ends at 35)
    assert ("E305", "d-s0001") in findings(repo, recs)


def test_a_wrong_text_hash_with_the_right_bytes(tmp_path: Path) -> None:
    repo, recs = repo_with_gold(tmp_path)
    assert findings(repo, recs) == set()
    lines = repo.manifest.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[0])
    assert entry["sha256_raw"] == hashlib.sha256(TEXT.encode()).hexdigest()  # the bytes are right
    entry["sha256_text"] = hashlib.sha256(b"something else").hexdigest()
    repo.manifest.write_text(json.dumps(entry) + "\n", encoding="utf-8")
    assert {f.code for f in validate(repo.root)} == {"E105"}
