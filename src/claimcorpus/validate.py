"""Validate a claimcorpus repository in levels, cheapest first, yielding every finding.

A finding reads like::

    annotations/gold/doc1.jsonl:3: E310 span-text [doc1-s0002 entities[0]] text 'Kyiv' is not the slice 'Kiev'. Fix: copy the text from the slice, or correct start/end

Records that fail level 1 or 2 are not checked at level 3 (their fields cannot be trusted).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from claimcorpus import schema
from claimcorpus.checks import CHECKS
from claimcorpus.errors import CorpusError
from claimcorpus.kinds import kinds
from claimcorpus.layers import sentence_id
from claimcorpus.layout import SEGMENTS, Repo
from claimcorpus.textio import canonical_text, decode_utf8, read_bytes, sha256
from claimcorpus.txn import TXN, leftover



@dataclass(frozen=True)
class Finding:
    code: str
    file: str
    line: int | None
    record: str | None
    message: str

    @property
    def name(self) -> str:
        return CHECKS[self.code].name

    @property
    def level(self) -> int:
        return CHECKS[self.code].level

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        rec = f" [{self.record}]" if self.record else ""
        return f"{where}: {self.code} {self.name}{rec} {self.message}. Fix: {CHECKS[self.code].fix}"


@dataclass
class Loaded:
    """A JSONL file read at level 1: its good records (line, record) and its findings."""

    rel: str
    records: list[tuple[int, dict]]
    findings: list[Finding]


def load_jsonl(path: Path, rel: str) -> Loaded:
    try:
        raw = read_bytes(path, rel)
        text = decode_utf8(raw, rel)
    except CorpusError as err:
        code = "E101" if "no such file" in err.problem else "E102"
        return Loaded(rel, [], [Finding(code, rel, None, None, err.problem)])
    records, findings = [], []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            findings.append(Finding("E103", rel, lineno, None, f"{exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(rec, dict):
            findings.append(Finding("E103", rel, lineno, None, f"a JSON {type(rec).__name__}, not an object"))
            continue
        records.append((lineno, rec))
    return Loaded(rel, records, findings)


def schema_findings(name: str, rec: dict, rel: str, line: int | None, fast: bool = False) -> list[Finding]:
    """Level 2: all JSON Schema errors of one record, label errors under their own code.

    With ``fast``, jsonschema-rs first says yes or no; only a rejected record is walked by
    python-jsonschema for its messages, so the findings are the same either way.
    """
    if fast and schema.fast_validator(name).is_valid(rec):
        return []
    out = []
    rid = rec.get("id") if isinstance(rec.get("id"), str) else None
    if schema.too_deep(rec):
        return [Finding("E201", rel, line, rid, f"(record): nested more than {schema.MAX_DEPTH} levels deep")]
    for err in sorted(schema.validator(name).iter_errors(rec), key=lambda e: list(map(str, e.absolute_path))):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path).lstrip(".") or "(record)"
        is_label = err.validator == "enum" and err.absolute_path and err.absolute_path[-1] in schema.label_fields()
        if is_label:
            msg = f"{path}: unknown value {err.instance!r}; allowed: {', '.join(err.validator_value)}"
            out.append(Finding("E202", rel, line, rid, msg))
        else:
            out.append(Finding("E201", rel, line, rid, f"{path}: {err.message}"))
    return out


def _spans(rec: dict) -> Iterator[tuple[str, dict]]:
    for kind in kinds():
        for i, span in enumerate(rec[kind.field]):
            yield f"{kind.field}[{i}]", span[kind.label], span


def slice_findings(where: str, text: str, start: int, end: int, got: str, code_range: str, code_text: str,
                    code_ws: str | None) -> Iterator[tuple[str, str]]:
    """(code, message) for one span against the text it indexes."""
    if not 0 <= start < end <= len(text):
        yield code_range, f"{where} offsets {start}:{end} are outside 0:{len(text)} or empty"
        return
    if text[start:end] != got:
        yield code_text, f"{where} text {got!r} is not the slice {text[start:end]!r}"
    elif code_ws and got != got.strip():
        yield code_ws, f"{where} text {got!r} has whitespace at an edge"


def sentence_content(rec: dict) -> Iterator[tuple[str, str]]:
    """Level 3 checks inside one sentence record: every span's slice, then each kind's own checks."""
    text = rec["text"]
    seen: set[tuple] = set()
    for where, label, span in _spans(rec):
        yield from slice_findings(where, text, span["start"], span["end"], span["text"], "E309", "E310", "E311")
        key = (where.split("[")[0], span["start"], span["end"], label)
        if key in seen:
            yield "E313", f"{where} repeats span {span['start']}:{span['end']}"
        seen.add(key)
    for kind in kinds():
        for check in kind.checks:
            yield from check(rec)


def sequence_content(doc_id: str, doc_text: str | None, records: list[tuple[int, dict | None]],
                     rel: str) -> Iterator[Finding]:
    """Level 3 checks across the sentence records of one document file (layer or segments)."""
    ids: dict[str, int] = {}
    prev_end = 0
    for pos, (line, rec) in enumerate(records):
        if rec is None:  # failed level 1 or 2: not checked, but it keeps its place in the order
            continue
        rid = rec["id"]
        if rec["doc_id"] != doc_id:
            yield Finding("E302", rel, line, rid, f"doc_id {rec['doc_id']!r} in the file of {doc_id!r}")
        if rid != sentence_id(rec["doc_id"], rec["index"]):
            yield Finding("E303", rel, line, rid, f"id should be {sentence_id(rec['doc_id'], rec['index'])}")
        if rid in ids:
            yield Finding("E304", rel, line, rid, f"id already used on line {ids[rid]}")
        ids.setdefault(rid, line)
        if rec["index"] != pos or rec["start"] < prev_end:
            yield Finding("E305", rel, line, rid, f"record {pos} has index {rec['index']} and starts at {rec['start']} "
                                                  f"(previous sentence ends at {prev_end})")
        prev_end = max(prev_end, rec["end"])
        if doc_text is not None:
            sl = doc_text[rec["start"]:rec["end"]]
            if rec["end"] > len(doc_text) or sl != rec["text"]:
                yield Finding("E306", rel, line, rid, f"text {rec['text'][:40]!r} is not the document slice "
                                                      f"{rec['start']}:{rec['end']} {sl[:40]!r}")
            elif sl != sl.strip():
                yield Finding("E307", rel, line, rid, f"text {sl[:40]!r} has whitespace at an edge")


class Validator:
    """Collects the findings of every level over one repository."""

    def __init__(self, repo: Repo, fast: bool = True) -> None:
        self.repo = repo
        self.fast = fast
        self.findings: list[Finding] = []
        self.texts: dict[str, str] = {}
        self.segments: dict[str, list[tuple[int, int, int, str]]] = {}
        self.manifest_ids: set[str] = set()
        self.n_records = 0

    def add(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def run(self, progress=None) -> list[Finding]:
        self.leftovers()
        self.documents()
        self.segment_files()
        layers = self.repo.layers()
        for layer in layers:
            self.layer(layer)
            if progress:
                progress(layer)
        if not self.findings:
            from claimcorpus.adjudication import findings as adjudication_findings

            self.add(adjudication_findings(self.repo))
        return self.findings

    # -- leftovers of interrupted commands ------------------------------------
    def leftovers(self) -> None:
        """E107 for an interrupted write (txn.py); E101 for a layer folder that has files but no layer.json."""
        left = leftover(self.repo.root)
        if left:
            state = "committed, not yet moved in" if left["committed"] else "not committed"
            self.add([Finding("E107", TXN + "/", None, None, f"`claimcorpus {left['command']}` (pid {left.get('pid')}) "
                                                             f"was interrupted ({state})")])
        if self.repo.annotations.is_dir():
            for folder in sorted(p for p in self.repo.annotations.iterdir() if p.is_dir() and p.name != SEGMENTS):
                if not (folder / "layer.json").is_file() and any(folder.glob("*.jsonl")):
                    self.add([Finding("E101", self.repo.rel(folder / "layer.json"), None, None,
                                      f"folder {folder.name!r} has layer files but no layer.json")])

    # -- documents -----------------------------------------------------------
    def documents(self) -> None:
        repo, rel = self.repo, self.repo.rel(self.repo.manifest)
        if not repo.manifest.is_file():
            self.add([Finding("E101", rel, None, None, "the manifest is missing")])
            return
        loaded = load_jsonl(repo.manifest, rel)
        self.add(loaded.findings)
        self.manifest_ids = {e.get("doc_id") for _, e in loaded.records}
        by_text: dict[str, str] = {}
        for line, entry in loaded.records:
            bad = schema_findings("document", entry, rel, line)
            if bad:
                self.add(bad)
                continue
            if entry["date"] is not None and not schema.is_real_date(entry["date"]):
                self.add([Finding("E203", rel, line, entry["doc_id"], f"date {entry['date']!r} is not a real date")])
            twin = by_text.setdefault(entry["sha256_text"], entry["doc_id"])
            if twin != entry["doc_id"]:
                self.add([Finding("E106", rel, line, entry["doc_id"], f"documents {twin!r} and {entry['doc_id']!r} "
                                                                      "have the same canonical text")])
            doc_id, path = entry["doc_id"], repo.root / entry["path"]
            try:
                raw = read_bytes(path, entry["path"])
            except CorpusError as err:
                self.add([Finding("E101", rel, line, doc_id, f"{entry['path']}: {err.problem}")])
                continue
            try:
                text = canonical_text(raw, entry["path"])
            except CorpusError as err:
                code = "E102" if "UTF-8" in err.problem else "E104"
                self.add([Finding(code, entry["path"], None, doc_id, err.problem)])
                continue
            if sha256(raw) != entry["sha256_raw"] or sha256(text.encode()) != entry["sha256_text"]:
                self.add([Finding("E105", entry["path"], None, doc_id, "sha256 differs from seeds/manifest.jsonl")])
            self.texts[doc_id] = text

    # -- segments ------------------------------------------------------------
    def _doc_files(self, folder: Path) -> list[tuple[str, Path]]:
        return sorted((p.stem, p) for p in folder.glob("*.jsonl"))

    def _records(self, name: str, doc_id: str, path: Path) -> tuple[str, list[tuple[int, dict]], bool]:
        """(relative path, the records that passed levels 1-2, whether that is every line of the file)."""
        rel = self.repo.rel(path)
        loaded = load_jsonl(path, rel)
        self.add(loaded.findings)
        placed = [(f.line, None) for f in loaded.findings if f.line]  # lines that are not JSON objects
        for line, rec in loaded.records:
            bad = schema_findings(name, rec, rel, line, self.fast)
            self.add(bad)
            placed.append((line, None if bad else rec))
        placed.sort(key=lambda p: p[0])
        good = [(line, rec) for line, rec in placed if rec is not None]
        complete = len(good) == len(placed) and not any(f.line is None for f in loaded.findings)
        self.n_records += len(loaded.records)
        if doc_id not in self.manifest_ids:
            self.add([Finding("E301", rel, None, None, f"document {doc_id!r} is not in seeds/manifest.jsonl")])
            return rel, [], False
        if doc_id not in self.texts:
            return rel, good, complete  # the document itself failed; its findings are already reported
        self.add(sequence_content(doc_id, self.texts.get(doc_id), placed, rel))
        return rel, good, complete

    def segment_files(self) -> None:
        for doc_id in sorted(self.texts):
            path = self.repo.segments_file(doc_id)
            if not path.is_file():
                self.add([Finding("E101", self.repo.rel(path), None, doc_id,
                                  "sentence boundaries are missing; run `claimcorpus ingest` again")])
        for doc_id, path in self._doc_files(self.repo.segments):
            _, good, _ = self._records("segment", doc_id, path)
            self.segments[doc_id] = [(r["index"], r["start"], r["end"], r["text"]) for _, r in good]

    # -- layers --------------------------------------------------------------
    def layer(self, layer: str) -> None:
        meta_path = self.repo.layer_dir(layer) / "layer.json"
        rel = self.repo.rel(meta_path)
        try:
            meta = orjson.loads(decode_utf8(read_bytes(meta_path, rel), rel))
        except CorpusError as err:
            self.add([Finding("E102", rel, None, None, err.problem)])
        except orjson.JSONDecodeError as exc:
            self.add([Finding("E103", rel, exc.lineno, None, f"{exc.msg} at column {exc.colno}")])
        else:
            bad = schema_findings("layer", meta, rel, None) if isinstance(meta, dict) else [
                Finding("E103", rel, None, None, "layer.json must hold one JSON object")]
            self.add(bad)
            if not bad and meta["layer"] != layer:
                self.add([Finding("E318", rel, None, None, f"layer {meta['layer']!r} in folder {layer!r}")])
            if not bad and not schema.is_real_date(meta["date"]):
                self.add([Finding("E203", rel, None, None, f"date {meta['date']!r} is not a real date")])
        for doc_id, path in self._doc_files(self.repo.layer_dir(layer)):
            self.layer_file(doc_id, path, self.segments.get(doc_id))

    def layer_file(self, doc_id: str, path: Path, segments: list | None) -> None:
        """One document's file of a layer: its records, their content, and its boundaries against ``segments``."""
        rel, good, complete = self._records("sentence", doc_id, path)
        for line, rec in good:
            self.add(Finding(code, rel, line, rec["id"], msg) for code, msg in sentence_content(rec))
        if segments is not None and complete:
            got = [(r["index"], r["start"], r["end"], r["text"]) for _, r in good]
            if got != segments:
                missing = sorted({w[0] for w in segments} ^ {g[0] for g in got})
                moved = [g[0] for g in got if g not in segments]
                self.add([Finding("E308", rel, None, None, f"{len(got)} sentences vs {len(segments)} in segments; "
                                                           f"indices differing: {(missing + moved)[:10]}")])



def validate(root: Path, progress=None) -> list[Finding]:
    return Validator(Repo(root)).run(progress)
