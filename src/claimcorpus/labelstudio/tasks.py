"""Export: sentence records -> Label Studio tasks (one task per sentence).

A task::

    {"data": {"text": "Kyiv said it may act.", "sentence_id": "doc1-s0000", "doc_id": "doc1",
              "index": 0, "text_sha256": "<sha256 of the UTF-8 sentence text>"},
     "predictions": [{"model_version": "<layer>", "result": [...]}],   # pre-annotation layers
     "annotations": [{"result": [...], "ground_truth": true}]}          # --review layer (e.g. gold)

A result lists entity regions first (Label Studio's CoNLL converter reads the first
<Labels> it meets in a result), then hedge cues, their scopes and the cue->scope relations
that are needed, then claims with their per-region choices, sources and the claim->source
relations that are needed. Sentence flags are not sent: they are derived from the spans.
"""

from __future__ import annotations

from claimcorpus.documents import load_documents
from claimcorpus.errors import CorpusError, LabelStudioError
from claimcorpus.kinds import SpanKind
from claimcorpus.labelstudio import config as C
from claimcorpus.labelstudio.offsets import Unit, encode
from claimcorpus.layers import read_layer, read_meta, read_segments, require_valid
from claimcorpus.layout import Repo
from claimcorpus.textio import sha256


def text_hash(text: str) -> str:
    return sha256(text.encode("utf-8"))


def task_data(segment: dict) -> dict:
    return {"text": segment["text"], "sentence_id": segment["id"], "doc_id": segment["doc_id"],
            "index": segment["index"], "text_sha256": text_hash(segment["text"])}


def _value(text: str, start: int, end: int, unit: Unit) -> dict:
    return {"start": encode(text, start, unit), "end": encode(text, end, unit), "text": text[start:end]}


def _region(rid: str, control: str, text: str, start: int, end: int, label: str, unit: Unit) -> dict:
    return {"id": rid, "from_name": control, "to_name": C.TEXT, "type": "labels",
            "value": {**_value(text, start, end, unit), "labels": [label]}}


def _choice(rid: str, control: str, text: str, start: int, end: int, value: str, unit: Unit) -> dict:
    return {"id": rid, "from_name": control, "to_name": C.TEXT, "type": "choices",
            "value": {**_value(text, start, end, unit), "choices": [value]}}


def _relation(a: str, b: str) -> dict:
    return {"from_id": a, "to_id": b, "type": "relation", "direction": "right"}


def _claim(cid: str, c: dict, t: str, unit: Unit, entity_ids: dict[tuple[int, int], str]) -> list[dict]:
    """A claim: its region, its per-region choices, and its mention source related to it (the entity region
    when an entity has the source's offsets, not a second region)."""
    s, e, src = c["start"], c["end"], c["source"]
    checkworthy = next(k for k, v in C.YES_NO.items() if v is c["checkworthy"])
    out = [_region(cid, C.CLAIM, t, s, e, C.CLAIM, unit),
           _choice(cid, C.CLAIM_TYPE, t, s, e, c["type"], unit),
           _choice(cid, C.CHECKWORTHY, t, s, e, checkworthy, unit),
           _choice(cid, C.SOURCE_TYPE, t, s, e, src["type"], unit)]
    if src["type"] == "mention":
        entity = entity_ids.get((src["start"], src["end"]))
        if entity:
            return [*out, _relation(cid, entity)]
        out += [_region(f"{cid}s", C.SOURCE, t, src["start"], src["end"], C.SOURCE, unit), _relation(cid, f"{cid}s")]
    return out


# Kinds exported by code of their own (field -> (region id, span, sentence text, unit) -> result items);
# every other kind is a labelled region plus one related region per offset pair.
CUSTOM = {"claims": _claim}


def _spans(kind: SpanKind, rid: str, span: dict, t: str, unit: Unit) -> list[dict]:
    out = [_region(rid, kind.ls.control, t, span["start"], span["end"], span[kind.label], unit)]
    for name, *_ in kind.ls.regions:
        s, e = next(o for o in kind.offsets if o.name == name).get(span)
        if s is not None:
            out += [_region(f"{rid}{name[0]}", name, t, s, e, name, unit), _relation(rid, f"{rid}{name[0]}")]
    return out


def to_result(rec: dict, unit: Unit = "codepoint") -> list[dict]:
    """The Label Studio result of one sentence record (region ids are stable: e0, h0, h0s, c0, c0s, ...).

    A relation is left out when the importer pairs its regions without it (labelstudio/pairing.py), so the
    editor draws only the arrows that say something.
    """
    t, out = rec["text"], []
    entity_ids = {(x["start"], x["end"]): f"{C.ENTITY[0]}{i}" for i, x in enumerate(rec.get("entities", []))}
    for kind in C.ls_kinds():
        for i, span in enumerate(rec[kind.field]):
            rid = f"{kind.ls.control[0]}{i}"
            out += CUSTOM[kind.field](rid, span, t, unit, entity_ids) if kind.field in CUSTOM \
                else _spans(kind, rid, span, t, unit)
    return _needed_relations(out, rec, unit)


def _needed_relations(result: list[dict], rec: dict, unit: Unit) -> list[dict]:
    from claimcorpus.labelstudio.importer import from_result

    want = {k.field: from_result(result, rec, unit)[k.field] for k in C.ls_kinds()}
    for item in [x for x in result if x.get("type") == "relation"]:
        trial = [x for x in result if x is not item]
        try:
            got = from_result(trial, rec, unit)
        except CorpusError:
            continue
        if all(got[k] == v for k, v in want.items()):
            result = trial
    return result


def _layer_records(repo: Repo, layer: str, doc_id: str) -> dict[str, dict]:
    read_meta(repo, layer)
    if not repo.layer_file(layer, doc_id).is_file():
        raise LabelStudioError(repo.rel(repo.layer_file(layer, doc_id)), f"layer {layer!r} has no file for {doc_id!r}",
                          f"leave out --doc {doc_id} or the layer, or annotate the document in that layer")
    return {r["id"]: r for r in read_layer(repo, layer, doc_id)}


def export_tasks(repo: Repo, doc_ids: list[str] | None = None, *, predictions: list[str] = (),
                 review: str | None = None, unit: Unit = "codepoint") -> list[dict]:
    """Tasks for every sentence of ``doc_ids`` (default: all documents), in document then sentence order.

    ``predictions`` layers become predictions (model_version = layer id); ``review`` becomes an annotation.
    """
    require_valid(repo, [*predictions, *([review] if review else [])], "a Label Studio export")
    docs = load_documents(repo)
    for doc_id in doc_ids or []:
        if doc_id not in docs:
            raise LabelStudioError(repo.rel(repo.manifest), f"no document {doc_id!r}",
                              "pass a doc_id listed in seeds/manifest.jsonl")
    tasks = []
    for doc_id in sorted(doc_ids or docs):
        pred = {layer: _layer_records(repo, layer, doc_id) for layer in predictions}
        gold = _layer_records(repo, review, doc_id) if review else {}
        for seg in read_segments(repo, doc_id):
            task: dict = {"data": task_data(seg)}
            if pred:
                task["predictions"] = [{"model_version": layer, "result": to_result(_record(recs, seg, layer), unit)}
                                       for layer, recs in pred.items()]
            if review:
                task["annotations"] = [{"result": to_result(_record(gold, seg, review), unit), "ground_truth": True}]
            tasks.append(task)
    return tasks


def _record(records: dict[str, dict], seg: dict, layer: str) -> dict:
    rec = records.get(seg["id"])
    if rec is None or rec["text"] != seg["text"]:
        raise LabelStudioError(f"annotations/{layer}/{seg['doc_id']}.jsonl", f"sentence {seg['id']} is missing or its text "
                          "differs from annotations/segments", "run `claimcorpus validate` and fix the layer first")
    return rec
