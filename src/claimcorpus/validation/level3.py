"""Level 3: content that JSON Schema cannot say: offsets against the texts they index, ids, order, links.

Records that failed level 1 or 2 are not checked here (their fields cannot be trusted).
"""

from __future__ import annotations

from claimcorpus.textio import first_difference

from collections.abc import Iterator

from claimcorpus.kinds import kinds
from claimcorpus.layers import sentence_id
from claimcorpus.validation.codes import yields
from claimcorpus.validation.finding import Finding


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


@yields("E309", "E310", "E311", "E313")
def sentence_content(rec: dict) -> Iterator[tuple[str, str]]:
    """Level 3 checks inside one sentence record: every span's slice, then each kind's own checks."""
    text = rec["text"]
    n = len(text)
    seen: set[tuple] = set()
    registered = kinds()
    for kind in registered:
        field, label = kind.field, kind.label
        for i, span in enumerate(rec[field]):
            start, end, got = span["start"], span["end"], span["text"]
            # the common case in one test; slice_findings says what is wrong otherwise
            if not (0 <= start < end <= n and text[start:end] == got and got == got.strip()):
                yield from slice_findings(f"{field}[{i}]", text, start, end, got, "E309", "E310", "E311")
            key = (field, start, end, span[label])
            if key in seen:
                yield "E313", f"{field}[{i}] repeats span {start}:{end}"
            seen.add(key)
    for kind in registered:
        for check in kind.checks:
            yield from check(rec)


@yields("E302", "E303", "E304", "E305", "E306", "E307")
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
                yield Finding("E306", rel, line, rid, f"text is not the document slice {rec['start']}:{rec['end']} "
                                                      f"({first_difference(rec['text'], sl)})")
            elif sl != sl.strip():
                yield Finding("E307", rel, line, rid, f"text {sl[:40]!r} has whitespace at an edge")
