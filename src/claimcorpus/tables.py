"""Rows of every release config, from the documents and the annotation layers.

Label strings become ClassLabel integers here, in schema order. A flat entity row::

    {"sentence_id": "doc1-s0000", "doc_id": "doc1", "start": 0, "end": 4, "doc_start": 120,
     "doc_end": 124, "text": "Kyiv", "label": 4}
"""

from __future__ import annotations

import bisect
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


def _encoder(feature):
    """A function shaping a value as ``feature`` (features.py): label strings to ids, absent fields to None.

    Made once per feature (the build calls it for every span of every sentence): a struct becomes a dict
    of its fields, a ClassLabel its id (a dict lookup; ``str2int`` for anything else, as datasets does),
    anything else the value itself.
    """
    if isinstance(feature, dict):
        fields = [(k, _encoder(f)) for k, f in feature.items()]

        def struct(value):
            value = value or {}
            return {k: value.get(k) if enc is None else enc(value.get(k)) for k, enc in fields}
        return struct
    if isinstance(feature, ClassLabel):
        ids = {name: i for i, name in enumerate(feature.names)}
        return lambda value: None if value is None else ids[value] if value in ids else feature.str2int(value)
    return None


@schema.cached
def _span_encoders() -> tuple:
    return tuple((kind.field, _encoder(sentence_features()[kind.field].feature)) for kind in kinds())


def encode_sentence(rec: dict) -> dict:
    """A layer record with label strings replaced by ClassLabel ids and absent source offsets as None."""
    out = {k: rec[k] for k in ("id", "doc_id", "index", "text", "start", "end")}
    for field, enc in _span_encoders():
        out[field] = [enc(span) for span in rec[field]]
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


def token_row(rec: dict, doc=None) -> dict:
    """Tokens and IOB2 tags of one sentence (``doc``: its spaCy Doc, if already made).

    An entity edge inside a token (e.g. 'Soviet' in 'Soviet-era' when the tokenizer keeps it whole)
    is widened to the token boundary, so the tag goes to the token holding the edge. The tags are
    what ``biluo_to_iob(offsets_to_biluo_tags(doc, spans))`` gives for these token-aligned spans (B- on
    the first token, I- on the rest; tests/test_build_rows.py compares the two), set directly: spaCy's
    function walks every token of the sentence for each call and was most of the build's time.
    Tokens are read as arrays (``Doc.to_array``), not as Token objects, and aligned by ``_expand``.
    """
    text = rec["text"]
    doc = tokens.nlp()(text) if doc is None else doc
    starts, lengths, spaces = doc.to_array(_token_attrs()).reshape(-1, 3).T.tolist()
    tags, ids = [0] * len(starts), _iob_ids()
    for first, end, label in aligned(starts, lengths, spaces, rec["entities"]):
        tags[first] = ids[f"B-{label}"]
        tags[first + 1:end] = [ids[f"I-{label}"]] * (end - first - 1)
    return {"id": rec["id"], "doc_id": rec["doc_id"], "tokens": [text[s:s + n] for s, n in zip(starts, lengths)],
            "token_starts": starts, "ner_tags": tags}


def aligned(starts: list[int], lengths: list[int], spaces: list[int], entities) -> Iterator[tuple[int, int, str]]:
    """(first token, end token, label) of each entity, in start order, widened to whole tokens (``_expand``); an
    entity that has no token, or shares a token with an earlier one, is left out (the first keeps the token).
    ``entities``: dicts with start, end and label. The one rule of the tokens config (token_row, columns.token_table)."""
    taken: set[int] = set()
    for e in sorted(entities, key=lambda x: x["start"]):
        span = _expand(starts, lengths, spaces, e["start"], e["end"])
        if span is None or taken.intersection(range(*span)):
            continue
        taken.update(range(*span))
        yield span[0], span[1], e["label"]


@functools.cache
def _token_attrs() -> list:
    """The Doc.to_array attributes a token row needs: start, length, trailing space."""
    from spacy.attrs import IDX, LENGTH, SPACY

    return [IDX, LENGTH, SPACY]


def _expand(starts: list[int], lengths: list[int], spaces: list[int], start: int, end: int):
    """(first, end) token indices of ``Doc.char_span(start, end, alignment_mode="expand")``, or None where it
    gives None. Each token owns its characters and its trailing space (spaCy's ``token_by_char``); an edge
    on the trailing space of a token starts at the next one."""
    def token_at(c: int) -> int:
        i = bisect.bisect_right(starts, c) - 1
        return i if i >= 0 and c < starts[i] + lengths[i] + spaces[i] else -1

    first, last = token_at(start), token_at(end - 1)
    if first < 0 or last < 0:
        return None
    if start == starts[first] + lengths[first]:
        first += 1
    return first, last + 1


@functools.cache
def _iob_ids() -> dict[str, int]:
    return {name: i for i, name in enumerate(iob_names())}
