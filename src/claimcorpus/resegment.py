"""Move every layer's annotations onto the current segmenter's sentences (``claimcorpus resegment``).

A new segmenter may cut an annotated document differently. ``plan`` segments every document
again, moves each span of each layer into the new sentence that holds all its offsets (offsets
recomputed, sentence ids renumbered) and lists the spans a new boundary would cut; ``apply``
writes the segments, the layer files and ``segmenter.json`` only when no span is cut.

Old sentence 0 ``"We won. They left," he said.`` (0:28) becomes ``"We won.`` (0:7) and
``They left," he said.`` (8:28): the entity ``They`` at 8:12 of sentence 0 moves to 0:4 of sentence 1.
"""

from __future__ import annotations

import bisect
import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from claimcorpus.documents import load_documents, segment_records
from claimcorpus.errors import LayerError
from claimcorpus.layers import empty_record, read_layer, read_segments, with_flags, write_layer
from claimcorpus.layout import Repo
from claimcorpus.segment import segmenter_info
from claimcorpus.textio import dumps, jsonl
from claimcorpus.txn import Transaction

SEGMENTER_FILE = "segmenter.json"


@dataclass
class Plan:
    """What ``apply`` writes: new segment records and layer records per document, and the spans it refuses to cut."""

    segments: dict[str, list[dict]] = field(default_factory=dict)
    layers: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    cut: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    moved: int = 0


def _span_kinds() -> list[str]:
    """The span lists of a sentence record (entities, hedges, claims), read off an empty record."""
    rec = empty_record({"id": "d-s0000", "doc_id": "d", "index": 0, "start": 0, "end": 1, "text": "x"})
    return [k for k, v in rec.items() if isinstance(v, list)]


def _offsets(span: dict) -> Iterator[tuple[dict, str, str]]:
    """Every (dict, start key, end key) pair of sentence offsets in a span: itself, a hedge scope, a claim's mention source."""
    yield span, "start", "end"
    if "scope_start" in span:
        yield span, "scope_start", "scope_end"
    for value in span.values():
        if isinstance(value, dict) and "start" in value and "end" in value:
            yield value, "start", "end"


def _move(span: dict, shift: int) -> dict:
    moved = copy.deepcopy(span)
    for d, s, e in _offsets(moved):
        d[s] += shift
        d[e] += shift
    return moved


def plan(repo: Repo) -> Plan:
    """New boundaries for every document and every layer's records moved onto them; nothing is written."""
    out = Plan()
    kinds = _span_kinds()
    for doc_id, doc in sorted(load_documents(repo).items()):
        new = segment_records(doc_id, doc.text)
        old = read_segments(repo, doc_id) if repo.segments_file(doc_id).is_file() else []
        out.segments[doc_id] = new
        if [(r["start"], r["end"]) for r in old] != [(r["start"], r["end"]) for r in new]:
            out.changed.append(doc_id)
        starts = [r["start"] for r in new]
        for layer in repo.layers():
            if not repo.layer_file(layer, doc_id).is_file():
                continue
            records = [empty_record(s) for s in new]
            where = repo.rel(repo.layer_file(layer, doc_id))
            for rec in read_layer(repo, layer, doc_id):
                for kind in kinds:
                    for span in rec[kind]:
                        lo = rec["start"] + min(d[s] for d, s, _ in _offsets(span))
                        hi = rec["start"] + max(d[e] for d, _, e in _offsets(span))
                        j = bisect.bisect_right(starts, lo) - 1
                        if j < 0 or hi > new[j]["end"]:
                            out.cut.append(f"{where} {rec['id']} {kind} {span['start']}:{span['end']} {span['text']!r}")
                            continue
                        records[j][kind].append(_move(span, rec["start"] - new[j]["start"]))
                        out.moved += (rec["start"], rec["id"]) != (new[j]["start"], new[j]["id"])
            out.layers[(layer, doc_id)] = [with_flags(r) for r in records]
    return out


def apply(repo: Repo, p: Plan) -> None:
    """Write the plan: refused, listing every span a new boundary would cut, if there is one."""
    if p.cut:
        raise LayerError(repo.rel(repo.segments), f"{len(p.cut)} annotated spans would cross a new sentence boundary: "
                          + "; ".join(p.cut),
                          "adjust those spans (or keep the segmenter that made the current boundaries), then run again")
    with Transaction(repo.root, "resegment") as tx:  # segments, every layer file and segmenter.json, or nothing
        for doc_id, records in p.segments.items():
            tx.write(repo.segments_file(doc_id), jsonl(records), replace=True)
        for (layer, doc_id), records in p.layers.items():
            write_layer(repo, layer, doc_id, records, overwrite=True, tx=tx)
        tx.write(repo.segments / SEGMENTER_FILE, dumps(segmenter_info()) + "\n", replace=True)


def up_to_date(repo: Repo, p: Plan) -> bool:
    """No boundary would move and segmenter.json names the installed segmenter."""
    path = repo.segments / SEGMENTER_FILE
    return not p.changed and path.is_file() and json.loads(path.read_text(encoding="utf-8")) == segmenter_info()
