"""Level 1: files are there, decode as UTF-8 and parse (one JSON object per JSONL line)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson

from claimcorpus.errors import CorpusError
from claimcorpus.textio import decode_utf8, read_bytes
from claimcorpus.validation.finding import Finding


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
