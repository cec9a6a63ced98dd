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


# Python counts U+001C..U+001F as whitespace but int() does not, which crashes pySBD's
# list detection ("\x1c3. "); pySBD sees a space there instead (same length, same offsets).
_PYSBD_SAFE = str.maketrans({c: " " for c in "\x1c\x1d\x1e\x1f"})


def _pieces(line: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``line``, relative to the line.

    pySBD only chooses where sentences end: the line is cut after each pySBD segment and
    each piece trimmed, so text pySBD leaves out (it drops " !?" in "Hello. !?") still
    belongs to a sentence.
    """
    probe = line.translate(_PYSBD_SAFE)
    cuts, cursor = [], 0
    for part in _pysbd().segment(probe):
        core = part.strip()
        if not core:
            continue
        found = probe.find(core, cursor)
        if found < 0:  # pySBD rewrote this piece (never seen with clean=False): no cut here, text is kept
            continue
        cursor = found + len(core)
        cuts.append(cursor)
    spans, begin = [], 0
    for cut in [*cuts[:-1], len(line)]:
        piece = probe[begin:cut]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((begin + lead, begin + len(piece.rstrip())))
        begin = cut
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
