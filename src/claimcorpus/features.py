"""Hugging Face `Features` of every release config, derived from the label sets in schema/.

Label-valued fields are `ClassLabel`s (stored as integers, like conll2003); offsets are int32.
"""

from __future__ import annotations


from datasets import ClassLabel, Features, List, Value

from claimcorpus import schema
from claimcorpus.kinds import SpanKind, flags, kinds

I32, STR, BOOL = Value("int32"), Value("string"), Value("bool")


@schema.cached
def class_labels() -> dict[str, ClassLabel]:
    return {name: ClassLabel(names=list(values)) for name, values in schema.labels().items()}


@schema.cached
def iob_names() -> tuple[str, ...]:
    """IOB2 tag names: O, then B-/I- for each entity label in schema order (as conll2003)."""
    return ("O", *(f"{p}-{lab}" for lab in schema.labels()["entity_label"] for p in ("B", "I")))


def _span(**extra) -> dict:
    return {"start": I32, "end": I32, "text": STR, **extra}


def sentence_features() -> Features:
    """A sentence with one nested span list per kind (kinds.py) and the kinds' flags."""
    cl = class_labels()
    return Features({
        "id": STR, "doc_id": STR, "index": I32, "text": STR, "start": I32, "end": I32,
        **{k.field: List(_span(**{k.label: cl[k.label_set]}, **k.nested())) for k in kinds()},
        **{f.name: BOOL for _, f in flags()},
    })


def layer_features() -> Features:
    return Features({"layer": STR, "annotator": STR, "guidelines_version": STR, **sentence_features()})


# columns of the documents config beside the manifest fields, each after the field it follows
DOCUMENT_EXTRA = {"doc_id": {"text": STR}, "n_chars": {"n_sentences": I32}}


def document_features() -> Features:
    """The manifest fields (schema/document.schema.json, in its order: integers int32, the rest strings),
    with the document text and its sentence count."""
    props = schema.load("document")["properties"]
    out = {}
    for name in schema.fields("document"):
        out[name] = I32 if props[name].get("type") == "integer" else STR
        out |= DOCUMENT_EXTRA.get(name, {})
    return Features(out)


def span_features(kind: SpanKind) -> Features:
    """The flat table of one kind: one row per span, with sentence and document offsets."""
    return Features({"sentence_id": STR, "doc_id": STR, "start": I32, "end": I32, "doc_start": I32,
                     "doc_end": I32, "text": STR, kind.label: class_labels()[kind.label_set], **kind.flat()})


def token_features() -> Features:
    return Features({"id": STR, "doc_id": STR, "tokens": List(STR), "token_starts": List(I32),
                     "ner_tags": List(ClassLabel(names=list(iob_names())))})


def _without_text(feature):
    if isinstance(feature, dict):
        return {k: _without_text(v) for k, v in feature.items() if k != "text"}
    if isinstance(feature, List):
        return List(_without_text(feature.feature))
    return feature


def standoff_features() -> Features:
    """A ``layers`` row without any text (top level and inside every span), with the sentence text's sha256."""
    out = {}
    for k, v in layer_features().items():
        out |= {"text_sha256": STR} if k == "text" else {k: _without_text(v)}
    return Features(out)


def standoff_document_features() -> Features:
    return Features({k: v for k, v in document_features().items() if k != "text"})
