"""Hugging Face `Features` of every release config, derived from the label sets in schema/.

Label-valued fields are `ClassLabel`s (stored as integers, like conll2003); offsets are int32.
"""

from __future__ import annotations

import functools

from datasets import ClassLabel, Features, List, Value

from claimcorpus import schema

I32, STR, BOOL = Value("int32"), Value("string"), Value("bool")


@functools.cache
def class_labels() -> dict[str, ClassLabel]:
    return {name: ClassLabel(names=list(values)) for name, values in schema.labels().items()}


@functools.cache
def iob_names() -> tuple[str, ...]:
    """IOB2 tag names: O, then B-/I- for each entity label in schema order (as conll2003)."""
    return ("O", *(f"{p}-{lab}" for lab in schema.labels()["entity_label"] for p in ("B", "I")))


def _span(**extra) -> dict:
    return {"start": I32, "end": I32, "text": STR, **extra}


def sentence_features() -> Features:
    cl = class_labels()
    return Features({
        "id": STR, "doc_id": STR, "index": I32, "text": STR, "start": I32, "end": I32,
        "entities": List(_span(label=cl["entity_label"])),
        "hedges": List(_span(type=cl["hedge_type"], scope_start=I32, scope_end=I32)),
        "claims": List(_span(type=cl["claim_type"], checkworthy=BOOL,
                             source={"type": cl["source_type"], "start": I32, "end": I32, "text": STR})),
        "hedged": BOOL, "checkworthy": BOOL,
    })


def layer_features() -> Features:
    return Features({"layer": STR, "annotator": STR, "guidelines_version": STR, **sentence_features()})


def document_features() -> Features:
    return Features({
        "doc_id": STR, "text": STR, "path": STR, "sha256_raw": STR, "sha256_text": STR, "n_chars": I32,
        "n_sentences": I32, "language": STR, "title": STR, "source": STR, "date": STR, "license": STR,
    })


def _flat(**extra) -> Features:
    return Features({"sentence_id": STR, "doc_id": STR, "start": I32, "end": I32, "doc_start": I32,
                     "doc_end": I32, "text": STR, **extra})


def entity_features() -> Features:
    return _flat(label=class_labels()["entity_label"])


def hedge_features() -> Features:
    return _flat(type=class_labels()["hedge_type"], scope_start=I32, scope_end=I32,
                 doc_scope_start=I32, doc_scope_end=I32, scope_text=STR)


def claim_features() -> Features:
    cl = class_labels()
    return _flat(type=cl["claim_type"], checkworthy=BOOL, source_type=cl["source_type"],
                 source_start=I32, source_end=I32, source_text=STR)


def token_features() -> Features:
    return Features({"id": STR, "doc_id": STR, "tokens": List(STR), "token_starts": List(I32),
                     "ner_tags": List(ClassLabel(names=list(iob_names())))})


CONFIG_DESCRIPTIONS = {
    "sentences": "one row per sentence with nested entity, hedge and claim spans (gold)",
    "documents": "canonical document text and manifest fields",
    "entities": "one row per gold entity mention, sentence and document offsets",
    "claims": "one row per gold claim",
    "hedges": "one row per gold hedge cue with its scope",
    "tokens": "spaCy tokens with IOB2 ner_tags (ClassLabel), like conll2003",
    "layers": "every raw annotation layer (independent passes and gold), one row per sentence per layer",
}

CONFIGS = {
    "sentences": sentence_features,
    "documents": document_features,
    "entities": entity_features,
    "claims": claim_features,
    "hedges": hedge_features,
    "tokens": token_features,
    "layers": layer_features,
}
