"""Sentence segmentation of canonical text with pySBD.

Sentences never cross a line break: each non-blank line is a paragraph, split by
pySBD (``clean=False``, so it never rewrites text). Offsets are code points into
the canonical text, whitespace trimmed from both ends, so that
``text[s.start:s.end] == s.text`` always holds.

>>> [s.text for s in segment("Dr. Lee met U.S. envoys at 9 a.m. today. Talks went well.")]
['Dr. Lee met U.S. envoys at 9 a.m. today.', 'Talks went well.']
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from importlib.metadata import version

LANGUAGE = "en"


@dataclass(frozen=True)
class Segment:
    index: int
    paragraph: int
    start: int
    end: int
    text: str

    def as_dict(self) -> dict:
        return asdict(self)


def segmenter_info() -> dict:
    """What produced the sentence boundaries; stored with every segmentation."""
    return {
        "name": "pysbd",
        "version": version("pysbd"),
        "language": LANGUAGE,
        "clean": False,
        "paragraphs": "each non-blank line; sentences never cross a line break",
        "trim": "str.strip() whitespace removed from both ends",
    }


@functools.cache
def _pysbd():
    import pysbd

    return pysbd.Segmenter(language=LANGUAGE, clean=False)


def _pieces(line: str) -> list[tuple[int, int]]:
    """(start, end) of each pySBD segment of ``line``, relative to the line."""
    parts = _pysbd().segment(line)
    spans, cursor = [], 0
    for part in parts:
        core = part.strip()
        if not core:
            cursor += len(part)
            continue
        found = line.find(core, cursor)
        if found < 0:  # pySBD rewrote the text; never seen with clean=False, guard anyway
            raise RuntimeError(f"pySBD segment not found in its input: {core[:40]!r}")
        spans.append((found, found + len(core)))
        cursor = found + len(core)
    return spans


def segment(text: str) -> list[Segment]:
    """Split canonical ``text`` into sentences with code-point offsets."""
    out: list[Segment] = []
    offset, paragraph = 0, 0
    for line in text.split("\n"):
        if line.strip():
            for s, e in _pieces(line):
                out.append(Segment(len(out), paragraph, offset + s, offset + e, line[s:e]))
            paragraph += 1
        offset += len(line) + 1
    return out
