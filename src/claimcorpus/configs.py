"""The release configs, declared once: name, features, rows, description, default.

The build writes them in this order, the dataset card lists them (the default first), and the
tests load each back with its features. One flat config per span kind comes from kinds.py.

>>> [c.name for c in configs()]
['sentences', 'documents', 'entities', 'claims', 'hedges', 'tokens', 'layers', 'standoff', 'standoff_documents']
>>> default().name
'sentences'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from datasets import Features

from claimcorpus import features, schema, standoff, tables
from claimcorpus.kinds import SpanKind, kinds

@dataclass(frozen=True)
class Config:
    """One release config. ``rows(data, doc_ids)`` gets {"docs", "gold", "layer_rows"} of the documents it writes
    (the streaming build passes one document at a time: build.document_rows)."""

    name: str
    features: Callable[[], Features]
    rows: Callable[[dict, list[str]], list[dict]]
    description: str
    default: bool = False
    # (config, fn): the same rows made from that config's Arrow table as fn(table, schema), column-wise
    # (the streaming build does this; ``rows`` stays the reference)
    derive: tuple[str, Callable] | None = None


def _gold(data: dict, doc_ids: list[str]) -> list[dict]:
    return [r for d in doc_ids for r in data["gold"][d]]


def encoded_gold(data: dict, doc_ids: list[str]) -> list[dict]:
    """The gold records of ``doc_ids`` with ClassLabel ids (tables.encode_sentence), encoded once per document:
    the sentences config and the gold layer's rows share them (kept in ``data["encoded"]``)."""
    done = data.setdefault("encoded", {})
    for d in doc_ids:
        if d not in done:
            done[d] = [tables.encode_sentence(r) for r in data["gold"][d]]
    return [r for d in doc_ids for r in done[d]]


def _documents(data: dict, doc_ids: list[str]) -> list[dict]:
    docs = data["docs"]
    return [{**{k: docs[d].entry[k] for k in schema.fields("document")}, "text": docs[d].text, "n_sentences": len(data["gold"][d])}
            for d in doc_ids]


def _layers(data: dict, doc_ids: list[str]) -> list[dict]:
    wanted = set(doc_ids)
    return [row for d, row in data["layer_rows"] if d in wanted]


def _span_config(kind: SpanKind) -> Config:
    return Config(kind.field, lambda: features.span_features(kind),
                  lambda data, ids: list(tables.span_rows(kind, _gold(data, ids))), kind.description)


# Order of the release (and of the card); the span kinds keep their historical order after documents.
SPAN_ORDER = ("entities", "claims", "hedges")


def configs() -> list[Config]:
    """Every release config, in release order."""
    spans = sorted(kinds(), key=lambda k: (SPAN_ORDER.index(k.field) if k.field in SPAN_ORDER else len(SPAN_ORDER)))
    return [
        Config("sentences", features.sentence_features,
               encoded_gold,
               "one row per sentence with nested " + ", ".join(k.unit.split()[0] for k in kinds()[:-1])
               + f" and {kinds()[-1].unit.split()[0]} spans (gold)", default=True),
        Config("documents", features.document_features, _documents, "canonical document text and manifest fields"),
        *(_span_config(k) for k in spans),
        Config("tokens", features.token_features, lambda data, ids: [tables.token_row(r) for r in _gold(data, ids)],
               "spaCy tokens with IOB2 ner_tags (ClassLabel), like conll2003"),
        Config("layers", features.layer_features, _layers,
               "every raw annotation layer (independent passes and gold), one row per sentence per layer"),
        Config("standoff", features.standoff_features,
               lambda data, ids: [standoff.strip_row(r) for r in _layers(data, ids)],
               "licence-safe: every layer's annotations with text_sha256 and no text; `claimcorpus rehydrate` adds your copy",
               derive=("layers", standoff.strip_table)),
        Config("standoff_documents", features.standoff_document_features,
               lambda data, ids: [{k: v for k, v in r.items() if k != "text"} for r in _documents(data, ids)],
               "licence-safe: the documents config without text (hashes, lengths, metadata)",
               derive=("documents", standoff.strip_table)),
    ]


def config(name: str) -> Config:
    return next(c for c in configs() if c.name == name)


def default() -> Config:
    return next(c for c in configs() if c.default)
