"""Offsets at the Label Studio boundary: code points (ours) and UTF-16 code units.

We store code points (Python ``str`` indices). JavaScript strings count UTF-16 code
units, where an astral character (most emoji, U+10000 and up) takes two. Label
Studio 1.23's editor converts its selections to code points before saving
(``charsToCodePoints`` / the RichText DomManager split text with ``[...text]``),
so ``codepoint`` is the default unit; ``utf16`` is there for exports made by tools
that count like JavaScript.

>>> to_utf16("😀 ok", 2), from_utf16("😀 ok", 3)
(3, 2)
"""

from __future__ import annotations

from itertools import accumulate
from typing import Literal

Unit = Literal["codepoint", "utf16"]
UNITS: tuple[Unit, ...] = ("codepoint", "utf16")


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def to_utf16(text: str, offset: int) -> int:
    """The UTF-16 offset of code-point ``offset`` in ``text`` (0 <= offset <= len(text))."""
    if not 0 <= offset <= len(text):
        raise ValueError(f"offset {offset} is outside 0:{len(text)}")
    return offset + sum(1 for ch in text[:offset] if ord(ch) > 0xFFFF)


def from_utf16(text: str, offset: int) -> int:
    """The code-point offset of UTF-16 ``offset``; ValueError inside a surrogate pair or outside the text."""
    bounds = [0, *accumulate(2 if ord(ch) > 0xFFFF else 1 for ch in text)]
    lo, hi = 0, len(bounds) - 1
    while lo <= hi:  # bisect on the UTF-16 boundary of each code point
        mid = (lo + hi) // 2
        if bounds[mid] == offset:
            return mid
        lo, hi = (mid + 1, hi) if bounds[mid] < offset else (lo, mid - 1)
    raise ValueError(f"UTF-16 offset {offset} is inside a surrogate pair or outside 0:{bounds[-1]}")


def encode(text: str, offset: int, unit: Unit) -> int:
    """Our code-point offset as Label Studio counts it."""
    return offset if unit == "codepoint" else to_utf16(text, offset)


def decode(text: str, offset: int, unit: Unit) -> int:
    """A Label Studio offset as a code-point offset; ValueError if it is not on a character boundary."""
    if unit == "codepoint":
        if not 0 <= offset <= len(text):
            raise ValueError(f"offset {offset} is outside 0:{len(text)}")
        return offset
    return from_utf16(text, offset)
