"""Score a system's predictions against the gold layer, with bootstrap intervals and the human ceiling.

Predictions are sentence records (sentence.schema.json, one per line), in one JSONL file or in a
layer folder (``<doc_id>.jsonl`` files, optional ``layer.json``). A record may carry one extra key,
``checkworthy_score`` (a number, higher = more check-worthy), for the ranking measure::

    {"id": "doc1-s0000", "doc_id": "doc1", "index": 0, "start": 0, "end": 21, "text": "Kyiv said it may act.",
     "entities": [{"start": 0, "end": 4, "text": "Kyiv", "label": "GPE"}], "hedges": [], "claims": [],
     "hedged": false, "checkworthy": false, "checkworthy_score": 0.12}

First a format check with validate's coded findings (E103 JSON, E201/E202 schema, E3xx content;
E301 unknown document, E304 repeated sentence, E306 a sentence whose offsets or text differ from
gold, E308 a covered document with sentences missing). Only a clean file is scored, over every
gold sentence of the documents it covers.

Measures (P = matched / predicted, R = matched / gold, F1 = 2 matched / (gold + predicted),
micro over sentences; spans matched one-to-one by ``agreement.max_matching``):

- entities: exact and token-overlap, labelled (micro and per label) and unlabelled;
- hedge cues: exact and overlap, per type; CoNLL-2010 Task 2 scored cues unlabelled and exact;
- hedge cue+scope (CoNLL-2010 Task 2 scope level): a scope counts only when its cue and the scope
  both match exactly; also scopes alone (typed by their cue, as ``agreement`` compares them);
- hedged sentences (CoNLL-2010 Task 1): F1 of the positive class;
- claims: span exact and overlap (unlabelled), per type; claim-type macro-F1 = the mean of the
  per-type exact-span F1 over the types that occur in gold or predictions;
- check-worthy sentences: F1 of the positive class; with scores, average precision of the
  ranking (scikit-learn) over all sentences, and MAP: the mean of each document's average
  precision, as CLEF CheckThat! 2019-2020 ranked check-worthiness (one ranking per debate).

Each figure has a percentile bootstrap 95% interval over sentences (``resamples`` draws, seeded).
Beside it the human ceiling: every ``annotator`` layer scored the same way against the reference,
and the passes against each other (the later against the earlier), over the same documents.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from claimcorpus import schema
from claimcorpus.agreement import (
    Span, exact, labelled, max_matching, overlap, report_json, spans, token_offsets, tokenizer_info,
)
from claimcorpus.kinds import flags, units
from claimcorpus.layers import read_layer, read_meta
from claimcorpus.layout import Repo
from claimcorpus.validation.finding import Finding
from claimcorpus.validation.level1 import load_jsonl
from claimcorpus.validation.level2 import schema_findings
from claimcorpus.validation.level3 import sentence_content

SCORE_KEY = "checkworthy_score"
MATCHES = {"exact": exact, "overlap": overlap}


def span_tasks() -> dict[str, str | None]:
    """Span task (an agreement unit of kinds.py: entities, hedge_cues, hedge_scopes, claims) -> the label set
    counted per label (the kind's, for the spans themselves; None for an offset pair such as a scope)."""
    return {u.key: None if u.offsets else k.label_set for k, u in units()}


def label_set(task: str) -> str:
    """The label set of a span task (``claims`` -> ``claim_type``), from the registry."""
    found = span_tasks().get(task)
    if found is None:
        raise KeyError(task)
    return found
ALL, ANY = "(labelled)", "(unlabelled)"


# --- format check -------------------------------------------------------------------------------

@dataclass
class Predictions:
    records: dict[str, dict]          # sentence id -> record (without the score)
    scores: dict[str, float]          # sentence id -> checkworthy_score, where given
    findings: list[Finding]


def _files(path: Path, rel: str) -> tuple[list[Path], list[Finding]]:
    if path.is_file():
        return [path], []
    if not path.is_dir():
        layer = Path("annotations") / path.name
        hint = (f"; to score the layer {path.name!r}, give its folder {layer.as_posix()}/" if path.parent == Path(".")
                and not path.suffix else "")
        return [], [Finding("E101", rel, None, None, "no such file or folder: predictions are a JSONL file of "
                            f"sentence records or a layer folder{hint}")]
    findings = []
    meta = path / "layer.json"
    if meta.is_file():
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            findings += schema_findings("layer", data, f"{rel}/layer.json", None) if isinstance(data, dict) else [
                Finding("E103", f"{rel}/layer.json", None, None, "layer.json must hold one JSON object")]
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            findings.append(Finding("E103", f"{rel}/layer.json", None, None, str(err).splitlines()[0]))
    files = sorted(path.glob("*.jsonl"))
    if not files:
        findings.append(Finding("E101", rel, None, None, "the folder holds no <doc_id>.jsonl file"))
    return files, findings


def _score_findings(rec: dict, rel: str, line: int) -> tuple[float | None, list[Finding]]:
    if SCORE_KEY not in rec:
        return None, []
    value = rec.pop(SCORE_KEY)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None, [Finding("E201", rel, line, rec.get("id") if isinstance(rec.get("id"), str) else None,
                              f"{SCORE_KEY}: {value!r} is not a number")]
    return float(value), []


def read_predictions(path: Path, gold: dict[str, dict], rel: str) -> Predictions:
    """Read and check predictions against the gold sentences (id -> record); every finding is collected."""
    files, findings = _files(path, rel)
    records: dict[str, dict] = {}
    scores: dict[str, float] = {}
    where: dict[str, tuple[str, int]] = {}
    gold_docs = {r["doc_id"] for r in gold.values()}
    for file in files:
        frel = rel if file == path else f"{rel}/{file.name}"
        loaded = load_jsonl(file, frel)
        findings += loaded.findings
        for line, rec in loaded.records:
            score, bad = _score_findings(rec, frel, line)
            bad += schema_findings("sentence", rec, frel, line)
            if not bad:
                bad = [Finding(code, frel, line, rec["id"], msg) for code, msg in sentence_content(rec)]
            if not bad:
                bad = list(_against_gold(rec, gold, gold_docs, records, where, frel, line))
            findings += bad
            if not bad:
                records[rec["id"]] = rec
                where[rec["id"]] = (frel, line)
                if score is not None:
                    scores[rec["id"]] = score
    covered = {r["doc_id"] for r in records.values()}
    for doc in sorted(covered):
        missing = [sid for sid, g in gold.items() if g["doc_id"] == doc and sid not in records]
        if missing:
            findings.append(Finding("E308", rel, None, None, f"document {doc!r}: {len(missing)} gold sentences have "
                                                             f"no prediction ({', '.join(missing[:5])})"))
    if not findings and not records:
        findings.append(Finding("E101", rel, None, None, "no sentence records"))
    findings.sort(key=lambda f: (f.file, f.line is None, f.line or 0))
    return Predictions(records, scores, findings)


def _against_gold(rec: dict, gold: dict, gold_docs: set, seen: dict, where: dict, rel: str, line: int) -> Iterator[Finding]:
    rid = rec["id"]
    if rec["doc_id"] not in gold_docs:
        yield Finding("E301", rel, line, rid, f"document {rec['doc_id']!r} has no gold annotations")
    elif rid not in gold:
        yield Finding("E308", rel, line, rid, "no gold sentence has this id")
    elif rid in seen:
        yield Finding("E304", rel, line, rid, f"sentence already predicted at {':'.join(map(str, where[rid]))}")
    else:
        g = gold[rid]
        got, want = [rec[k] for k in ("doc_id", "index", "start", "end", "text")], \
                    [g[k] for k in ("doc_id", "index", "start", "end", "text")]
        if got != want:
            yield Finding("E306", rel, line, rid, f"offsets or text differ from the gold sentence "
                                                  f"{g['start']}:{g['end']} {g['text'][:40]!r}")


# --- counting -----------------------------------------------------------------------------------

def _scope_pairs(rec: dict) -> list[Span]:
    """CoNLL-2010 scope units: the scope span, labelled with its cue's offsets (exact match only)."""
    return [Span(s, e, f"{cs}:{ce}", frozenset())
            for s, e, cs, ce in sorted((h["scope_start"], h["scope_end"], h["start"], h["end"]) for h in rec["hedges"])]


def sentence_counts(gold: dict, pred: dict) -> dict[tuple, tuple[int, int, int]]:
    """(matched, gold, predicted) for every count key of one sentence pair."""
    tokens = token_offsets(gold["text"])
    out: dict[tuple, tuple[int, int, int]] = {}
    for task, labels in span_tasks().items():
        sg, sp = spans(gold, task, tokens), spans(pred, task, tokens)
        for mode, test in MATCHES.items():
            out[(task, mode, ALL)] = (len(max_matching(sg, sp, labelled(test))), len(sg), len(sp))
            out[(task, mode, ANY)] = (len(max_matching(sg, sp, test)), len(sg), len(sp))
            for lab in schema.labels()[labels] if labels else ():
                g = [s for s in sg if s.label == lab]
                p = [s for s in sp if s.label == lab]
                out[(task, mode, lab)] = (len(max_matching(g, p, test)), len(g), len(p))
    sg, sp = _scope_pairs(gold), _scope_pairs(pred)
    out[("hedge_cue_scope", "exact", ANY)] = (len(max_matching(sg, sp, labelled(exact))), len(sg), len(sp))
    for flag in (f.name for _, f in flags()):
        out[(flag, "sentence", ANY)] = (int(gold[flag] and pred[flag]), int(gold[flag]), int(pred[flag]))
    return out


def _ratio(x: float, y: float) -> float | None:
    return x / y if y else None


def prf(m: float, g: float, p: float) -> dict:
    return {"precision": _ratio(m, p), "recall": _ratio(m, g), "f1": _ratio(2 * m, g + p)}


def macro_f1(sums: dict[tuple, np.ndarray], task: str, mode: str, label_set: str) -> float | None:
    """Mean F1 over the labels that occur in gold or predictions (None if none does)."""
    f1s = [2 * m / (g + p) for lab in schema.labels()[label_set]
           for m, g, p in [sums[(task, mode, lab)]] if g + p]
    return sum(f1s) / len(f1s) if f1s else None


def average_precision(truth: list[bool], scores: list[float]) -> float | None:
    """Average precision of the ranking by score (scikit-learn); None without a positive."""
    from sklearn.metrics import average_precision_score

    if not any(truth):
        return None
    return float(average_precision_score(np.array(truth, dtype=int), np.array(scores, dtype=float)))


def mean_average_precision(docs: list[str], truth: list[bool], scores: list[float]) -> float | None:
    """Mean over documents (with a check-worthy sentence) of the average precision of each
    document's ranking: CheckThat! 2019-2020 ranked each debate separately and reported MAP."""
    groups: dict[str, tuple[list, list]] = {}
    for d, t, sc in zip(docs, truth, scores):
        groups.setdefault(d, ([], []))[0].append(t)
        groups[d][1].append(sc)
    aps = [average_precision(t, sc) for t, sc in groups.values() if any(t)]
    return sum(aps) / len(aps) if aps else None


# --- figures ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """One reported figure: a name, the counts it reads, how it is computed."""

    key: str
    title: str
    task: str
    mode: str
    label: str
    kind: str = "prf"  # prf | macro | ap | map


def figures() -> list[Figure]:
    """Every figure the scorer reports, in report order."""
    labels = schema.labels()
    out = []
    for mode in ("exact", "overlap"):
        out.append(Figure(f"entities.{mode}", f"Entities, {mode}, labelled (micro)", "entities", mode, ALL))
    for mode in ("exact", "overlap"):
        out.append(Figure(f"entities.{mode}.unlabelled", f"Entities, {mode}, unlabelled", "entities", mode, ANY))
    for lab in labels["entity_label"]:
        for mode in ("exact", "overlap"):
            out.append(Figure(f"entities.{mode}.{lab}", f"Entities {lab}, {mode}", "entities", mode, lab))
    out += [Figure("hedge_cues.exact", "Hedge cues, exact (CoNLL-2010 cue level)", "hedge_cues", "exact", ANY),
            Figure("hedge_cues.overlap", "Hedge cues, token overlap", "hedge_cues", "overlap", ANY),
            Figure("hedge_cues.exact.typed", "Hedge cues, exact, typed", "hedge_cues", "exact", ALL)]
    out += [Figure(f"hedge_cues.exact.{t}", f"Hedge cues {t}, exact", "hedge_cues", "exact", t) for t in labels["hedge_type"]]
    out += [Figure("hedge_cue_scope.exact", "Hedge cue + scope, exact (CoNLL-2010 scope level)", "hedge_cue_scope", "exact", ANY),
            Figure("hedge_scopes.exact", "Hedge scopes alone, exact, typed", "hedge_scopes", "exact", ALL),
            Figure("hedge_scopes.overlap", "Hedge scopes alone, token overlap, typed", "hedge_scopes", "overlap", ALL),
            Figure("hedged", "Hedged sentences (CoNLL-2010 Task 1)", "hedged", "sentence", ANY),
            Figure("claims.exact", "Claim spans, exact", "claims", "exact", ANY),
            Figure("claims.overlap", "Claim spans, token overlap", "claims", "overlap", ANY),
            Figure("claims.exact.typed", "Claim spans + type, exact (micro)", "claims", "exact", ALL),
            Figure("claims.type_macro_f1", "Claim type, macro-F1 over exact spans", "claims", "exact", "", "macro")]
    out += [Figure(f"claims.exact.{t}", f"Claims {t}, exact", "claims", "exact", t) for t in labels["claim_type"]]
    out += [Figure("checkworthy", "Check-worthy sentences", "checkworthy", "sentence", ANY),
            Figure("checkworthy.average_precision", "Check-worthiness ranking, average precision", "checkworthy",
                   "sentence", "", "ap"),
            Figure("checkworthy.map", "Check-worthiness ranking, MAP over documents", "checkworthy",
                   "sentence", "", "map")]
    listed = {f.task for f in out}
    for _, u in units():  # a span kind registered later: its spans exact and overlap, labelled and not
        if u.key not in listed:
            out += [Figure(f"{u.key}.{mode}{suffix}", f"{u.title}, {mode}, {how}", u.key, mode, label)
                    for suffix, how, label in (("", "labelled (micro)", ALL), (".unlabelled", "unlabelled", ANY))
                    for mode in MATCHES]
    return out


def evaluate(fig: Figure, sums: dict[tuple, np.ndarray], truth: list[bool], scores: list[float] | None,
             docs: list[str]) -> dict:
    if fig.kind == "macro":
        return {"f1": macro_f1(sums, fig.task, fig.mode, label_set(fig.task))}
    if fig.kind == "ap":
        return {"value": average_precision(truth, scores) if scores is not None else None}
    if fig.kind == "map":
        return {"value": mean_average_precision(docs, truth, scores) if scores is not None else None}
    m, g, p = sums[(fig.task, fig.mode, fig.label)]
    return {"gold": int(g), "predicted": int(p), "matched": int(m), **prf(m, g, p)}


def headline(value: dict) -> float | None:
    return value.get("f1", value.get("value"))


def compare(pairs: list[tuple[dict, dict]], scores: dict[str, float] | None = None, *,
            resamples: int = 1000, seed: int = 0, only: tuple[str, ...] | None = None) -> dict:
    """Every figure (or the figures keyed ``only``) over (gold, predicted) sentence pairs, each with its
    bootstrap 95% interval."""
    per_sentence = [sentence_counts(g, p) for g, p in pairs]
    keys = sorted(per_sentence[0]) if per_sentence else []
    counts = np.array([[s[k] for k in keys] for s in per_sentence], dtype=np.int64).reshape(len(pairs), len(keys), 3)
    truth = [g["checkworthy"] for g, _ in pairs]
    doc_ids = [g["doc_id"] for g, _ in pairs]
    ranked = [scores[g["id"]] for g, _ in pairs] if scores and all(g["id"] in scores for g, _ in pairs) else None
    figs = [f for f in figures() if only is None or f.key in only]

    def all_figures(idx: np.ndarray) -> list[dict]:
        total = counts[idx].sum(axis=0)
        sums = dict(zip(keys, total))
        t = [truth[i] for i in idx]
        ranks = [ranked[i] for i in idx] if ranked is not None else None
        return [evaluate(f, sums, t, ranks, [doc_ids[i] for i in idx]) for f in figs]

    point = all_figures(np.arange(len(pairs)))
    rng = np.random.default_rng(seed)
    draws = [all_figures(rng.integers(0, len(pairs), len(pairs))) for _ in range(resamples)] if pairs else []
    out = {}
    for i, fig in enumerate(figs):
        values = [headline(d[i]) for d in draws]
        values = np.array([v for v in values if v is not None], dtype=float)
        ci = [float(x) for x in np.percentile(values, [2.5, 97.5])] if len(values) else None
        out[fig.key] = {"title": fig.title, **point[i], "ci95": ci}
    return {"n_sentences": len(pairs), "ranked": ranked is not None, "figures": out}


# --- the report ---------------------------------------------------------------------------------

def _gold(repo: Repo, layer: str) -> dict[str, dict]:
    read_meta(repo, layer)
    recs = {}
    for path in sorted(repo.layer_dir(layer).glob("*.jsonl")):
        for rec in read_layer(repo, layer, path.stem):
            recs[rec["id"]] = rec
    return recs


def ceiling_layers(repo: Repo, against: str) -> list[str]:
    """The independent annotator passes (layer.json kind ``annotator``), sorted."""
    return [layer for layer in repo.layers() if layer != against and read_meta(repo, layer).get("kind") == "annotator"]


def ceiling(repo: Repo, against: str, gold: dict[str, dict], docs: set[str], resamples: int, seed: int,
            only: tuple[str, ...] | None = None) -> dict:
    """The annotator passes scored against ``against`` and against each other, over ``docs``."""
    passes = ceiling_layers(repo, against)
    layer_recs = {layer: _gold(repo, layer) for layer in passes}
    out = {}
    comparisons = [(p, against) for p in passes] + [(b, a) for i, a in enumerate(passes) for b in passes[i + 1:]]
    for pred_layer, ref_layer in comparisons:
        ref = gold if ref_layer == against else layer_recs[ref_layer]
        pred = layer_recs[pred_layer]
        pairs = [(r, pred[sid]) for sid, r in ref.items() if r["doc_id"] in docs and sid in pred]
        if pairs:
            out[f"{pred_layer} vs {ref_layer}"] = compare(pairs, resamples=resamples, seed=seed, only=only)
    return out


def score(repo: Repo, predictions: Path, against: str = "gold", *, resamples: int = 1000, seed: int = 0) -> dict:
    """Check PREDICTIONS, then score them against layer ``against``; raise ScoreFindings on a bad file."""
    gold = _gold(repo, against)
    preds = read_predictions(predictions, gold, repo.rel(predictions.resolve()))
    if preds.findings:
        raise ScoreFindings(preds.findings)
    pairs = [(g, preds.records[sid]) for sid, g in gold.items() if sid in preds.records]
    docs = {g["doc_id"] for g, _ in pairs}
    return {"predictions": repo.rel(predictions.resolve()), "against": against, "documents": sorted(docs),
            "tokenizer": tokenizer_info(), "bootstrap": {"resamples": resamples, "seed": seed, "unit": "sentence"},
            "system": compare(pairs, preds.scores, resamples=resamples, seed=seed),
            "ceiling": ceiling(repo, against, gold, docs, resamples, seed)}


class ScoreFindings(Exception):
    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__(f"{len(findings)} findings")


def score_json(report: dict) -> str:
    return report_json(report)


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def score_markdown(report: dict) -> str:
    """The report as Markdown: one row per figure that has data, the human ceiling beside it."""
    sys_figs = report["system"]["figures"]
    ceil = report["ceiling"]
    head = ["Measure", "Gold", "Pred", "P", "R", "F1 / AP", "95% CI", *(f"{c} (F1)" for c in ceil)]
    lines = [f"Scores of `{report['predictions']}` against `{report['against']}` over "
             f"{len(report['documents'])} documents, {report['system']['n_sentences']} sentences. "
             f"95% CI: percentile bootstrap over sentences, {report['bootstrap']['resamples']} resamples, "
             f"seed {report['bootstrap']['seed']}. Human ceiling: the independent passes scored the same way.\n",
             "| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for key, v in sys_figs.items():
        if "gold" in v and v["gold"] == 0 and v["predicted"] == 0:
            continue
        if key.startswith("checkworthy.") and not report["system"]["ranked"]:
            continue
        ci = "n/a" if v["ci95"] is None else f"[{v['ci95'][0]:.3f}, {v['ci95'][1]:.3f}]"
        row = [v["title"], str(v.get("gold", "")), str(v.get("predicted", "")), _f(v.get("precision")) if "gold" in v else "",
               _f(v.get("recall")) if "gold" in v else "", _f(headline(v)), ci]
        row += [_f(headline(c["figures"][key])) for c in ceil.values()]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"
