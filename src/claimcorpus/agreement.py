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

import json
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from claimcorpus import markdown, tokens
from claimcorpus.errors import CorpusError, EvaluationError
from claimcorpus.kinds import SpanKind, Unit, flags, units
from claimcorpus.layers import read_layer, read_meta
from claimcorpus.layout import Repo

OUTSIDE = "O"
PAIRS = {"exact": "exact span", "overlap": "token overlap"}
PAIR_TITLES = {"exact": "exact-span pairs", "overlap": "overlap pairs"}


def categorical_units() -> dict[str, tuple[str, str]]:
    """Categorical comparison -> (its unit, its title), from the span kinds: flags, matched pairs, tokens."""
    out = {f.name: ("sentence", f"Sentence flag `{f.name}`") for _, f in flags()}
    out |= {f"{u.pairs}_{how}": (f"{k.unit} pair ({PAIRS[how]})", f"{u.pairs_title} ({PAIR_TITLES[how]})")
            for k, u in units() if u.pairs for how in PAIRS}
    out |= {u.tokens: ("token", u.tokens_title) for _, u in units() if u.tokens}
    return out


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str
    tokens: frozenset[int]


tokenizer_info = tokens.description


def token_offsets(text: str) -> list[tuple[int, int]]:
    """(start, end) of each spaCy token of ``text`` (tokens.py)."""
    return tokens.offsets(text)


def _covered(tokens: list[tuple[int, int]], start: int, end: int) -> frozenset[int]:
    return frozenset(i for i, (ts, te) in enumerate(tokens) if ts < end and start < te)


def _raw_spans(rec: dict, kind: SpanKind, unit: Unit) -> list[tuple[int, int, str]]:
    """(start, end, label) of a unit: the spans, or their offset pairs labelled with the span's label."""
    out = []
    for x in rec[kind.field]:
        s, e = unit.offsets.get(x) if unit.offsets else (x["start"], x["end"])
        if s is not None:
            out.append((s, e, x[kind.label]))
    return out


def spans(rec: dict, unit: str, tokens: list[tuple[int, int]]) -> list[Span]:
    """The sentence's spans of one agreement unit (kinds.Unit.key), sorted, each with the tokens it touches."""
    kind, u = next((k, u) for k, u in units() if u.key == unit)
    return [Span(s, e, lab, _covered(tokens, s, e)) for s, e, lab in sorted(_raw_spans(rec, kind, u))]


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
                raise EvaluationError(repo.rel(repo.layer_file(layer_b, doc_id)),
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


def compare(pairs: list[tuple[dict, dict]]) -> dict:
    """Span and categorical agreement over aligned (A record, B record) pairs."""
    all_units = [u for _, u in units()]
    counts = {u.key: {"n_a": 0, "n_b": 0, **{m: 0 for m in SPAN_TESTS}} for u in all_units}
    cat_units = categorical_units()
    cats: dict[str, tuple[list, list]] = {k: ([], []) for k in cat_units}
    n_tokens = 0
    for rec_a, rec_b in pairs:
        tokens = token_offsets(rec_a["text"])
        n_tokens += len(tokens)
        by_unit = {u.key: (spans(rec_a, u.key, tokens), spans(rec_b, u.key, tokens)) for u in all_units}
        for _, flag in flags():
            cats[flag.name][0].append(rec_a[flag.name])
            cats[flag.name][1].append(rec_b[flag.name])
        for u in all_units:
            if u.tokens:
                for side in (0, 1):
                    cats[u.tokens][side].extend(token_labels(len(tokens), by_unit[u.key][side]))
        for u in all_units:
            sa, sb = by_unit[u.key]
            counts[u.key]["n_a"] += len(sa)
            counts[u.key]["n_b"] += len(sb)
            for key, test in SPAN_TESTS.items():
                matches = max_matching(sa, sb, test)
                counts[u.key][key] += len(matches)
                if u.pairs and key[1] == "unlabelled":
                    cats[f"{u.pairs}_{key[0]}"][0].extend(sa[i].label for i, _ in matches)
                    cats[f"{u.pairs}_{key[0]}"][1].extend(sb[j].label for _, j in matches)
    return {"n_sentences": len(pairs), "n_tokens": n_tokens,
            "spans": {key: _span_summary(c) for key, c in counts.items()},
            "categorical": {k: categorical(*cats[k], unit) for k, (unit, _) in cat_units.items()}}


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

SPAN_HEAD = ["Layer", "Match", "A", "B", "P", "R", "F1", "P (no label)", "R (no label)", "F1 (no label)"]
CAT_HEAD = ["Comparison", "Unit", "n", "Observed", "Cohen's κ", "Krippendorff's α"]


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def span_rows(report: dict) -> list[list[str]]:
    rows = []
    for _, unit in units():
        s = report["spans"][unit.key]
        for how in ("exact", "overlap"):
            row = [unit.title, "exact" if how == "exact" else "token overlap", str(s["n_a"]), str(s["n_b"])]
            for lab in ("labelled", "unlabelled"):
                row += [_f(s[how][lab][m]) for m in ("precision", "recall", "f1")]
            rows.append(row)
    return rows


def cat_rows(report: dict) -> list[list[str]]:
    titles = {k: title for k, (_, title) in categorical_units().items()}
    return [[titles[k], c["unit"], str(c["n"]), _f(c["observed"]), _f(c["kappa"]), _f(c["alpha"])]
            for k, c in report["categorical"].items()]


def all_notes(report: dict) -> list[str]:
    titles = {k: title for k, (_, title) in categorical_units().items()}
    return [*report["notes"], *(f"{titles[k]}: {c['note']}" for k, c in report["categorical"].items() if c["note"])]


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


def agreement_markdown(report: dict) -> str:
    """Markdown tables of the report, for the dataset card."""
    head = (f"Agreement of `{report['b']}` against `{report['a']}` over {len(report['documents'])} documents, "
            f"{report['n_sentences']} sentences, {report['n_tokens']} tokens ({report['tokenizer']}). "
            "P = matched / B spans, R = matched / A spans; one-to-one maximum matching; "
            "token overlap = at least one shared token.\n")
    notes = "".join(f"- {n}\n" for n in all_notes(report))
    return "\n".join(x for x in (head, markdown.table(SPAN_HEAD, span_rows(report), right_from=2),
                                  markdown.table(CAT_HEAD, cat_rows(report), right_from=2), notes) if x)
