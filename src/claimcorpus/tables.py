"""Rows of every release config, from the documents and the annotation layers.

Label strings become ClassLabel integers here, in schema order. A flat entity row::

    {"sentence_id": "doc1-s0000", "doc_id": "doc1", "start": 0, "end": 4, "doc_start": 120,
     "doc_end": 124, "text": "Kyiv", "label": 4}
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from claimcorpus import schema
from claimcorpus.features import iob_names


@functools.cache
def _index(name: str) -> dict[str, int]:
    return {v: i for i, v in enumerate(schema.labels()[name])}


def encode_sentence(rec: dict) -> dict:
    """A layer record with label strings replaced by ClassLabel ids and absent source offsets as None."""
    ent, hed, cla, src = _index("entity_label"), _index("hedge_type"), _index("claim_type"), _index("source_type")
    return {
        "id": rec["id"], "doc_id": rec["doc_id"], "index": rec["index"], "text": rec["text"],
        "start": rec["start"], "end": rec["end"],
        "entities": [{"start": e["start"], "end": e["end"], "text": e["text"], "label": ent[e["label"]]}
                     for e in rec["entities"]],
        "hedges": [{"start": h["start"], "end": h["end"], "text": h["text"], "type": hed[h["type"]],
                    "scope_start": h["scope_start"], "scope_end": h["scope_end"]} for h in rec["hedges"]],
        "claims": [{"start": c["start"], "end": c["end"], "text": c["text"], "type": cla[c["type"]],
                    "checkworthy": c["checkworthy"],
                    "source": {"type": src[c["source"]["type"]], "start": c["source"].get("start"),
                               "end": c["source"].get("end"), "text": c["source"].get("text")}}
                   for c in rec["claims"]],
        "hedged": rec["hedged"], "checkworthy": rec["checkworthy"],
    }


def _flat(rec: dict, span: dict) -> dict:
    return {"sentence_id": rec["id"], "doc_id": rec["doc_id"], "start": span["start"], "end": span["end"],
            "doc_start": rec["start"] + span["start"], "doc_end": rec["start"] + span["end"], "text": span["text"]}


def entity_rows(records: Iterable[dict]) -> Iterator[dict]:
    ent = _index("entity_label")
    for rec in records:
        for e in rec["entities"]:
            yield {**_flat(rec, e), "label": ent[e["label"]]}


def hedge_rows(records: Iterable[dict]) -> Iterator[dict]:
    hed = _index("hedge_type")
    for rec in records:
        for h in rec["hedges"]:
            s, e = h["scope_start"], h["scope_end"]
            yield {**_flat(rec, h), "type": hed[h["type"]], "scope_start": s, "scope_end": e,
                   "doc_scope_start": rec["start"] + s, "doc_scope_end": rec["start"] + e, "scope_text": rec["text"][s:e]}


def claim_rows(records: Iterable[dict]) -> Iterator[dict]:
    cla, src = _index("claim_type"), _index("source_type")
    for rec in records:
        for c in rec["claims"]:
            s = c["source"]
            yield {**_flat(rec, c), "type": cla[c["type"]], "checkworthy": c["checkworthy"],
                   "source_type": src[s["type"]], "source_start": s.get("start"), "source_end": s.get("end"),
                   "source_text": s.get("text")}


@functools.cache
def _tokenizer():
    import spacy

    return spacy.blank("en")


def tokenizer_info() -> dict:
    import spacy

    return {"name": "spacy.blank('en').tokenizer", "spacy_version": spacy.__version__,
            "tags": "IOB2 from spacy.training.offsets_to_biluo_tags + biluo_to_iob",
            "misaligned_edges": "entity edges inside a token are widened to the whole token "
                                "(Doc.char_span alignment_mode='expand'); the tag goes to the token holding the span start"}


def token_row(rec: dict) -> dict:
    """Tokens and IOB2 tags of one sentence.

    An entity edge inside a token (e.g. 'Soviet' in 'Soviet-era' when the tokenizer keeps it whole)
    is widened to the token boundary, so the tag goes to the token holding the edge.
    """
    from spacy.training import biluo_to_iob, offsets_to_biluo_tags

    doc = _tokenizer()(rec["text"])
    offsets, taken = [], set()
    for e in sorted(rec["entities"], key=lambda x: x["start"]):
        span = doc.char_span(e["start"], e["end"], alignment_mode="expand")
        if span is None or taken & set(range(span.start, span.end)):
            continue  # two entities inside one token: the first keeps it
        taken |= set(range(span.start, span.end))
        offsets.append((span.start_char, span.end_char, e["label"]))
    tags = biluo_to_iob(offsets_to_biluo_tags(doc, offsets))
    ids = {name: i for i, name in enumerate(iob_names())}
    return {"id": rec["id"], "doc_id": rec["doc_id"], "tokens": [t.text for t in doc],
            "token_starts": [t.idx for t in doc], "ner_tags": [ids[t] for t in tags]}
