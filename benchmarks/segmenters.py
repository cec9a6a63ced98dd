"""Sentence segmenters compared: boundary precision / recall / F1, golden rules passed, and MB/s.

    scripts/eval-segmenters [--golden PATH] [--mb 2] [--out build/eval-segmenters]

Development tooling, not part of the installed library. Every system segments one paragraph (line)
at a time, as ``segment.segment`` does. Scored on:

- **news**: ``tests/texts/news/*.txt``, news-style texts we wrote, with sentences read by hand in
  ``<name>.gold`` (one a line, a blank line between paragraphs). A boundary is the start of a sentence
  that does not start its paragraph (paragraph starts are given to every system). The rules were
  developed on these texts, so ours scores high on them by construction.
- **held-out**: ``benchmarks/heldout/``, more texts of the same kind written after the rules and
  never used to change them (add new ones rather than tuning to these).
- **golden rules** (``--golden``): pySBD's English golden rules, ``benchmarks/english_golden_rules.py``
  of https://github.com/nipunsadvilkar/pySBD (MIT; from Pragmatic Segmenter's "Golden Rules"). It is not
  copied into this project: pass the path of that file from a pySBD checkout; it is read at run time.
  A rule passes when the sentences, whitespace-trimmed, are exactly the expected list.
- **golden, our words**: ``tests/texts/golden_like.jsonl``, the same phenomena in texts we wrote (47 cases:
  the rule no segmenter passes is left out); runs without the pySBD file.
- **speed**: the news texts, ``tests/texts/*.txt`` and the seeds, repeated to ``--mb`` MB, one
  process; CPU seconds (``time.process_time``, fair on a shared machine) and wall seconds, after one
  warm-up call (imports and model loading excluded).

Writes ``<out>/report.md`` and ``<out>/report.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT / "tests" / "texts" / "news"
HELDOUT = ROOT / "benchmarks" / "heldout"
Spans = list[tuple[int, int]]


def _trimmed(line: str, spans) -> Spans:
    out = []
    for s, e in spans:
        piece = line[s:e]
        if piece.strip():
            out.append((s + len(piece) - len(piece.lstrip()), s + len(piece.rstrip())))
    return out


def ours() -> Callable[[str], Spans]:
    from claimcorpus.segment import segment

    return lambda text: [(s.start, s.end) for s in segment(text)]  # splits lines itself


def pysbd_() -> Callable[[str], Spans]:
    import pysbd

    seg = pysbd.Segmenter(language="en", clean=False, char_span=True)
    return lambda line: _trimmed(line, [(s.start, s.end) for s in seg.segment(line)])


def spacy_() -> Callable[[str], Spans]:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return lambda line: _trimmed(line, [(s.start_char, s.end_char) for s in nlp(line).sents])


def syntok_() -> Callable[[str], Spans]:
    import syntok.segmenter as syntok

    def run(line: str) -> Spans:
        spans = []
        for paragraph in syntok.analyze(line):
            for sentence in paragraph:
                spans.append((sentence[0].offset, sentence[-1].offset + len(sentence[-1].value)))
        return _trimmed(line, spans)
    return run


def blingfire_() -> Callable[[str], Spans]:
    import blingfire

    return lambda line: _trimmed(line, blingfire.text_to_sentences_and_offsets(line)[1])


def _ours_version() -> str:
    from claimcorpus.segment import segmenter_info

    info = segmenter_info()
    return f"rules {info['rules']} + blingfire {info['base']['version']}"


# name -> (factory of a paragraph segmenter, whether it takes whole documents, version)
SYSTEMS = {
    "claimcorpus segment": (ours, True, _ours_version),
    "pySBD": (pysbd_, False, lambda: version("pysbd")),
    'spaCy blank("en") + sentencizer': (spacy_, False, lambda: version("spacy")),
    "syntok": (syntok_, False, lambda: version("syntok")),
    "blingfire": (blingfire_, False, lambda: version("blingfire")),
}


def paragraph_starts(text: str) -> set[int]:
    starts, offset = set(), 0
    for line in text.split("\n"):
        if line.strip():
            starts.add(offset + len(line) - len(line.lstrip()))
        offset += len(line) + 1
    return starts


def by_lines(fn: Callable[[str], Spans]) -> Callable[[str], Spans]:
    """A document segmenter from a paragraph segmenter: each line alone, offsets into the document."""
    def run(text: str) -> Spans:
        spans, offset = [], 0
        for line in text.split("\n"):
            if line.strip():
                spans += [(offset + s, offset + e) for s, e in fn(line)]
            offset += len(line) + 1
        return spans
    return run


def gold_spans(path: Path, text: str) -> Spans:
    """The hand-read sentences of ``path`` located in ``text``, in order, with only whitespace between."""
    spans, cursor = [], 0
    for sentence in path.with_suffix(".gold").read_text(encoding="utf-8").splitlines():
        if sentence.strip():
            start = text.index(sentence, cursor)
            if text[cursor:start].strip():
                raise ValueError(f"{path.name}: text before {sentence!r} is in no gold sentence")
            spans.append((start, start + len(sentence)))
            cursor = start + len(sentence)
    return spans


def news_scores(fn: Callable[[str], Spans], folder: Path) -> dict:
    from claimcorpus.textio import read_document

    tp = fp = fn_ = exact = n_gold = n_got = 0
    for path in sorted(folder.glob("*.txt")):
        text = read_document(path)
        gold = gold_spans(path, text)
        got, starts = fn(text), paragraph_starts(text)
        gb = {s for s, _ in gold} - starts
        pb = {s for s, _ in got} - starts
        tp, fp, fn_ = tp + len(gb & pb), fp + len(pb - gb), fn_ + len(gb - pb)
        exact, n_gold, n_got = exact + len(set(gold) & set(got)), n_gold + len(gold), n_got + len(got)
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn_)
    sp, sr = exact / max(1, n_got), exact / max(1, n_gold)
    return {"boundaries": tp + fn_, "sentences": n_gold, "tp": tp, "fp": fp, "fn": fn_,
            "precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / max(1e-9, p + r), 3),
            "sentence_f1": round(2 * sp * sr / max(1e-9, sp + sr), 3)}


def golden_scores(fn: Callable[[str], Spans], rules: list) -> dict:
    failed = []
    for text, want in rules:
        got = [text[s:e] for s, e in fn(text)]
        if got != [w.strip() for w in want]:
            failed.append(text)
    return {"passed": len(rules) - len(failed), "total": len(rules), "failed": failed}


def speed_text(mb: float) -> str:
    from claimcorpus.textio import read_document

    paths = sorted(NEWS.glob("*.txt")) + sorted(HELDOUT.glob("*.txt")) + sorted((ROOT / "tests" / "texts").glob("*.txt")) + sorted((ROOT / "seeds").glob("*.txt"))
    unit = "\n".join(read_document(p) for p in paths)
    return "\n".join([unit] * max(1, int(mb * 1e6 / len(unit.encode("utf-8"))) + 1))


def speed(fn: Callable[[str], Spans], text: str) -> dict:
    fn("Warm up. Twice.")
    cpu, wall = time.process_time(), time.perf_counter()
    n = len(fn(text))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    size = len(text.encode("utf-8")) / 1e6
    return {"mb": round(size, 2), "sentences": n, "cpu_mb_s": round(size / cpu, 2), "wall_mb_s": round(size / wall, 2)}


def load_golden_like() -> list:
    lines = (ROOT / "tests" / "texts" / "golden_like.jsonl").read_text(encoding="utf-8").splitlines()
    return [(c["text"], c["sentences"]) for c in map(json.loads, lines)]


def load_golden(path: Path) -> list:
    spec = importlib.util.spec_from_file_location("english_golden_rules", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.GOLDEN_EN_RULES


def evaluate(golden: Path | None, mb: float) -> dict:
    rules = load_golden(golden) if golden else None
    own = load_golden_like()
    text = speed_text(mb)
    report = {}
    for name, (make, whole, get_version) in SYSTEMS.items():
        fn = make() if whole else by_lines(make())
        report[name] = {"version": get_version(), "news": news_scores(fn, NEWS), "heldout": news_scores(fn, HELDOUT),
                        "golden": golden_scores(fn, rules) if rules else None,
                        "golden_like": golden_scores(fn, own), "speed": speed(fn, text)}
    return report


def markdown(report: dict) -> str:
    rows = ["<!-- generated by scripts/eval-segmenters -->",
            "| system | news: boundary P / R / F1 | sentence F1 | held-out: boundary P / R / F1 | sentence F1 "
            "| golden rules | golden, our words | MB/s CPU (wall) |",
            "|---|---|---|---|---|---|---|---|"]
    for name, r in report.items():
        n, h, g, s = r["news"], r["heldout"], r["golden"], r["speed"]
        rules = f"{g['passed']}/{g['total']}" if g else "not run (--golden)"
        own = f"{r['golden_like']['passed']}/{r['golden_like']['total']}"
        rows.append(f"| {name} ({r['version']}) | {n['precision']:.3f} / {n['recall']:.3f} / {n['f1']:.3f} | "
                    f"{n['sentence_f1']:.3f} | {h['precision']:.3f} / {h['recall']:.3f} / {h['f1']:.3f} | "
                    f"{h['sentence_f1']:.3f} | {rules} | {own} | {s['cpu_mb_s']} ({s['wall_mb_s']}) |")
    first = next(iter(report.values()))
    rows.append(f"\nnews: {first['news']['sentences']} sentences, {first['news']['boundaries']} boundaries inside "
                f"paragraphs; held-out: {first['heldout']['sentences']} sentences, {first['heldout']['boundaries']}; "
                f"speed text {first['speed']['mb']} MB, one process.")
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--golden", type=Path, help="pySBD's benchmarks/english_golden_rules.py (from a pySBD checkout)")
    ap.add_argument("--mb", type=float, default=2.0, help="size of the speed text in MB")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "eval-segmenters")
    args = ap.parse_args(argv)
    if args.golden and not args.golden.is_file():
        sys.exit(f"error: {args.golden}: no such file. Fix: pass benchmarks/english_golden_rules.py of a pySBD checkout")
    report = evaluate(args.golden, args.mb)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    md = markdown(report)
    (args.out / "report.md").write_text(md, encoding="utf-8")
    sys.stdout.write(md)


if __name__ == "__main__":
    main()
