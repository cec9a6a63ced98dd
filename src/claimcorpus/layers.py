"""Annotation layers: metadata, reading and creating layer files.

A layer record (annotations/<layer>/<doc_id>.jsonl, one per sentence)::

    {"id": "doc1-s0000", "doc_id": "doc1", "index": 0, "start": 0, "end": 21,
     "text": "Kyiv said it may act.",
     "entities": [{"start": 0, "end": 4, "text": "Kyiv", "label": "GPE"}],
     "hedges": [{"start": 13, "end": 16, "text": "may", "type": "modal", "scope_start": 13, "scope_end": 20}],
     "claims": [{"start": 13, "end": 20, "text": "may act", "type": "predictive", "checkworthy": false,
                 "source": {"type": "mention", "start": 0, "end": 4, "text": "Kyiv"}}],
     "hedged": true, "checkworthy": false}
"""

from __future__ import annotations

import json
from datetime import date as Date

from claimcorpus.errors import CorpusError
from claimcorpus.kinds import flags, kinds
from claimcorpus.layout import Repo
from claimcorpus.textio import iter_jsonl, write_jsonl, write_text

SENTENCE_KEYS = ("id", "doc_id", "index", "start", "end", "text")


def sentence_id(doc_id: str, index: int) -> str:
    """The one sentence-id format (checked by E303).

    >>> sentence_id("doc1", 3)
    'doc1-s0003'
    """
    return f"{doc_id}-s{index:04d}"


def empty_record(segment: dict) -> dict:
    """A sentence record with no annotations, from a segment record."""
    return {**{k: segment[k] for k in SENTENCE_KEYS}, **{k.field: [] for k in kinds()},
            **{f.name: False for _, f in flags()}}


def with_flags(rec: dict) -> dict:
    """The record with its sentence flags derived from its spans."""
    return {**rec, **{f.name: f.value(rec[k.field]) for k, f in flags()}}


def read_meta(repo: Repo, layer: str) -> dict:
    path = repo.layer_dir(layer) / "layer.json"
    if not path.is_file():
        raise CorpusError(repo.rel(path), "no such layer", f"create it with `claimcorpus layer init {layer}`")
    return json.loads(path.read_text(encoding="utf-8"))


def read_layer(repo: Repo, layer: str, doc_id: str) -> list[dict]:
    path = repo.layer_file(layer, doc_id)
    return [rec for _, rec in iter_jsonl(path, repo.rel(path))]


def read_segments(repo: Repo, doc_id: str) -> list[dict]:
    path = repo.segments_file(doc_id)
    return [rec for _, rec in iter_jsonl(path, repo.rel(path))]


def write_layer(repo: Repo, layer: str, doc_id: str, records: list[dict], *, overwrite: bool = False) -> None:
    """Write one document's layer file atomically; refuse to replace an existing one unless asked."""
    path = repo.layer_file(layer, doc_id)
    if path.exists() and not overwrite:
        raise CorpusError(repo.rel(path), "this layer already has annotations for the document",
                          "choose another layer name, or pass --overwrite to replace them")
    write_jsonl(path, sorted(records, key=lambda r: r["index"]))


def init_layer(repo: Repo, layer: str, kind: str, annotator: str, *, guidelines_version: str | None,
               description: str, doc_ids: list[str]) -> list[str]:
    """Create a layer with empty records for ``doc_ids``; returns the files written."""
    meta_path = repo.layer_dir(layer) / "layer.json"
    if meta_path.exists():
        raise CorpusError(repo.rel(meta_path), f"layer {layer!r} exists", "pick a new layer name")
    meta = {"layer": layer, "kind": kind, "annotator": annotator, "date": Date.today().isoformat(),
            "guidelines_version": guidelines_version, "description": description}
    written = []
    for doc_id in doc_ids:
        write_layer(repo, layer, doc_id, [empty_record(s) for s in read_segments(repo, doc_id)])
        written.append(repo.rel(repo.layer_file(layer, doc_id)))
    write_text(meta_path, json.dumps(meta, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    return written

