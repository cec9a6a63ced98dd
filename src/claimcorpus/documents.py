"""Documents: the manifest, ingest of raw files, and their sentence boundaries.

A manifest line (seeds/manifest.jsonl)::

    {"doc_id": "000_418805c56f629208", "path": "seeds/000_418805c56f629208.txt",
     "sha256_raw": "1e8b...", "sha256_text": "1e8b...", "n_chars": 3031,
     "language": "en", "title": null, "source": null, "date": null, "license": null}
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from claimcorpus import schema
from claimcorpus.errors import CorpusError
from claimcorpus.layers import sentence_id
from claimcorpus.layout import Repo
from claimcorpus.segment import segment, segmenter_info
from claimcorpus.splits import SPLITS, SPLITS_FILE, assign_split
from claimcorpus.textio import canonical_text, dumps, iter_jsonl, read_bytes, sha256, write_bytes, write_jsonl, write_text

DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def read_manifest(repo: Repo) -> list[dict]:
    if not repo.manifest.is_file():
        return []
    return [rec for _, rec in iter_jsonl(repo.manifest, repo.rel(repo.manifest))]


def write_manifest(repo: Repo, entries: list[dict]) -> None:
    write_jsonl(repo.manifest, sorted(entries, key=lambda e: e["doc_id"]))


@dataclass(frozen=True)
class Document:
    entry: dict
    text: str

    @property
    def doc_id(self) -> str:
        return self.entry["doc_id"]


def load_documents(repo: Repo) -> dict[str, Document]:
    """Every manifest document with its canonical text, by doc_id."""
    docs = {}
    for entry in read_manifest(repo):
        path = repo.root / entry["path"]
        docs[entry["doc_id"]] = Document(entry, canonical_text(read_bytes(path, entry["path"]), entry["path"]))
    return docs


def segment_records(doc_id: str, text: str) -> list[dict]:
    """Segment records for a canonical text (segment.schema.json)."""
    return [{"id": sentence_id(doc_id, s.index), "doc_id": doc_id, **s.as_dict()} for s in segment(text)]


def ingest(repo: Repo, source: Path, doc_id: str | None = None, *, language: str = "en",
           title: str | None = None, source_name: str | None = None, date: str | None = None,
           license: str | None = None, split: str = "train") -> dict:
    """Copy ``source`` into seeds/ unchanged, add its manifest entry and its sentence boundaries.

    Re-ingesting the identical file is a no-op; anything that would replace other
    bytes or another entry is refused.
    """
    raw = read_bytes(source)
    text = canonical_text(raw, str(source))
    doc_id = doc_id or source.stem
    if split not in SPLITS:
        raise CorpusError(str(source), f"unknown split {split!r}", f"use --split with one of {', '.join(SPLITS)}")
    if not DOC_ID.match(doc_id):
        raise CorpusError(str(source), f"{doc_id!r} is not a valid document id",
                          "pass --id with letters, digits, '_', '-' or '.' (not first)")
    target = repo.seeds / source.name
    entry = {
        "doc_id": doc_id, "path": repo.rel(target), "sha256_raw": sha256(raw),
        "sha256_text": sha256(text.encode("utf-8")), "n_chars": len(text), "language": language,
        "title": title, "source": source_name, "date": date, "license": license,
    }
    errors = [e.message for e in schema.validator("document").iter_errors(entry)]
    if errors:
        raise CorpusError(str(source), f"manifest entry is invalid: {errors[0]}", "correct the option values")
    entries = read_manifest(repo)
    same = [e for e in entries if e["doc_id"] == doc_id]
    if same and same[0] == entry and target.is_file() and read_bytes(target) == raw:
        return entry
    if same:
        raise CorpusError(repo.rel(repo.manifest), f"document {doc_id!r} is already in the manifest with other content",
                          "choose another --id; to replace a document, remove its entry and layers first")
    if target.exists() and read_bytes(target) != raw:
        raise CorpusError(repo.rel(target), "a different file with this name is already in seeds/",
                          "rename the new file before ingesting it")
    info = segmenter_info()
    seg_meta = repo.segments / "segmenter.json"
    if seg_meta.is_file() and json.loads(seg_meta.read_text(encoding="utf-8")) != info:
        raise CorpusError(repo.rel(seg_meta), "the installed segmenter differs from the one that segmented the corpus",
                          "install the pinned versions (make install) before ingesting")
    with restored_on_failure([seg_meta, target, repo.segments_file(doc_id), repo.annotations / SPLITS_FILE]):
        if not seg_meta.is_file():
            write_text(seg_meta, dumps(info) + "\n")
        if not target.exists():
            write_bytes(target, raw)
        write_jsonl(repo.segments_file(doc_id), segment_records(doc_id, text))
        assign_split(repo, doc_id, split)
        write_manifest(repo, [*entries, entry])  # last: the document exists once this rename is done
    return entry


@contextlib.contextmanager
def restored_on_failure(paths: list[Path]):
    """Put ``paths`` back as they were (removing new ones) if the block fails: a failed ingest leaves nothing."""
    before = {p: p.read_bytes() if p.is_file() else None for p in paths}
    try:
        yield
    except BaseException:
        for p, old in before.items():
            if old is None:
                p.unlink(missing_ok=True)
            elif not p.is_file() or p.read_bytes() != old:
                write_bytes(p, old)
        raise
