"""Split assignment: annotations/splits.json lists the document ids of each split.

A document belongs to exactly one split, so no document spans two splits::

    {"train": [], "validation": [], "test": ["000_418805c56f629208"]}
"""

from __future__ import annotations

import json

from claimcorpus.errors import IngestError
from claimcorpus.layout import Repo
from claimcorpus.textio import parse_json, read_bytes

SPLITS = ("train", "validation", "test")
SPLITS_FILE = "splits.json"


def read_split_file(repo: Repo) -> dict[str, list[str]]:
    """annotations/splits.json as written (empty if absent); one line and exit 1 if it is not a JSON object of lists."""
    path = repo.annotations / SPLITS_FILE
    if not path.is_file():
        return {}
    rel = repo.rel(path)
    splits = parse_json(read_bytes(path, rel), rel)
    if not (isinstance(splits, dict) and all(isinstance(v, list) and all(isinstance(d, str) for d in v)
                                             for v in splits.values())):
        raise IngestError(rel, "not an object of document-id lists", 'write {"train": [...], "validation": [...], "test": [...]}')
    return splits


def splits_json(splits: dict[str, list[str]]) -> str:
    return json.dumps({s: sorted(splits.get(s, [])) for s in SPLITS}, indent=2) + "\n"


def read_splits(repo: Repo, doc_ids: list[str]) -> dict[str, list[str]]:
    """annotations/splits.json, checked: every document in exactly one split."""
    path = repo.annotations / SPLITS_FILE
    rel = repo.rel(path)
    if not path.is_file():
        raise IngestError(rel, "no split assignment", 'write {"train": [...], "validation": [...], "test": [...]}')
    splits = read_split_file(repo)
    unknown = set(splits) - set(SPLITS)
    if unknown:
        raise IngestError(rel, f"unknown split names {sorted(unknown)}", f"use only {', '.join(SPLITS)}")
    seen: dict[str, str] = {}
    for split, ids in splits.items():
        for d in ids:
            if d in seen:
                raise IngestError(rel, f"document {d!r} is in both {seen[d]!r} and {split!r}",
                                  "a document belongs to exactly one split")
            seen[d] = split
    missing = sorted(set(doc_ids) - set(seen))
    if missing:
        raise IngestError(rel, f"documents without a split: {missing[:5]}", "add each document id to one split")
    extra = sorted(set(seen) - set(doc_ids))
    if extra:
        raise IngestError(rel, f"split lists unknown documents {extra[:5]}", "remove them or ingest them")
    return {s: sorted(splits.get(s, [])) for s in SPLITS}
