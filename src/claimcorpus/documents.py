"""Documents: the manifest, ingest of raw files, and their sentence boundaries.

A manifest line (seeds/manifest.jsonl)::

    {"doc_id": "000_418805c56f629208", "path": "seeds/000_418805c56f629208.txt",
     "sha256_raw": "1e8b...", "sha256_text": "1e8b...", "n_chars": 3031,
     "language": "en", "title": null, "source": null, "date": null, "license": null}
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from claimcorpus import schema
from claimcorpus.errors import IngestError
from claimcorpus.layers import sentence_id
from claimcorpus.layout import Repo
from claimcorpus.segment import iter_segments, segmenter_info
from claimcorpus.splits import SPLITS, SPLITS_FILE, read_split_file, splits_json
from claimcorpus.textio import CONTROL, canonical_text, char_name, dumps, iter_jsonl, jsonl, read_bytes, sha256
from claimcorpus.txn import Transaction


def read_manifest(repo: Repo) -> list[dict]:
    if not repo.manifest.is_file():
        return []
    return [rec for _, rec in iter_jsonl(repo.manifest, repo.rel(repo.manifest))]


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
    return list(iter_segment_records(doc_id, text))


def iter_segment_records(doc_id: str, text: str) -> Iterator[dict]:
    """``segment_records``, one at a time: ingest streams them to the segments file (memory)."""
    for s in iter_segments(text):
        yield {"id": sentence_id(doc_id, s.index), "doc_id": doc_id, "index": s.index, "paragraph": s.paragraph,
               "start": s.start, "end": s.end, "text": s.text}


CONTROL_LINE = __import__("re").compile("[\t\n]")  # one-line metadata: no TAB or LF either


def _check_entry(entry: dict, where: str) -> None:
    """The manifest entry ingest would write, checked strictly (full matches, real dates)."""
    for field in ("title", "source", "license"):  # free text; the other fields have schema patterns
        bad = CONTROL.search(entry[field]) or CONTROL_LINE.search(entry[field]) if isinstance(entry[field], str) else None
        if bad:
            option = field
            raise IngestError(where, f"--{option} {entry[field]!r} holds {char_name(bad.group())} (a line break or "
                              "control character: metadata is one line of text)", f"give --{option} as one line")
    if isinstance(entry["license"], str):
        from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression  # ships SPDX's list

        try:
            canonicalize_license_expression(entry["license"])
        except InvalidLicenseExpression as err:
            raise IngestError(where, f"--license {entry['license']!r} is not an SPDX licence expression ({err})",
                              "give an SPDX id such as CC-BY-4.0 (spdx.org/licenses), LicenseRef-NAME for a licence "
                              "SPDX does not list, or leave --license out when it is unknown") from None
    errors = [e for e in schema.validator("document").iter_errors(entry)]
    if errors:
        err = errors[0]
        field = ".".join(map(str, err.absolute_path)) or "entry"
        raise IngestError(where, f"--{field.replace('doc_id', 'id').replace('_', '-')} {err.instance!r} is invalid "
                          f"({err.message})", "correct the option value")
    if entry["date"] is not None and not schema.is_real_date(entry["date"]):
        raise IngestError(where, f"--date {entry['date']!r} is not a real date", "give YYYY, YYYY-MM or YYYY-MM-DD")


def _differs(repo: Repo, old: dict, new: dict) -> IngestError:
    """What differs between a document's manifest entry and a re-ingest of it under the same id, and the fix."""
    where = repo.rel(repo.manifest)
    if old.get("sha256_raw") != new["sha256_raw"] or old.get("path") != new["path"]:
        what = "other bytes" if old.get("sha256_raw") != new["sha256_raw"] else f"another file ({old.get('path')})"
        return IngestError(where, f"document {new['doc_id']!r} is already in the manifest with {what}",
                           "choose another --id; to replace a document, remove its entry and layers first")
    fields = [k for k in new if old.get(k) != new[k]]
    shown = ", ".join(f"{k} {old.get(k)!r} (given {new[k]!r})" for k in fields)
    options = ", ".join(f"--{k} {old[k]!r}" if old.get(k) is not None else f"no --{k}" for k in fields)
    return IngestError(where, f"document {new['doc_id']!r} is already in the manifest with the same text but {shown}",
                       f"to change its metadata, edit its line in {where} and run `claimcorpus validate`; "
                       f"to re-ingest it as it is, pass the recorded values ({options})")


def ingest(repo: Repo, source: Path, doc_id: str | None = None, *, language: str = "en",
           title: str | None = None, source_name: str | None = None, date: str | None = None,
           license: str | None = None, split: str = "train") -> dict:
    """Copy ``source`` into seeds/ unchanged, add its manifest entry, its split and its sentence boundaries.

    One transaction (txn.py): the seed, segments, splits.json and manifest appear together or not
    at all. Re-ingesting the identical file into the same split is a no-op; another split, other
    bytes under a known id or name, or a text already in the manifest under another id are refused.
    """
    if source.name == repo.manifest.name:
        raise IngestError(str(source), f"has the name of the manifest ({repo.rel(repo.manifest)}), so it cannot be a seed",
                          "rename the file before ingesting it")
    raw = read_bytes(source)
    text = canonical_text(raw, str(source))
    if doc_id is None:
        doc_id = str(source.stem)
        if not re.fullmatch(schema.load("document")["$defs"]["doc_id"]["pattern"].strip("^$"), doc_id):
            raise IngestError(str(source), f"the file name gives the document id {doc_id!r}, which is not an id "
                              "(ASCII letters, digits, '_', '.', '-'; a letter or digit first)",
                              "pass --id with such an id (the file is still copied under its own name)")
    if split not in SPLITS:
        raise IngestError(str(source), f"unknown split {split!r}", f"use --split with one of {', '.join(SPLITS)}")
    target = repo.seeds / source.name
    entry = {
        "doc_id": doc_id, "path": repo.rel(target), "sha256_raw": sha256(raw),
        "sha256_text": sha256(text.encode("utf-8")), "n_chars": len(text), "language": language,
        "title": title, "source": source_name, "date": date, "license": license,
    }
    _check_entry(entry, str(source))
    with Transaction(repo.root, "ingest") as tx:
        entries = read_manifest(repo)
        splits = read_split_file(repo)
        same = [e for e in entries if e["doc_id"] == doc_id]
        if same and same[0] == entry and target.is_file() and read_bytes(target) == raw:
            now = next((s for s, ids in splits.items() if doc_id in ids), None)
            if now != split:
                raise IngestError(repo.rel(repo.annotations / SPLITS_FILE), f"document {doc_id!r} is already in "
                                  f"split {now!r}, not {split!r}",
                                  f"to move it, edit annotations/splits.json; to keep it, ingest with --split {now}")
            return entry
        if same:
            raise _differs(repo, same[0], entry)
        twin = [e["doc_id"] for e in entries if e["sha256_text"] == entry["sha256_text"]]
        if twin:
            raise IngestError(str(source), f"the same text is already in the manifest as {twin[0]!r}",
                              "a document is ingested once (a copy could leak across splits); drop the duplicate")
        if target.exists() and read_bytes(target) != raw:
            raise IngestError(repo.rel(target), "a different file with this name is already in seeds/",
                              "rename the new file before ingesting it")
        info = segmenter_info()
        seg_meta = repo.segments / "segmenter.json"
        if seg_meta.is_file() and json.loads(seg_meta.read_text(encoding="utf-8")) != info:
            raise IngestError(repo.rel(seg_meta), "the installed segmenter differs from the one that segmented the corpus",
                              "install the pinned versions (make install) before ingesting")
        if not seg_meta.is_file():
            tx.write(seg_meta, dumps(info) + "\n")
        if not target.exists():
            tx.write(target, raw)
        tx.write_lines(repo.segments_file(doc_id), (dumps(r) + "\n" for r in iter_segment_records(doc_id, text)),
                       replace=True)  # derived from the text
        splits.setdefault(split, []).append(doc_id)
        tx.write(repo.annotations / SPLITS_FILE, splits_json(splits), replace=True)
        tx.write(repo.manifest, jsonl(sorted([*entries, entry], key=lambda e: e["doc_id"])), replace=True)
    return entry
