"""Baseline predictors and spaCy pipelines as predictors: each turns a gold sentence record into a
predicted one (the same record format, valid for `claimcorpus validate`).

- ``baseline:hedge-lexicon``: the cue words the guidelines list in HEDGE-3 to HEDGE-6, each with its
  rule's type, matched case-insensitively on whole tokens, longest first, with none of the rules'
  sense restrictions; the scope runs from the cue to the end of the sentence (final punctuation
  left out), the CoNLL-2010 baseline scope.
- ``baseline:gazetteer``: every ``[text]LABEL`` example in the guidelines, matched case-sensitively
  on whole tokens, longest first (an example given under two labels keeps the more frequent, then
  the first). The guidelines quote seed sentences, so it has seen some test entities: optimistic.
- ``baseline:majority``: each sentence is one claim (the sentence without its final punctuation)
  with the majority claim type and check-worthiness of the train split's gold claims, or, while
  the train split is empty, of the evaluated gold itself (optimistic; said in the card).
- ``baseline:all``: the three together.
- anything else is a spaCy pipeline loaded by name or path (``spacy.load``); its ``doc.ents`` with an
  OntoNotes label become entities. No model is downloaded.

A predicted record::

    {"id": "doc1-s0000", ..., "hedges": [{"start": 13, "end": 16, "text": "may", "type": "modal",
     "scope_start": 13, "scope_end": 20}], "hedged": true, ...}
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from claimcorpus import schema, tokens
from claimcorpus.errors import EvaluationError
from claimcorpus.layers import empty_record, with_flags

GUIDELINES = Path("annotations/GUIDELINES.md")
HEDGE_RULES = {"HEDGE-3": "modal", "HEDGE-4": "epistemic", "HEDGE-5": "evidential", "HEDGE-6": "approximator"}
BASELINES = ("baseline:hedge-lexicon", "baseline:gazetteer", "baseline:majority")


# --- lexicons from the guidelines ---------------------------------------------------------------

def _rule_head(text: str, rule: str) -> str:
    """The opening paragraph of a rule: from its bold title to its first sub-bullet."""
    m = re.search(rf"\*\*{rule} [^*]+\*\*(.*?)(?:\n  - |\n- \*\*)", text, re.S)
    if not m:
        raise EvaluationError(str(GUIDELINES), f"rule {rule} not found", "keep the rule ids of the hedge section")
    return " ".join(m.group(1).split())


def _words(head: str) -> list[str]:
    head = re.split(r" are cues only", head)[0].replace("Examples:", "")
    out = []
    for item in re.split(r",|/| and ", head):
        item = re.sub(r"\([^)]*\)?", "", item).strip(" .")  # "(see also HEDGE-7)", "(belief sense"
        quoted = re.findall(r'"([^"]+)"', item)
        word = quoted[0] if quoted else item
        if word and not re.search(r"[^\w' -]", word) and len(word.split()) <= 3:
            out.append(word.lower())
    return out


@functools.cache
def hedge_lexicon(root: Path) -> dict[str, str]:
    """cue (lower case) -> hedge type, from the opening lists of HEDGE-3..6 in the guidelines."""
    text = (root / GUIDELINES).read_text(encoding="utf-8")
    lex: dict[str, str] = {}
    for rule, typ in HEDGE_RULES.items():
        for word in _words(_rule_head(text, rule)):
            lex.setdefault(word, typ)
    lex.update({"apparent": "epistemic", "apparently": "epistemic"})  # written "apparent(ly)" in HEDGE-4
    return lex


@functools.cache
def gazetteer(root: Path) -> dict[str, str]:
    """entity text -> label, from every ``[text]LABEL`` example in the guidelines."""
    labels = "|".join(schema.labels()["entity_label"])
    found = re.findall(rf"\[([^\[\]]+)\]({labels})\b", (root / GUIDELINES).read_text(encoding="utf-8"))
    counts = Counter(found)
    order = {pair: i for i, pair in reversed(list(enumerate(found)))}
    best: dict[str, str] = {}
    for (text, label) in sorted(counts, key=lambda p: (-counts[p], order[p])):
        best.setdefault(text, label)
    return best


# --- matching -------------------------------------------------------------------------------------

def _match(text: str, phrases: dict[str, str], fold: bool) -> list[tuple[int, int, str]]:
    """Non-overlapping whole-token matches of ``phrases``, longest first, left to right."""
    toks = tokens.offsets(text)
    norm = (lambda s: s.lower()) if fold else (lambda s: s)  # noqa: E731
    by_tokens = {tuple(t.text for t in tokens.nlp().make_doc(norm(p))): lab for p, lab in phrases.items()}
    words = [norm(text[s:e]) for s, e in toks]
    longest = max((len(k) for k in by_tokens), default=0)
    out, i = [], 0
    while i < len(toks):
        for n in range(min(longest, len(toks) - i), 0, -1):
            lab = by_tokens.get(tuple(words[i:i + n]))
            if lab:
                out.append((toks[i][0], toks[i + n - 1][1], lab))
                i += n
                break
        else:
            i += 1
    return out


def _body_end(text: str) -> int:
    """End of the sentence without its final punctuation and closing quotes."""
    end = len(text)
    while end > 1 and not text[end - 1].isalnum():
        end -= 1
    return end


# --- predictors -----------------------------------------------------------------------------------

def _empty(rec: dict) -> dict:
    return empty_record(rec)  # every kind's list empty, every flag false


def hedge_lexicon_predict(root: Path) -> Callable[[dict, dict], dict]:
    lex = hedge_lexicon(root)

    def predict(rec: dict, out: dict) -> dict:
        end = _body_end(rec["text"])
        out["hedges"] = [{"start": s, "end": e, "text": rec["text"][s:e], "type": typ, "scope_start": s,
                          "scope_end": max(end, e)} for s, e, typ in _match(rec["text"], lex, fold=True)]
        return out
    return predict


def gazetteer_predict(root: Path) -> Callable[[dict, dict], dict]:
    gaz = gazetteer(root)

    def predict(rec: dict, out: dict) -> dict:
        out["entities"] = [{"start": s, "end": e, "text": rec["text"][s:e], "label": lab}
                           for s, e, lab in _match(rec["text"], gaz, fold=False)]
        return out
    return predict


def majority(train: list[dict], evaluated: list[dict]) -> tuple[str, bool, str]:
    """(majority claim type over gold claims, majority sentence check-worthiness, where they were counted)."""
    recs, where = train, "the train split"
    if not any(r["claims"] for r in recs):
        recs, where = evaluated, "the evaluated gold, as the train split is empty"
    types = Counter(c["type"] for r in recs for c in r["claims"])
    order = schema.labels()["claim_type"]
    typ = min(types, key=lambda t: (-types[t], order.index(t))) if types else order[0]
    worthy = sum(r["checkworthy"] for r in recs) * 2 > len(recs)
    return typ, worthy, where


def majority_predict(typ: str, worthy: bool) -> Callable[[dict, dict], dict]:
    def predict(rec: dict, out: dict) -> dict:
        end = _body_end(rec["text"])
        out["claims"] = [{"start": 0, "end": end, "text": rec["text"][:end], "type": typ, "checkworthy": worthy,
                          "source": {"type": "author"}}]
        return out
    return predict


def spacy_predict(name: str) -> tuple[Callable[[dict, dict], dict], str]:
    """A predictor from a spaCy pipeline loaded by name or path, and its identity (name and version)."""
    import spacy

    try:
        nlp = spacy.load(name)
    except OSError as err:
        raise EvaluationError(name, f"spaCy cannot load this pipeline ({str(err).split('.')[0]})",
                          "give an installed pipeline's name or the path of a saved one (nlp.to_disk)") from None
    labels = set(schema.labels()["entity_label"])

    def predict(rec: dict, out: dict) -> dict:
        doc = nlp(rec["text"])
        out["entities"] = [{"start": e.start_char, "end": e.end_char, "text": e.text, "label": e.label_}
                           for e in doc.ents if e.label_ in labels and e.text == e.text.strip()]
        return out
    return predict, f"{nlp.meta.get('name', name)} {nlp.meta.get('version', '')}".strip()


def predictor(model: str, root: Path, train: list[dict], evaluated: list[dict]) -> tuple[Callable[[dict], dict], str]:
    """(record -> predicted record, description) for a model name."""
    parts: list[Callable[[dict, dict], dict]] = []
    names = BASELINES if model == "baseline:all" else (model,)
    desc = []
    for name in names:
        if name == "baseline:hedge-lexicon":
            parts.append(hedge_lexicon_predict(root))
            desc.append(f"hedge-cue lexicon of {len(hedge_lexicon(root))} entries from GUIDELINES HEDGE-3..6")
        elif name == "baseline:gazetteer":
            parts.append(gazetteer_predict(root))
            desc.append(f"gazetteer of {len(gazetteer(root))} entity examples from GUIDELINES, which quote seed "
                        "sentences, so it has seen some test entities (optimistic)")
        elif name == "baseline:majority":
            typ, worthy, where = majority(train, evaluated)
            parts.append(majority_predict(typ, worthy))
            desc.append(f"one claim per sentence, majority type {typ}, majority sentence check-worthiness "
                        f"{str(worthy).lower()} (counted over {where})")
        elif name.startswith("baseline:"):
            raise EvaluationError(name, "no such baseline", f"use one of {', '.join(BASELINES)}, baseline:all, or a spaCy pipeline")
        else:
            fn, ident = spacy_predict(name)
            parts.append(fn)
            desc.append(f"spaCy pipeline {ident}")

    def predict(rec: dict) -> dict:
        out = _empty(rec)
        for part in parts:
            out = part(rec, out)
        return with_flags(out)
    return predict, "; ".join(desc)


# --- the card's table -------------------------------------------------------------------------------

ADDRESSES = {"baseline:hedge-lexicon": ("hedge", "hedged"), "baseline:gazetteer": ("entities",),
             "baseline:majority": ("claims", "checkworthy")}
HEADLINE = {"entities.exact": "Entities, exact, labelled", "hedge_cues.exact": "Hedge cues, exact (CoNLL-2010)",
            "hedge_cue_scope.exact": "Hedge cue + scope, exact (CoNLL-2010)", "hedged": "Hedged sentences",
            "claims.exact": "Claim spans, exact", "claims.type_macro_f1": "Claim type, macro-F1",
            "checkworthy": "Check-worthy sentences"}


def table(repo, gold: dict[str, list[dict]], splits: dict[str, list[str]], *, resamples: int = 1000, seed: int = 0) -> str:
    """Markdown: F1 [95% CI] of each baseline on all gold sentences, beside the human ceiling."""
    from claimcorpus.layout import GOLD
    from claimcorpus.score import ceiling, compare

    recs = [r for d in sorted(gold) for r in gold[d]]
    train = [r for d in splits.get("train", []) for r in gold.get(d, [])]
    columns, notes, only = {}, [], tuple(HEADLINE)
    for name in BASELINES:
        predict, desc = predictor(name, repo.root, train, recs)
        figs = compare([(r, predict(r)) for r in recs], resamples=resamples, seed=seed, only=only)["figures"]
        columns[f"`{name}`"] = {k: v for k, v in figs.items() if k.startswith(ADDRESSES[name])}
        notes.append(f"- `{name}`: {desc}.")
    by_id = {r["id"]: r for r in recs}
    for label, rep in ceiling(repo, GOLD, by_id, set(gold), resamples, seed, only).items():
        columns[label] = rep["figures"]
    head = ["Measure (F1)", *columns]
    rows = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * len(columns)]
    for key, title in HEADLINE.items():
        cells = []
        for figs in columns.values():
            value = figs[key]["f1"] if key in figs else None
            cells.append("—" if key not in figs else "n/a" if value is None else
                         f"{value:.3f} [{figs[key]['ci95'][0]:.2f}, {figs[key]['ci95'][1]:.2f}]")
        rows.append(f"| {title} | " + " | ".join(cells) + " |")
    notes.append("- —: the baseline does not predict this layer.")
    return "\n".join(rows) + "\n\n" + "\n".join(notes) + "\n"


# --- writing a layer ------------------------------------------------------------------------------

def preannotate(repo, model: str, layer: str, against: str = "gold", overwrite: bool = False) -> tuple[list[str], str]:
    """Write layer ``layer`` (kind ``prediction``) with ``model``'s predictions for every document of the
    reference layer; return the files written and the model's description. The layer appears whole (one transaction)."""
    from datetime import date as Date

    from claimcorpus.layers import check_meta, is_layer_id, meta_path as layer_meta, read_layer, read_meta, write_layer, write_meta
    from claimcorpus.splits import read_splits
    from claimcorpus.txn import Transaction

    read_meta(repo, against)
    if not is_layer_id(layer):
        raise EvaluationError(layer, "not a layer id", "use lower-case letters, digits, '-' and '_', e.g. pred-my-model")
    meta_path = layer_meta(repo, layer)
    if meta_path.exists() and not overwrite:
        raise EvaluationError(repo.rel(meta_path), f"layer {layer!r} exists", "pick a new --layer name, or pass --overwrite")
    doc_ids = sorted(p.stem for p in repo.layer_dir(against).glob("*.jsonl"))
    gold = {d: read_layer(repo, against, d) for d in doc_ids}
    splits = read_splits(repo, doc_ids) if (repo.annotations / "splits.json").is_file() else {}
    train = [r for d in splits.get("train", []) for r in gold.get(d, [])]
    predict, desc = predictor(model, repo.root, train, [r for d in doc_ids for r in gold[d]])
    written = []
    meta = {"layer": layer, "kind": "prediction", "annotator": model, "date": Date.today().isoformat(),
            "guidelines_version": None, "description": f"claimcorpus preannotate --model {model}: {desc}"}
    check_meta(meta, repo.rel(meta_path))
    with Transaction(repo.root, "preannotate") as tx:  # the whole layer appears at once, or nothing
        for d in doc_ids:
            write_layer(repo, layer, d, [predict(r) for r in gold[d]], overwrite=overwrite, tx=tx)
            written.append(repo.rel(repo.layer_file(layer, d)))
        write_meta(repo, meta, tx, replace=overwrite)
    return written, desc
