"""Rows of every release config, from the documents and the annotation layers.

Label strings become ClassLabel integers here, in schema order. A flat entity row::

    {"sentence_id": "doc1-s0000", "doc_id": "doc1", "start": 0, "end": 4, "doc_start": 120,
     "doc_end": 124, "text": "Kyiv", "label": 4}
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from datasets import ClassLabel

from claimcorpus import schema, tokens
from claimcorpus.features import iob_names, sentence_features
from claimcorpus.kinds import SpanKind, flags, kinds


@schema.cached
def _index(name: str) -> dict[str, int]:
    return {v: i for i, v in enumerate(schema.labels()[name])}


def encode(label_set: str, value: str) -> int:
    """A label's ClassLabel id: its position in the schema's label set.

    >>> encode("hedge_type", "epistemic")
    1
    """
    return _index(label_set)[value]


def _encode(value, feature):
    """``value`` shaped as ``feature`` (features.py): label strings to ids, absent fields to None."""
    if isinstance(feature, dict):
        value = value or {}
        return {k: _encode(value.get(k), f) for k, f in feature.items()}
    if isinstance(feature, ClassLabel):
        return None if value is None else feature.str2int(value)
    return value


@schema.cached
def _span_feature(kind: SpanKind) -> dict:
    return sentence_features()[kind.field].feature


def encode_sentence(rec: dict) -> dict:
    """A layer record with label strings replaced by ClassLabel ids and absent source offsets as None."""
    out = {k: rec[k] for k in ("id", "doc_id", "index", "text", "start", "end")}
    for kind in kinds():
        feature = _span_feature(kind)
        out[kind.field] = [_encode(span, feature) for span in rec[kind.field]]
    out |= {f.name: rec[f.name] for _, f in flags()}
    return out


def span_rows(kind: SpanKind, records: Iterable[dict]) -> Iterator[dict]:
    """The flat rows of one kind (its release config), in record order."""
    for rec in records:
        for span in rec[kind.field]:
            yield {"sentence_id": rec["id"], "doc_id": rec["doc_id"], "start": span["start"], "end": span["end"],
                   "doc_start": rec["start"] + span["start"], "doc_end": rec["start"] + span["end"],
                   "text": span["text"], kind.label: encode(kind.label_set, span[kind.label]),
                   **kind.flat_row(rec, span, encode)}


tokenizer_info = tokens.release_info


def token_row(rec: dict) -> dict:
    """Tokens and IOB2 tags of one sentence.

    An entity edge inside a token (e.g. 'Soviet' in 'Soviet-era' when the tokenizer keeps it whole)
    is widened to the token boundary, so the tag goes to the token holding the edge. The tags are
    what ``biluo_to_iob(offsets_to_biluo_tags(doc, spans))`` gives for these token-aligned spans (B- on
    the first token, I- on the rest; tests/test_build_rows.py compares the two), set directly: spaCy's
    function walks every token of the sentence for each call and was most of the build's time.
    """
    doc = tokens.nlp()(rec["text"])
    tags, ids = [0] * len(doc), _iob_ids()
    taken: set[int] = set()
    for e in sorted(rec["entities"], key=lambda x: x["start"]):
        span = doc.char_span(e["start"], e["end"], alignment_mode="expand")
        if span is None or taken.intersection(range(span.start, span.end)):
            continue  # two entities inside one token: the first keeps it
        taken.update(range(span.start, span.end))
        tags[span.start] = ids[f"B-{e['label']}"]
        tags[span.start + 1:span.end] = [ids[f"I-{e['label']}"]] * (span.end - span.start - 1)
    return {"id": rec["id"], "doc_id": rec["doc_id"], "tokens": [t.text for t in doc],
            "token_starts": [t.idx for t in doc], "ner_tags": tags}


@functools.cache
def _iob_ids() -> dict[str, int]:
    return {name: i for i, name in enumerate(iob_names())}
