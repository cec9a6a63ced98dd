"""Inter-annotator agreement between two annotation layers (e.g. pass-a against pass-b).

Alignment: only documents with a file in both layers; within them, sentences present in both
(by sentence id). Aligned sentences must have the same text, else offsets are not comparable.

Span agreement, for entities, hedge cues, hedge scopes (labelled by their cue's type) and claims,
micro-averaged over the aligned sentences, B scored against A (P = matched/|B|, R = matched/|A|,
F1 = 2*matched/(|A|+|B|), symmetric in A and B):

- exact: same start and end (code points into the sentence text);
- overlap: the spans share at least one token (spaCy ``spacy.blank("en")`` tokenizer of the
  sentence text; a token belongs to a span when their character ranges intersect);
- labelled: label (entities) or type (hedges, claims) must also agree; unlabelled: it is ignored.

Matching is one-to-one and maximal: per sentence, a maximum bipartite matching (Kuhn's augmenting
paths) between A's and B's compatible spans, so the matched count is the largest possible and does
not depend on span order. For exact matching this equals the multiset intersection.

Categorical agreement (Cohen's kappa with scikit-learn, Krippendorff's alpha nominal with
``krippendorff``; two coders, no missing values), over these units:

- ``hedged``, ``checkworthy``: the sentence flags, one unit per aligned sentence;
- ``claim_type_exact`` / ``claim_type_overlap``: claim type over claim pairs matched by exact span /
  by token overlap (unlabelled matching);
- ``entity_tokens`` / ``hedge_type_tokens``: one unit per token, valued with the label (type) of the
  first span covering it in each layer, or "O".

When every unit has the same single value in both layers, chance agreement is 1 and kappa and
alpha are undefined: they are reported as None with a note, never as an error.
"""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from claimcorpus.errors import CorpusError
from claimcorpus.layers import read_layer, read_meta
from claimcorpus.layout import Repo

SPAN_KINDS = ("entities", "hedge_cues", "hedge_scopes", "claims")
CATEGORICAL = ("hedged", "checkworthy", "claim_type_exact", "claim_type_overlap",
               "entity_tokens", "hedge_type_tokens")
UNITS = {"hedged": "sentence", "checkworthy": "sentence", "claim_type_exact": "claim pair (exact span)",
         "claim_type_overlap": "claim pair (token overlap)", "entity_tokens": "token",
         "hedge_type_tokens": "token"}
OUTSIDE = "O"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str
    tokens: frozenset[int]


@functools.cache
def _nlp():
    import spacy

    return spacy.blank("en")


def tokenizer_info() -> str:
    import spacy

    return f'spacy.blank("en") tokenizer, spaCy {spacy.__version__}'


def token_offsets(text: str) -> list[tuple[int, int]]:
    """(start, end) of each spaCy token of ``text``."""
    return [(t.idx, t.idx + len(t.text)) for t in _nlp().make_doc(text)]


def _covered(tokens: list[tuple[int, int]], start: int, end: int) -> frozenset[int]:
    return frozenset(i for i, (ts, te) in enumerate(tokens) if ts < end and start < te)


def _raw_spans(rec: dict, kind: str) -> list[tuple[int, int, str]]:
    if kind == "entities":
        return [(e["start"], e["end"], e["label"]) for e in rec["entities"]]
    if kind == "hedge_cues":
        return [(h["start"], h["end"], h["type"]) for h in rec["hedges"]]
    if kind == "hedge_scopes":
        return [(h["scope_start"], h["scope_end"], h["type"]) for h in rec["hedges"]]
    return [(c["start"], c["end"], c["type"]) for c in rec["claims"]]


def spans(rec: dict, kind: str, tokens: list[tuple[int, int]]) -> list[Span]:
    """The sentence's spans of one kind, sorted, each with the tokens it touches."""
    return [Span(s, e, lab, _covered(tokens, s, e)) for s, e, lab in sorted(_raw_spans(rec, kind))]


# --- matching ---------------------------------------------------------------------------------

def exact(a: Span, b: Span) -> bool:
    return (a.start, a.end) == (b.start, b.end)


def overlap(a: Span, b: Span) -> bool:
    return bool(a.tokens & b.tokens)


def labelled(test: Callable[[Span, Span], bool]) -> Callable[[Span, Span], bool]:
    return lambda a, b: a.label == b.label and test(a, b)


def max_matching(a_spans: list[Span], b_spans: list[Span],
                 compatible: Callable[[Span, Span], bool]) -> list[tuple[int, int]]:
    """A one-to-one matching of compatible spans, as sorted (a index, b index) pairs.

    Spans at identical offsets are paired first and kept; the rest get a maximum matching by
    Kuhn's augmenting paths, B candidates tried by highest token Jaccard first. Without the first
    step, nested claims (an outer claim overlapping all its inner ones) could be paired crosswise
    while their exact twins exist. Deterministic.
    """
    owner: dict[int, int] = {}
    fixed_a: set[int] = set()
    for i, a in enumerate(a_spans):
        for j, b in enumerate(b_spans):
            if j not in owner and exact(a, b) and compatible(a, b):
                owner[j] = i
                fixed_a.add(i)
                break
    fixed_b = set(owner)

    def jaccard(a: Span, b: Span) -> float:
        union = len(a.tokens | b.tokens)
        return len(a.tokens & b.tokens) / union if union else 0.0

    cands = [sorted((j for j, b in enumerate(b_spans) if j not in fixed_b and compatible(a, b)),
                    key=lambda j, a=a: (-jaccard(a, b_spans[j]), j)) for a in a_spans]

    def augment(i: int, seen: set[int]) -> bool:
        for j in cands[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(a_spans)):
        if i not in fixed_a:
            augment(i, set())
    return sorted((i, j) for j, i in owner.items())


def prf(matched: int, n_a: int, n_b: int) -> dict:
    """Precision and recall of B against A, and F1; None where the denominator is 0."""
    def ratio(x: int, y: int) -> float | None:
        return x / y if y else None

    return {"matched": matched, "precision": ratio(matched, n_b), "recall": ratio(matched, n_a),
            "f1": ratio(2 * matched, n_a + n_b)}


# --- chance-corrected statistics --------------------------------------------------------------

def _degenerate(a: list, b: list) -> str | None:
    if not a:
        return "no units to compare"
    values = set(a) | set(b)
    if len(values) < 2:
        return f"every unit is {next(iter(values))!r} in both layers: chance agreement is 1, so kappa and alpha are undefined"
    return None


def cohen_kappa(a: list, b: list) -> float | None:
    """Cohen's kappa (scikit-learn), None when undefined."""
    from sklearn.metrics import cohen_kappa_score

    if _degenerate(a, b):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(cohen_kappa_score(a, b, labels=sorted(set(a) | set(b))))
    return None if value != value else value


def krippendorff_alpha(a: list, b: list) -> float | None:
    """Krippendorff's alpha, nominal, two coders (``krippendorff``), None when undefined."""
    import krippendorff
    import numpy as np

    if _degenerate(a, b):
        return None
    values = sorted(set(a) | set(b))
    code = {v: i for i, v in enumerate(values)}
    data = np.array([[code[v] for v in a], [code[v] for v in b]], dtype=float)
    value = float(krippendorff.alpha(reliability_data=data, value_domain=list(range(len(values))),
                                     level_of_measurement="nominal"))
    return None if value != value else value


def categorical(a: list, b: list, unit: str) -> dict:
    """Kappa, alpha and observed agreement of two equally long value lists."""
    note = _degenerate(a, b)
    observed = sum(x == y for x, y in zip(a, b)) / len(a) if a else None
    return {"unit": unit, "n": len(a), "observed": observed, "kappa": cohen_kappa(a, b),
            "alpha": krippendorff_alpha(a, b), "note": note}


def token_labels(n_tokens: int, span_list: Iterable[Span]) -> list[str]:
    """Each token's label: that of the first (sorted) span covering it, or "O"."""
    out = [OUTSIDE] * n_tokens
    for span in sorted(span_list, key=lambda s: (s.start, s.end, s.label), reverse=True):
        for i in span.tokens:
            out[i] = span.label
    return out


# --- reading ------------------------------------------------------------------------------------

def _doc_ids(repo: Repo, layer: str) -> set[str]:
    read_meta(repo, layer)  # raises a CorpusError naming the fix if the layer does not exist
    return {p.stem for p in repo.layer_dir(layer).glob("*.jsonl")}


def aligned(repo: Repo, layer_a: str, layer_b: str) -> tuple[list[str], list[tuple[dict, dict]], list[str]]:
    """(document ids, aligned sentence record pairs, notes) of two layers."""
    docs_a, docs_b = _doc_ids(repo, layer_a), _doc_ids(repo, layer_b)
    notes = [f"{len(d)} documents only in {name}: {', '.join(sorted(d))}"
             for d, name in ((docs_a - docs_b, layer_a), (docs_b - docs_a, layer_b)) if d]
    doc_ids, pairs = sorted(docs_a & docs_b), []
    for doc_id in doc_ids:
        recs_a = {r["id"]: r for r in read_layer(repo, layer_a, doc_id)}
        recs_b = {r["id"]: r for r in read_layer(repo, layer_b, doc_id)}
        for sid in sorted(recs_a.keys() & recs_b.keys(), key=lambda s: recs_a[s]["index"]):
            if recs_a[sid]["text"] != recs_b[sid]["text"]:
                raise CorpusError(repo.rel(repo.layer_file(layer_b, doc_id)),
                                  f"sentence {sid} has other text than in layer {layer_a!r}",
                                  "run `claimcorpus validate`; both layers must copy the sentence from annotations/segments/")
            pairs.append((recs_a[sid], recs_b[sid]))
        for only, name in ((recs_a.keys() - recs_b.keys(), layer_a), (recs_b.keys() - recs_a.keys(), layer_b)):
            if only:
                notes.append(f"{doc_id}: {len(only)} sentences only in {name}, not compared")
    return doc_ids, pairs, notes


# --- the report -------------------------------------------------------------------------------

SPAN_TESTS = {("exact", "labelled"): labelled(exact), ("exact", "unlabelled"): exact,
              ("overlap", "labelled"): labelled(overlap), ("overlap", "unlabelled"): overlap}


TOKEN_UNITS = {"entity_tokens": "entities", "hedge_type_tokens": "hedge_cues"}


def compare(pairs: list[tuple[dict, dict]]) -> dict:
    """Span and categorical agreement over aligned (A record, B record) pairs."""
    counts = {k: {"n_a": 0, "n_b": 0, **{m: 0 for m in SPAN_TESTS}} for k in SPAN_KINDS}
    cats: dict[str, tuple[list, list]] = {k: ([], []) for k in CATEGORICAL}
    n_tokens = 0
    for rec_a, rec_b in pairs:
        tokens = token_offsets(rec_a["text"])
        n_tokens += len(tokens)
        by_kind = {k: (spans(rec_a, k, tokens), spans(rec_b, k, tokens)) for k in SPAN_KINDS}
        for flag in ("hedged", "checkworthy"):
            cats[flag][0].append(rec_a[flag])
            cats[flag][1].append(rec_b[flag])
        for name, kind in TOKEN_UNITS.items():
            for side in (0, 1):
                cats[name][side].extend(token_labels(len(tokens), by_kind[kind][side]))
        for kind, (sa, sb) in by_kind.items():
            counts[kind]["n_a"] += len(sa)
            counts[kind]["n_b"] += len(sb)
            for key, test in SPAN_TESTS.items():
                matches = max_matching(sa, sb, test)
                counts[kind][key] += len(matches)
                if kind == "claims" and key[1] == "unlabelled":
                    cats[f"claim_type_{key[0]}"][0].extend(sa[i].label for i, _ in matches)
                    cats[f"claim_type_{key[0]}"][1].extend(sb[j].label for _, j in matches)
    return {"n_sentences": len(pairs), "n_tokens": n_tokens,
            "spans": {kind: _span_summary(c) for kind, c in counts.items()},
            "categorical": {k: categorical(*cats[k], UNITS[k]) for k in CATEGORICAL}}


def _span_summary(c: dict) -> dict:
    return {"n_a": c["n_a"], "n_b": c["n_b"],
            **{how: {lab: prf(c[(how, lab)], c["n_a"], c["n_b"]) for lab in ("labelled", "unlabelled")}
               for how in ("exact", "overlap")}}


def agreement(repo: Repo, layer_a: str, layer_b: str) -> dict:
    """The agreement report of layer B against layer A (see the module docstring)."""
    doc_ids, pairs, notes = aligned(repo, layer_a, layer_b)
    if not pairs:
        notes.append("no sentences are present in both layers: nothing was compared")
    return {"a": layer_a, "b": layer_b, "documents": doc_ids, "tokenizer": tokenizer_info(),
            **compare(pairs), "notes": notes}


def _rounded(x):
    if isinstance(x, float):
        return round(x, 6)
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    return [_rounded(v) for v in x] if isinstance(x, list) else x


def report_json(report: dict) -> str:
    """The report as JSON: sorted keys, floats rounded to 6 places (byte-stable), null where undefined."""
    return json.dumps(_rounded(report), ensure_ascii=False, sort_keys=True, indent=2) + "\n"


# --- rendering --------------------------------------------------------------------------------

SPAN_NAMES = {"entities": "Entities", "hedge_cues": "Hedge cues", "hedge_scopes": "Hedge scopes", "claims": "Claims"}
CAT_NAMES = {"hedged": "Sentence flag `hedged`", "checkworthy": "Sentence flag `checkworthy`",
             "claim_type_exact": "Claim type (exact-span pairs)", "claim_type_overlap": "Claim type (overlap pairs)",
             "entity_tokens": "Entity label per token", "hedge_type_tokens": "Hedge type per token"}
SPAN_HEAD = ["Layer", "Match", "A", "B", "P", "R", "F1", "P (no label)", "R (no label)", "F1 (no label)"]
CAT_HEAD = ["Comparison", "Unit", "n", "Observed", "Cohen's κ", "Krippendorff's α"]


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def span_rows(report: dict) -> list[list[str]]:
    rows = []
    for kind in SPAN_KINDS:
        s = report["spans"][kind]
        for how in ("exact", "overlap"):
            row = [SPAN_NAMES[kind], "exact" if how == "exact" else "token overlap", str(s["n_a"]), str(s["n_b"])]
            for lab in ("labelled", "unlabelled"):
                row += [_f(s[how][lab][m]) for m in ("precision", "recall", "f1")]
            rows.append(row)
    return rows


def cat_rows(report: dict) -> list[list[str]]:
    return [[CAT_NAMES[k], c["unit"], str(c["n"]), _f(c["observed"]), _f(c["kappa"]), _f(c["alpha"])]
            for k, c in report["categorical"].items()]


def all_notes(report: dict) -> list[str]:
    return [*report["notes"], *(f"{CAT_NAMES[k]}: {c['note']}" for k, c in report["categorical"].items() if c["note"])]


def agreement_tables(report: dict) -> list:
    """Rich tables for the terminal."""
    from rich.table import Table

    title = f"{report['b']} against {report['a']}: {len(report['documents'])} documents, " \
            f"{report['n_sentences']} sentences, {report['n_tokens']} tokens"
    spans_t = Table(*SPAN_HEAD, title=f"Span agreement, {title}")
    for row in span_rows(report):
        spans_t.add_row(*row)
    cat_t = Table(*CAT_HEAD, title="Chance-corrected agreement (nominal)")
    for row in cat_rows(report):
        cat_t.add_row(*row)
    return [spans_t, cat_t]


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" if i < 2 else "---:" for i in range(len(head))) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows]) + "\n"


def agreement_markdown(report: dict) -> str:
    """Markdown tables of the report, for the dataset card."""
    head = (f"Agreement of `{report['b']}` against `{report['a']}` over {len(report['documents'])} documents, "
            f"{report['n_sentences']} sentences, {report['n_tokens']} tokens ({report['tokenizer']}). "
            "P = matched / B spans, R = matched / A spans; one-to-one maximum matching; "
            "token overlap = at least one shared token.\n")
    notes = "".join(f"- {n}\n" for n in all_notes(report))
    return "\n".join(x for x in (head, _md_table(SPAN_HEAD, span_rows(report)),
                                  _md_table(CAT_HEAD, cat_rows(report)), notes) if x)
