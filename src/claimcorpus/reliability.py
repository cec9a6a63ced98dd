"""Agreement among any number of layers: a pairwise matrix and Krippendorff's alpha over all layers together.

Alignment as in agreement.py, over every layer at once: documents every layer holds, sentences
every layer holds (same text). Units are tokens (the spaCy tokenizer agreement.py uses): for each
agreement unit (entities, hedge cues, hedge scopes, claims), each token of each aligned sentence is
one unit, valued per layer with the label of the first span covering it, or "O".

- ``alpha``: Krippendorff's alpha (nominal, ``krippendorff``) over every unit of every kind, all
  layers as coders;
- ``per_label``: for each kind and label, one-vs-rest alpha (a token is 1 where any span of the
  layer covering it has the label, so nested spans count), the span count per layer and, per pair of layers, the F1 of exact spans with that label;
- ``per_document``: alpha over the units of one document;
- ``pairwise``: for each pair, micro F1 of exact labelled spans over all kinds, and the pair's alpha.

A sample of ``--json`` (floats rounded to 6 places, null where undefined)::

    {"layers": ["pass-a", "pass-b", "gold"], "alpha": 0.94, "n_units": 1964,
     "pairwise": {"pass-a": {"pass-b": {"f1": 0.95, "alpha": 0.93}, ...}, ...},
     "per_label": {"hedge_cues": {"epistemic": {"alpha": 0.9, "n": {"pass-a": 12, ...},
                                                "f1": {"pass-a|pass-b": 0.9, ...}}}},
     "per_document": {"000_418805c56f629208": {"alpha": 0.94, "n_units": 1964}}}
"""

from __future__ import annotations

from itertools import combinations

from claimcorpus import agreement as ag
from claimcorpus.errors import EvaluationError
from claimcorpus.kinds import units
from claimcorpus.layers import read_layer
from claimcorpus.layout import Repo


def unit_keys() -> tuple[str, ...]:
    return tuple(u.key for _, u in units())


def aligned_n(repo: Repo, layers: list[str]) -> tuple[list[str], list[tuple[str, list[dict]]], list[str]]:
    """(documents, [(doc_id, one record per layer)] for sentences every layer holds, notes)."""
    if len(layers) < 2 or len(set(layers)) != len(layers):
        raise EvaluationError("agreement", f"needs two or more different layers, got {', '.join(layers) or 'none'}",
                          "name each layer once, e.g. `claimcorpus agreement pass-a pass-b gold`")
    docs = [ag._doc_ids(repo, layer) for layer in layers]
    common = sorted(set.intersection(*docs))
    notes = [f"{len(d - set(common))} documents of {layer} are not in every layer, not compared"
             for layer, d in zip(layers, docs) if d - set(common)]
    out = []
    for doc_id in common:
        recs = [{r["id"]: r for r in read_layer(repo, layer, doc_id)} for layer in layers]
        first = recs[0]
        shared = sorted(set(first).intersection(*recs[1:]), key=lambda s: first[s]["index"])
        for sid in shared:
            for layer, r in zip(layers, recs):
                if r[sid]["text"] != first[sid]["text"]:
                    raise EvaluationError(repo.rel(repo.layer_file(layer, doc_id)), f"sentence {sid} has other text "
                                      f"than in layer {layers[0]!r}", "run `claimcorpus validate` and fix the layer")
            out.append((doc_id, [r[sid] for r in recs]))
        if any(len(r) != len(shared) for r in recs):
            notes.append(f"{doc_id}: sentences not in every layer are not compared")
    return common, out, notes


def _alpha(rows: list[list[str]]) -> float | None:
    """Nominal alpha of coders x units (every coder values every unit); None when undefined."""
    import krippendorff
    import numpy as np

    values = sorted({v for row in rows for v in row})
    if not rows or not rows[0] or len(values) < 2:
        return None
    code = {v: i for i, v in enumerate(values)}
    data = np.array([[code[v] for v in row] for row in rows], dtype=float)
    value = float(krippendorff.alpha(reliability_data=data, value_domain=list(range(len(values))),
                                     level_of_measurement="nominal"))
    return None if value != value else value


def reliability(repo: Repo, layers: list[str]) -> dict:
    """The N-layer report (see the module docstring)."""
    docs, sentences, notes = aligned_n(repo, layers)
    n = len(layers)
    rows: list[list[str]] = [[] for _ in layers]  # coder -> unit values, all kinds
    unit_kind: list[str] = []
    unit_doc: list[str] = []
    span_counts: dict[str, dict[str, list[int]]] = {}  # kind -> label -> count per layer
    matched: dict[tuple[str, str, int, int], int] = {}  # (kind, label, i, j) -> exact labelled matches
    kept: list[tuple[str, int, list]] = []  # (kind, tokens, spans per layer) of each sentence
    for doc_id, recs in sentences:
        tokens = ag.token_offsets(recs[0]["text"])
        for kind in unit_keys():
            spans = [ag.spans(r, kind, tokens) for r in recs]
            for i, sp in enumerate(spans):
                rows[i] += ag.token_labels(len(tokens), sp)
                for s in sp:
                    span_counts.setdefault(kind, {}).setdefault(s.label, [0] * n)[i] += 1
            kept.append((kind, len(tokens), spans))
            unit_kind += [kind] * len(tokens)
            unit_doc += [doc_id] * len(tokens)
            for i, j in combinations(range(n), 2):
                for a, _ in ag.max_matching(spans[i], spans[j], ag.labelled(ag.exact)):
                    key = (kind, spans[i][a].label, i, j)
                    matched[key] = matched.get(key, 0) + 1

    def pick(keep) -> list[list[str]]:
        return [[v for v, k, d in zip(row, unit_kind, unit_doc) if keep(k, d)] for row in rows]

    def f1(i: int, j: int, kind: str | None = None, label: str | None = None) -> float | None:
        hit = sum(v for (k, lab, a, b), v in matched.items() if (a, b) == (i, j) and kind in (None, k)
                  and label in (None, lab))
        total = sum(c[i] + c[j] for k, labs in span_counts.items() if kind in (None, k)
                    for lab, c in labs.items() if label in (None, lab))
        return 2 * hit / total if total else None

    per_label = {}
    for kind, labels in span_counts.items():
        per_label[kind] = {}
        for label, counts in sorted(labels.items()):
            binary = _one_vs_rest(kept, kind, label, n)
            per_label[kind][label] = {
                "alpha": _alpha(binary), "n": dict(zip(layers, counts)),
                "f1": {f"{layers[i]}|{layers[j]}": f1(i, j, kind, label) for i, j in combinations(range(n), 2)}}
    pairwise = {a: {} for a in layers}
    for i, j in combinations(range(n), 2):
        both = _alpha([rows[i], rows[j]])
        pairwise[layers[i]][layers[j]] = pairwise[layers[j]][layers[i]] = {"f1": f1(i, j), "alpha": both}
    return {"layers": layers, "documents": docs, "n_sentences": len(sentences), "n_units": len(unit_kind),
            "tokenizer": ag.tokenizer_info(), "alpha": _alpha(rows), "pairwise": pairwise, "per_label": per_label,
            "per_document": {d: {"alpha": _alpha(pick(lambda k, dd, d=d: dd == d)),
                                 "n_units": unit_doc.count(d)} for d in docs},
            "notes": notes}


def _one_vs_rest(kept: list[tuple[str, int, list]], kind: str, label: str, n: int) -> list[list[str]]:
    """Per layer, each token of the kind's units: "1" when any span of the layer covering it has ``label``
    (so a claim nested in another counts too), else "0"."""
    rows: list[list[str]] = [[] for _ in range(n)]
    for k, n_tokens, spans in kept:
        if k != kind:
            continue
        for i, sp in enumerate(spans):
            hit = {t for s in sp if s.label == label for t in s.tokens}
            rows[i] += ["1" if t in hit else "0" for t in range(n_tokens)]
    return rows


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def reliability_markdown(report: dict) -> str:
    """Markdown tables (for the terminal and the dataset card)."""
    layers = report["layers"]
    out = [f"Agreement among {', '.join(f'`{x}`' for x in layers)} over {len(report['documents'])} documents, "
           f"{report['n_sentences']} sentences, {report['n_units']} token units ({report['tokenizer']}): "
           f"Krippendorff's α (nominal, all layers together) = {_f(report['alpha'])}.", "",
           "Pairwise: F1 of exact labelled spans (all kinds) / α", "",
           "| | " + " | ".join(layers) + " |", "|---|" + "---:|" * len(layers)]
    for a in layers:
        cells = ["—" if a == b else f"{_f(report['pairwise'][a][b]['f1'])} / {_f(report['pairwise'][a][b]['alpha'])}"
                 for b in layers]
        out.append(f"| {a} | " + " | ".join(cells) + " |")
    pairs = [f"{a}|{b}" for i, a in enumerate(layers) for b in layers[i + 1:]]
    out += ["", "Per label: α one-vs-rest over tokens, spans per layer, pairwise F1 of exact spans", "",
            "| kind | label | α | " + " | ".join(f"n {x}" for x in layers) + " | "
            + " | ".join(f"F1 {p.replace('|', ' / ')}" for p in pairs) + " |",
            "|---|---|" + "---:|" * (1 + len(layers) + len(pairs))]
    for kind, labels in report["per_label"].items():
        for label, r in labels.items():
            out.append(f"| {kind} | {label} | {_f(r['alpha'])} | " + " | ".join(str(r["n"][x]) for x in layers)
                       + " | " + " | ".join(_f(r["f1"][p]) for p in pairs) + " |")
    out += ["", "| document | token units | α |", "|---|---:|---:|"]
    out += [f"| {d} | {r['n_units']} | {_f(r['alpha'])} |" for d, r in report["per_document"].items()]
    out += [f"- {note}" for note in report["notes"]]
    return "\n".join(out) + "\n"
