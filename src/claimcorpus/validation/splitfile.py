"""annotations/splits.json at levels 1-3: there, a map of split -> list of document ids, each document once.

The build reads the same file with `splits.read_splits` and stops at its first problem; here every
problem is a finding, so `validate` fails wherever the build would.
"""

from __future__ import annotations

from collections.abc import Iterator

from claimcorpus.errors import CorpusError
from claimcorpus.layout import Repo
from claimcorpus.splits import SPLITS, SPLITS_FILE
from claimcorpus.textio import parse_json, read_bytes
from claimcorpus.validation.codes import yields
from claimcorpus.validation.finding import Finding


@yields("E101", "E102", "E103", "E108", "E204", "E321")
def findings(repo: Repo, doc_ids: set[str] | None) -> Iterator[Finding]:
    """Every finding of the split file against the documents of the manifest (``doc_ids``; None: no manifest to
    check against). A file with a malformed split is not checked for membership (its lists cannot be trusted)."""
    path = repo.annotations / SPLITS_FILE
    rel = repo.rel(path)
    if not path.exists():
        yield Finding("E101", rel, None, None, "the split assignment is missing")
        return
    try:
        splits = parse_json(read_bytes(path, rel), rel)
    except CorpusError as err:
        yield Finding(err.code, rel, None, None, err.problem)  # E102, E103, E108
        return
    if not isinstance(splits, dict):
        yield Finding("E204", rel, None, None, f"a JSON {type(splits).__name__}, not an object of split -> document ids")
        return
    shaped = yield from _shape(splits, rel)
    if doc_ids is not None and len(shaped) == len(splits):
        yield from _membership(shaped, doc_ids, rel)


@yields("E204")
def _shape(splits: dict, rel: str) -> Iterator[Finding]:
    """E204 for each split that is unknown or not a list of strings; returns the well-formed splits."""
    good = {}
    for name, ids in splits.items():
        if name not in SPLITS:
            yield Finding("E204", rel, None, None, f"unknown split {name!r}; allowed: {', '.join(SPLITS)}")
        elif not (isinstance(ids, list) and all(isinstance(d, str) for d in ids)):
            yield Finding("E204", rel, None, None, f"{name}: not a list of document ids")
        else:
            good[name] = ids
    return good


@yields("E321")
def _membership(splits: dict[str, list[str]], doc_ids: set[str], rel: str) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    for split, ids in splits.items():
        for d in ids:
            if d in seen:
                yield Finding("E321", rel, None, d, f"document {d!r} is in both {seen[d]!r} and {split!r}")
            seen.setdefault(d, split)
    missing = sorted(doc_ids - set(seen))
    if missing:
        yield Finding("E321", rel, None, None, f"{len(missing)} documents without a split: {missing[:5]}")
    extra = sorted(set(seen) - doc_ids)
    if extra:
        yield Finding("E321", rel, None, None, f"{len(extra)} document ids not in seeds/manifest.jsonl: {extra[:5]}")
