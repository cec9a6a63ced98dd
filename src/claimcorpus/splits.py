"""Split assignment: annotations/splits.json lists the document ids of each split.

A document belongs to exactly one split, so no document spans two splits::

    {"train": [], "validation": [], "test": ["000_418805c56f629208"]}
"""

from __future__ import annotations

import json

from claimcorpus.errors import CorpusError
from claimcorpus.layout import Repo
from claimcorpus.textio import write_text

SPLITS = ("train", "validation", "test")
SPLITS_FILE = "splits.json"


def read_splits(repo: Repo, doc_ids: list[str]) -> dict[str, list[str]]:
    """annotations/splits.json, checked: every document in exactly one split."""
    path = repo.annotations / SPLITS_FILE
    rel = repo.rel(path)
    if not path.is_file():
        raise CorpusError(rel, "no split assignment", 'write {"train": [...], "validation": [...], "test": [...]}')
    splits = json.loads(path.read_text(encoding="utf-8"))
    unknown = set(splits) - set(SPLITS)
    if unknown:
        raise CorpusError(rel, f"unknown split names {sorted(unknown)}", f"use only {', '.join(SPLITS)}")
    seen: dict[str, str] = {}
    for split, ids in splits.items():
        for d in ids:
            if d in seen:
                raise CorpusError(rel, f"document {d!r} is in both {seen[d]!r} and {split!r}",
                                  "a document belongs to exactly one split")
            seen[d] = split
    missing = sorted(set(doc_ids) - set(seen))
    if missing:
        raise CorpusError(rel, f"documents without a split: {missing[:5]}", "add each document id to one split")
    extra = sorted(set(seen) - set(doc_ids))
    if extra:
        raise CorpusError(rel, f"split lists unknown documents {extra[:5]}", "remove them or ingest them")
    return {s: sorted(splits.get(s, [])) for s in SPLITS}


def assign_split(repo: Repo, doc_id: str, split: str) -> None:
    """Add a newly ingested document to a split (used by ingest)."""
    path = repo.annotations / SPLITS_FILE
    splits = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if any(doc_id in ids for ids in splits.values()):
        return
    splits.setdefault(split, []).append(doc_id)
    write_text(path, json.dumps({s: sorted(splits.get(s, [])) for s in SPLITS}, indent=2) + "\n")
