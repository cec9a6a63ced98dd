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
from pathlib import Path

from claimcorpus import schema
from claimcorpus.errors import LayerError
from claimcorpus.kinds import flags, kinds
from claimcorpus.layout import SEGMENTS, Repo
from claimcorpus.textio import iter_jsonl, jsonl, parse_json, read_bytes
from claimcorpus.txn import Transaction

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


META = "layer.json"


def meta_path(repo: Repo, layer: str) -> Path:
    """annotations/<layer>/layer.json: the file that makes a folder a layer."""
    return repo.layer_dir(layer) / META


def is_layer_id(name: str) -> bool:
    """Whether ``name`` matches the layer-id pattern of schema/layer.schema.json.

    >>> is_layer_id("pred-my-model"), is_layer_id("Gold")
    (True, False)
    """
    import re

    return re.fullmatch(schema.load("layer")["properties"]["layer"]["pattern"].strip("^$"), name) is not None


def read_meta(repo: Repo, layer: str) -> dict:
    if layer == SEGMENTS:
        raise LayerError(repo.rel(repo.segments), "holds the sentence boundaries, not an annotation layer",
                         f"name a layer: {', '.join(repo.layers()) or 'none yet (claimcorpus layer init NAME)'}")
    if not is_layer_id(layer):
        known = ", ".join(repo.layers()) or "none yet"
        raise LayerError(layer, "is not a layer name (a folder of annotations/ with a layer.json)",
                          f"name a layer of this repository ({known})")
    path = meta_path(repo, layer)
    if not path.is_file():
        raise LayerError(repo.rel(path), "no such layer", f"create it with `claimcorpus layer init {layer}`")
    return parse_json(read_bytes(path), repo.rel(path))


def read_layer(repo: Repo, layer: str, doc_id: str) -> list[dict]:
    path = repo.layer_file(layer, doc_id)
    return [rec for _, rec in iter_jsonl(path, repo.rel(path))]


def require_valid(repo: Repo, layers, reader: str) -> None:
    """Refuse, in one line, to read ``layers`` unless they validate: their files at levels 1-3, with the documents
    and sentence boundaries they index. Every command that reads spans (agreement, adjudicate, diff, ls export,
    ls push) calls this first, so a badly typed span or an unknown label is the validator's finding, not a crash.
    Other layers are not checked: a broken layer elsewhere does not stop a command that does not read it."""
    from claimcorpus.validation.repository import Validator  # the validator imports this module

    layers = list(dict.fromkeys(layers))
    for layer in layers:
        read_meta(repo, layer)  # "no such layer" names the command that creates it
    v = Validator(repo)
    v.documents()
    v.segment_files()
    for layer in layers:
        v.layer(layer)
    if v.findings:
        first = str(v.findings[0])  # "file[:line]: CODE name [record] message. Fix: what to do"
        where, _, rest = first.partition(": ")
        problem, _, fix = rest.rpartition(". Fix: ")
        more = f" (and {len(v.findings) - 1} more findings)" if len(v.findings) > 1 else ""
        raise LayerError(where, f"{problem}{more}; {reader} reads only layers that validate",
                          f"{fix.rstrip('.')}; `claimcorpus validate` lists every finding")


def read_segments(repo: Repo, doc_id: str) -> list[dict]:
    path = repo.segments_file(doc_id)
    if not path.is_file():
        raise LayerError(repo.rel(path), f"document {doc_id!r} has no sentence boundaries",
                          "ingest it first (`claimcorpus ingest FILE`); --doc takes ids from seeds/manifest.jsonl")
    return [rec for _, rec in iter_jsonl(path, repo.rel(path))]


def layer_json(meta: dict) -> str:
    """The text of a layer.json (sorted keys, two-space indent)."""
    return json.dumps(meta, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_meta(repo: Repo, meta: dict, tx: Transaction, *, replace: bool = False) -> None:
    """The one layer.json writer: ``meta`` checked (check_meta), then staged in ``tx``."""
    path = meta_path(repo, meta["layer"])
    check_meta(meta, repo.rel(path))
    tx.write(path, layer_json(meta), replace=replace)


GUIDELINES_FILE = "annotations/GUIDELINES.md"


def guideline_versions(repo: Repo) -> list[str]:
    """The versions annotations/GUIDELINES.md has: its ``Version:`` line and its changelog rows (none: no file)."""
    import re

    path = repo.root / GUIDELINES_FILE
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8", errors="replace")
    found = re.findall(r"^Version: *([0-9][0-9A-Za-z.\-]*)", text, re.M) + re.findall(r"^\| *([0-9][0-9.]*) *\|", text, re.M)
    return list(dict.fromkeys(found))


def check_guidelines_version(repo: Repo, version: str | None) -> None:
    """Refuse a guidelines version that annotations/GUIDELINES.md does not have (validate: E332)."""
    versions = guideline_versions(repo)
    if version is not None and versions and version not in versions:
        raise LayerError(GUIDELINES_FILE, f"has no version {version!r} (it has {', '.join(versions)})",
                          "pass --guidelines-version with one of those, or add the version to its changelog first")


def check_meta(meta: dict, where: str) -> None:
    """layer.json as it will be written: schema (full matches), a real date, not the segments folder."""
    err = next(iter(schema.validator("layer").iter_errors(meta)), None)
    if err is not None:
        field = ".".join(map(str, err.absolute_path)) or "layer.json"
        raise LayerError(where, f"{field} {err.instance!r} is invalid ({err.message})",
                          "layer names are lowercase letters, digits, '_' and '-'; kind is gold, annotator or prediction")
    if meta["layer"] == SEGMENTS:
        raise LayerError(where, "'segments' holds the sentence boundaries, not a layer", "pick another layer name")
    if not schema.is_real_date(meta["date"]):
        raise LayerError(where, f"date {meta['date']!r} is not a real date", "give YYYY-MM-DD")


def write_layer(repo: Repo, layer: str, doc_id: str, records: list[dict], *, overwrite: bool = False,
                tx: Transaction | None = None) -> None:
    """Write one document's layer file (staged in ``tx``, else in a transaction of its own);
    an existing one is replaced only with ``overwrite``."""
    if tx is None:
        with Transaction(repo.root, "layer write") as own:
            return write_layer(repo, layer, doc_id, records, overwrite=overwrite, tx=own)
    path = repo.layer_file(layer, doc_id)
    if tx.exists(path) and not overwrite:
        raise LayerError(repo.rel(path), "this layer already has annotations for the document",
                          "choose another layer name, or pass --overwrite to replace them")
    tx.write(path, jsonl(sorted(records, key=lambda r: r["index"])), replace=overwrite)


def init_layer(repo: Repo, layer: str, kind: str, annotator: str, *, guidelines_version: str | None,
               description: str, doc_ids: list[str]) -> list[str]:
    """Create a layer with empty records for ``doc_ids``, whole or not at all; returns the files written."""
    meta = {"layer": layer, "kind": kind, "annotator": annotator, "date": Date.today().isoformat(),
            "guidelines_version": guidelines_version, "description": description}
    from claimcorpus.documents import read_manifest  # documents imports this module

    check_meta(meta, f"annotations/{layer}")
    check_guidelines_version(repo, guidelines_version)
    known = {e["doc_id"] for e in read_manifest(repo)}
    unknown = [d for d in doc_ids if d not in known]
    if unknown:
        raise LayerError(repo.rel(repo.manifest), f"no document {unknown[0]!r}",
                          "pass --doc with ids from seeds/manifest.jsonl (or none for all)")
    with Transaction(repo.root, "layer init") as tx:
        if tx.exists(repo.layer_dir(layer)):
            raise LayerError(repo.rel(repo.layer_dir(layer)), f"layer {layer!r} exists", "pick a new layer name")
        written = []
        for doc_id in dict.fromkeys(doc_ids):
            write_layer(repo, layer, doc_id, [empty_record(s) for s in read_segments(repo, doc_id)], tx=tx)
            written.append(repo.rel(repo.layer_file(layer, doc_id)))
        write_meta(repo, meta, tx)
    return written
