"""Span kinds: every annotation layer of a sentence record, declared once.

A kind names its field in the sentence record, its label field and label set (a ``$defs`` enum
of schema/sentence.schema.json, checked there), its extra offsets, its flat release table, its
sentence flag and its own level-3 checks. Validation, empty records, release rows and features,
the GE suites, the card, agreement, Label Studio and the benchmark loop over ``KINDS``.

>>> [k.field for k in kinds()]
['entities', 'hedges', 'claims']
>>> kind("hedges").labels()
('modal', 'epistemic', 'evidential', 'approximator')

A new kind is one ``register(SpanKind(...))`` call (here, or from a test or plugin at run time)
plus its definitions in schema/sentence.schema.json; see docs/extending.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from claimcorpus import schema

from claimcorpus.validation.codes import CHECKS
from claimcorpus.validation.codes import Check as Check_

Check = Callable[[dict], Iterator[tuple[str, str]]]  # sentence record -> (code, message) findings


@dataclass(frozen=True)
class Offsets:
    """An extra (start, end) pair of a span, into the sentence text: a hedge's scope, a claim's source.

    ``within``: where the pair sits in the span ('' = on the span itself, 'source' = in span['source']).
    ``contains``: the pair must contain the span (a scope); else it is anywhere in the sentence.
    ``optional``: the pair may be absent (a claim source of type 'author').
    """

    name: str  # "scope": flat columns scope_start, scope_end, scope_text
    start: str  # field in the span (or in span[within])
    end: str
    of: str  # what the pair belongs to, in messages: "cue"
    within: str = ""
    contains: bool = False
    optional: bool = False
    doc: bool = False  # the flat table also carries doc_<start>/doc_<end> (document offsets)

    def get(self, span: dict) -> tuple[int | None, int | None]:
        src = span.get(self.within, {}) if self.within else span
        return src.get(self.start), src.get(self.end)


@dataclass(frozen=True)
class Flag:
    """A boolean of the sentence record derived from one kind's spans (``hedged``, ``checkworthy``).

    True exactly when the kind has a span (whose ``when`` field is true, if given). ``rows`` names
    the GE column counting those rows per sentence; ``says`` is the GE statement. With ``when``,
    GE also checks the sentence's count of such spans (column ``count``) against its rows.
    """

    name: str
    when: str | None
    rows: str
    says: str
    count: str = ""
    count_says: str = ""
    title: str = ""  # in the card: "<title> sentences" and, with ``when``, "<title> <kind's plural>"

    def shown(self) -> str:
        return self.title or self.name

    def value(self, spans: list[dict]) -> bool:
        return any(s[self.when] if self.when else True for s in spans)


@dataclass(frozen=True)
class Unit:
    """A span-agreement unit of a kind: its spans (``offsets`` None) or one of their offset pairs.

    ``tokens``: also compare, per token, the label of the first span covering it (kappa, alpha).
    ``pairs``: also compare the label over span pairs matched without labels (exact and overlap).
    """

    key: str  # "hedge_scopes": the report's key
    title: str  # "Hedge scopes"
    offsets: Offsets | None = None
    tokens: str = ""  # "entity_tokens"
    tokens_title: str = ""  # "Entity label per token"
    pairs: str = ""  # "claim_type": units claim_type_exact and claim_type_overlap
    pairs_title: str = ""  # "Claim type"


@dataclass(frozen=True)
class LabelStudio:
    """How a kind appears in Label Studio (labelstudio/config.py, tasks.py, importer.py).

    Its spans are regions of the <Labels> ``control``, labelled with the kind's label set (or, when
    the kind has per-region ``choices``, with the control's name and the label chosen per region).
    Each of the kind's offset pairs is a region of a <Labels> named after the pair, related to its span.
    """

    control: str  # "hedge"
    intro: str  # the header above the control
    color: str | None = None
    # offset controls: (Offsets.name, intro, color, hint: None = the kind's description in the schema,
    # or (label set, value) = that value's x-description)
    regions: tuple[tuple[str, str, str | None, tuple[str, str] | None], ...] = ()
    choices: tuple[str, ...] = ()  # per-region <Choices>: a label set of the schema, or a boolean span field
    also_links: tuple[str, ...] = ()  # other controls whose regions may stand for one of its offset pairs
    colors: tuple[str, ...] = ()  # one colour per label, in label-set order (else ``color`` for all)
    # per-region choice -> stored value -> (name shown to the annotator, hint); values not named show as stored
    names: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = ()


@dataclass(frozen=True, eq=False)
class SpanKind:
    """One annotation layer of a sentence. Sample (the hedge kind)::

        {"start": 13, "end": 16, "text": "may", "type": "modal", "scope_start": 13, "scope_end": 20}
    """

    field: str  # "hedges": the sentence-record list, release config, GE table
    label: str  # "type": the span's label field
    label_set: str  # "hedge_type": its $defs enum in schema/sentence.schema.json
    span_def: str  # "hedge": the span's $defs object in schema/sentence.schema.json
    unit: str  # "hedge cue": one span, in messages and docs
    description: str  # the flat release config's description (dataset card)
    nested: Callable[[], dict] = dict  # extra HF features of a span in `sentences`, beyond start/end/text/label
    flat: Callable[[], dict] = dict  # extra HF features of its flat table, beyond the common columns and label
    flat_row: Callable[[dict, dict, Callable], dict] = lambda rec, span, enc: {}  # extra flat columns
    offsets: tuple[Offsets, ...] = ()
    extra_labels: dict[str, str] = field(default_factory=dict)  # flat column -> label set (besides `label`)
    required: tuple[str, ...] = ()  # flat columns that are never null (besides the common ones)
    flag: Flag | None = None
    checks: tuple[Check, ...] = ()  # level-3 checks of this kind, named generators
    codes: tuple[str, ...] = ()  # the codes its checks yield (each in validation.codes.CHECKS)
    new_checks: tuple[Check_, ...] = ()  # codes of a kind added after the fact: put into validation.codes.CHECKS
    agreement: tuple[Unit, ...] = ()  # what `claimcorpus agreement` compares
    ls: LabelStudio | None = None
    plural: str = ""  # "entities": several spans, in the card and logs (default: unit + "s")
    per_sentence: bool = True  # the card's Sentences table shows "<plural> per sentence"

    def labels(self) -> tuple[str, ...]:
        return schema.labels()[self.label_set]

    def many(self) -> str:
        return self.plural or self.unit + "s"

    def labels_title(self) -> str:
        """What the card's label line calls the label set: "entities" (a ``label``), "hedge cue types"."""
        return self.many() if self.label == "label" else f"{self.unit} {self.label}s"


KINDS: dict[str, SpanKind] = {}


def register(kind: SpanKind) -> SpanKind:
    """Add a kind (or replace the one with its field); checks it against schema/sentence.schema.json."""
    sentence = schema.load("sentence")
    props, defs = sentence["properties"], sentence["$defs"]
    problems = [f"no property {kind.field!r}" for _ in [0] if kind.field not in props]
    problems += [f"{c.code} is already {CHECKS[c.code].name!r}" for c in kind.new_checks
                 if c.code in CHECKS and CHECKS[c.code] != c]
    problems += [f"check {code} is not in validation.codes.CHECKS" for code in kind.codes
                 if code not in CHECKS and code not in {c.code for c in kind.new_checks}]
    problems += [f"no $defs enum {kind.label_set!r}" for _ in [0] if "enum" not in defs.get(kind.label_set, {})]
    span_props = defs.get(kind.span_def, {}).get("properties", {})
    if span_props.get(kind.label, {}).get("$ref") != f"#/$defs/{kind.label_set}":
        problems.append(f"$defs.{kind.span_def}.properties.{kind.label} does not refer to #/$defs/{kind.label_set}")
    if problems:
        from claimcorpus.errors import CorpusError, LayerError

        raise LayerError("schema/sentence.schema.json", f"span kind {kind.field!r}: " + "; ".join(problems),
                          "declare the kind's list, span object and label set in the schema (docs/extending.md)")
    CHECKS.update({c.code: c for c in kind.new_checks})
    KINDS[kind.field] = kind
    schema.reset()
    return kind


def unregister(field_name: str) -> None:
    """Remove a kind and the checks it added."""
    kind = KINDS.pop(field_name, None)
    for c in kind.new_checks if kind else ():
        CHECKS.pop(c.code, None)
    schema.reset()


def kinds() -> list[SpanKind]:
    return list(KINDS.values())


def kind(field_name: str) -> SpanKind:
    return KINDS[field_name]


def flags() -> list[tuple[SpanKind, Flag]]:
    return [(k, k.flag) for k in kinds() if k.flag]


def units() -> list[tuple[SpanKind, Unit]]:
    return [(k, u) for k in kinds() for u in k.agreement]


# -- the three kinds of claimcorpus ----------------------------------------------------------


def _overlaps(spans: list[dict], where: str, code: str, *, same_ok: bool = False) -> Iterator[tuple[str, str]]:
    if len(spans) < 2:
        return
    ordered = sorted(spans, key=lambda x: (x["start"], x["end"]))
    for a, b in zip(ordered, ordered[1:]):
        if b["start"] < a["end"] and not (same_ok and (a["start"], a["end"]) == (b["start"], b["end"])):
            yield code, f"{where} {a['text']!r} ({a['start']}:{a['end']}) and {b['text']!r} ({b['start']}:{b['end']}) overlap"


def entity_overlap(rec: dict) -> Iterator[tuple[str, str]]:
    """E312: entities are flat (OntoNotes)."""
    yield from _overlaps(rec["entities"], "entities", "E312")


def hedge_overlap(rec: dict) -> Iterator[tuple[str, str]]:
    """E319: cues never overlap (equal cues are E313)."""
    yield from _overlaps(rec["hedges"], "hedge cues", "E319", same_ok=True)


def hedge_scope(rec: dict) -> Iterator[tuple[str, str]]:
    """E314: a scope contains its cue inside the sentence; E311: no whitespace at its edges."""
    text = rec["text"]
    for i, h in enumerate(rec["hedges"]):
        s, e = h["scope_start"], h["scope_end"]
        if not (0 <= s <= h["start"] and h["end"] <= e <= len(text)):
            yield "E314", f"hedges[{i}] scope {s}:{e} does not contain cue {h['start']}:{h['end']} inside 0:{len(text)}"
        elif text[s:e] != text[s:e].strip():
            yield "E311", f"hedges[{i}] scope {text[s:e]!r} has whitespace at an edge"


def claim_source(rec: dict) -> Iterator[tuple[str, str]]:
    """E315: a mention source is a slice of the same sentence."""
    from claimcorpus.validation.level3 import slice_findings

    for i, c in enumerate(rec["claims"]):
        src = c["source"]
        if src["type"] == "mention":
            yield from slice_findings(f"claims[{i}].source", rec["text"], src["start"], src["end"], src["text"],
                                      "E315", "E315", None)


def flag_hedged(rec: dict) -> Iterator[tuple[str, str]]:
    """E316: 'hedged' is 'the sentence has a hedge cue'."""
    if rec["hedged"] != bool(rec["hedges"]):
        yield "E316", f"hedged is {rec['hedged']} but there are {len(rec['hedges'])} hedge cues"


def flag_checkworthy(rec: dict) -> Iterator[tuple[str, str]]:
    """E317: 'checkworthy' is 'the sentence has a check-worthy claim'."""
    want = any(c["checkworthy"] for c in rec["claims"])
    if rec["checkworthy"] != want:
        yield "E317", f"checkworthy is {rec['checkworthy']} but {'a' if want else 'no'} claim is check-worthy"


def _i32():
    from datasets import Value

    return Value("int32")


def _features(**names: str) -> dict:
    """HF features from short type names ('i32', 'str', 'bool', or a label set name)."""
    from datasets import ClassLabel, Value

    types = {"i32": Value("int32"), "str": Value("string"), "bool": Value("bool")}
    return {k: types[t] if t in types else ClassLabel(names=list(schema.labels()[t])) for k, t in names.items()}


SCOPE = Offsets("scope", "scope_start", "scope_end", "cue", contains=True, doc=True)
SOURCE = Offsets("source", "start", "end", "claim", within="source", optional=True)


def _hedge_row(rec: dict, span: dict, enc: Callable) -> dict:
    s, e = span["scope_start"], span["scope_end"]
    return {"scope_start": s, "scope_end": e, "doc_scope_start": rec["start"] + s, "doc_scope_end": rec["start"] + e,
            "scope_text": rec["text"][s:e]}


def _claim_row(rec: dict, span: dict, enc: Callable) -> dict:
    s = span["source"]
    return {"checkworthy": span["checkworthy"], "source_type": enc("source_type", s["type"]),
            "source_start": s.get("start"), "source_end": s.get("end"), "source_text": s.get("text")}


ENTITIES = register(SpanKind(
    field="entities", label="label", label_set="entity_label", span_def="entity", unit="entity",
    description="one row per gold entity mention, sentence and document offsets",
    checks=(entity_overlap,), codes=("E312",),
    agreement=(Unit("entities", "Entities", tokens="entity_tokens", tokens_title="Entity label per token"),),
    ls=LabelStudio("entity", "Entity"), plural="entities"))

HEDGES = register(SpanKind(
    field="hedges", label="type", label_set="hedge_type", span_def="hedge", unit="hedge cue",
    description="one row per gold hedge cue with its scope",
    nested=lambda: _features(scope_start="i32", scope_end="i32"),
    flat=lambda: _features(scope_start="i32", scope_end="i32", doc_scope_start="i32", doc_scope_end="i32",
                           scope_text="str"),
    flat_row=_hedge_row, offsets=(SCOPE,), required=("scope_start", "scope_end", "scope_text"),
    flag=Flag("hedged", None, "hedge_rows", "hedged is true exactly when the hedges table has a row for the sentence"),
    per_sentence=False,
    checks=(hedge_overlap, hedge_scope, flag_hedged), codes=("E319", "E314", "E316"),
    agreement=(Unit("hedge_cues", "Hedge cues", tokens="hedge_type_tokens", tokens_title="Hedge type per token"),
               Unit("hedge_scopes", "Hedge scopes", SCOPE)),
    ls=LabelStudio("hedge", "Hedge cue", None,
                   (("scope", "Scope (a cue takes the smallest one around it)", "#868E96", None),),
                   colors=("#E8590C", "#AE3EC9", "#0CA678", "#F08C00"))))

CLAIMS = register(SpanKind(
    field="claims", label="type", label_set="claim_type", span_def="claim", unit="claim",
    description="one row per gold claim",
    nested=lambda: {**_features(checkworthy="bool"),
                    "source": _features(type="source_type", start="i32", end="i32", text="str")},
    flat=lambda: _features(checkworthy="bool", source_type="source_type", source_start="i32", source_end="i32",
                           source_text="str"),
    flat_row=_claim_row, offsets=(SOURCE,), extra_labels={"source_type": "source_type"},
    required=("checkworthy", "source_type"),
    flag=Flag("checkworthy", "checkworthy", "checkworthy_claim_rows",
              "checkworthy is true exactly when the claims table has a check-worthy claim of the sentence",
              "n_checkworthy_claims", "check-worthy claims of the sentence equal its check-worthy rows in claims",
              title="check-worthy"),
    checks=(claim_source, flag_checkworthy), codes=("E315", "E317"),
    agreement=(Unit("claims", "Claims", pairs="claim_type", pairs_title="Claim type"),),
    ls=LabelStudio("claim", "Claim", "#1C7ED6",
                   (("source", "Source (relate it to its claim when two claims lack one)", "#2F9E44",
                    ("source_type", "mention")),),
                   choices=("claim_type", "checkworthy", "source_type"), also_links=("entity",),
                   names=(("checkworthy", (("yes", "check-worthy", "All three hold: factual, checkable against public "
                                            "evidence, and a reader would want it verified (CLAIM-10)."),
                                           ("no", "not check-worthy", "At least one of the three conditions of "
                                            "CLAIM-10 fails."))),
                          ("source_type", (("author", "asserted by the author", ""),
                                           ("mention", "asserted by a mention: mark it as source", "")))))))
