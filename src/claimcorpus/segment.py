"""Sentence segmentation of canonical text: blingfire's sentence ends, corrected by rules for news.

Each non-blank line is a paragraph and sentences never cross a line break. In a line, blingfire
(a compiled segmenter, pinned) proposes where sentences end; the rules in ``RULES`` add or remove
ends, each explained by a text under ``tests/texts/``. The line is cut at the ends and every piece
trimmed, so ``text[s.start:s.end] == s.text`` always holds and only whitespace is left out.

>>> [s.text for s in segment('"Why now?" she asked. Gov. Dunn left at 9 a.m. He was tired.')]
['"Why now?" she asked.', 'Gov. Dunn left at 9 a.m.', 'He was tired.']
"""

from __future__ import annotations

import bisect
import ctypes
import functools
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from importlib.metadata import version

LANGUAGE = "en"
RULES_VERSION = "2"  # bump when a rule changes the sentences it gives


@dataclass(frozen=True)
class Segment:
    index: int
    paragraph: int
    start: int
    end: int
    text: str

    def as_dict(self) -> dict:
        return asdict(self)


# What each rule does; tests/test_segment.py (RULE_TEXTS) holds a text that needs each one.
RULES = {
    "word-end": "add an end after 'word.' before a capital when the word is not an abbreviation (blingfire misses some)",
    "place-end": "add an end after 'City, Tex.' or 'Washington, D.C.' before a capital (mid-sentence, AP style adds a comma)",
    "web-end": "add an end after a web address or e-mail followed by '. Capital' (blingfire misses some)",
    "numbered-list": "a line that opens with a list marker (1. 1) 1.) a. • ⁃) is cut before each next marker",
    "lowercase": "no end before a word in lower case ('\"Why now?\" she asked.')",
    "attribution": "no end between a closing quote and '<Name> said.'",
    "title": "no end after a title (Mr., Dr., Gov., St. ...)",
    "marker-only": "no end after a piece that is only a list marker ('1.')",
    "spaced-ellipsis": "no end after ' . . .' (three spaced dots); after 'word. . . .' the end is after 'word.'",
    "punctuation-only": "a piece with no letter or digit joins its neighbour ('Hello. !?' is one sentence)",
}


def segmenter_info() -> dict:
    """What produced the sentence boundaries; stored with every segmentation and in release.json."""
    return {
        "name": "claimcorpus",
        "rules": RULES_VERSION,
        "base": {"name": "blingfire", "version": version("blingfire")},
        "language": LANGUAGE,
        "paragraphs": "each non-blank line; sentences never cross a line break",
        "trim": "str.strip() whitespace removed from both ends",
    }


class _Blingfire:
    """blingfire's C sentence splitter with buffers kept between calls.

    blingfire's own wrapper allocates new buffers and maps byte offsets to code points in a Python
    loop over every byte; this calls the same C function and maps only the sentence ends.
    """

    def __init__(self) -> None:
        import blingfire

        self.fn = blingfire.blingfire.TextToSentencesWithOffsets
        self.size = 0

    def _grow(self, n: int) -> None:
        self.size = max(2 * n + 16, 4096)
        self.out = ctypes.create_string_buffer(self.size)
        self.starts = (ctypes.c_int32 * self.size)()
        self.ends = (ctypes.c_int32 * self.size)()

    def ends_of(self, text: str) -> set[int]:
        """Code-point offsets where blingfire ends a sentence of ``text``, in windows of ``WINDOW`` code points.

        blingfire needs buffers of ~20 bytes per input byte (its own, plus 18 for ours), 1 GB for a 50 MB line.
        A long text is read in windows, each with ``CONTEXT`` code points of text on both sides that it reads
        but takes no end from: blingfire decides an end from a few words around it (it never ends a sentence
        for length alone), so every end is the one it finds in the whole text. tests/test_segment.py checks
        this with windows of a few hundred code points over every test text and the seed.
        """
        n = len(text)
        if n <= WINDOW + 2 * CONTEXT:
            return self._ends_once(text)
        found: set[int] = set()
        for pos in range(0, n, WINDOW):
            lo, hi = max(0, pos - CONTEXT), min(n, pos + WINDOW + CONTEXT)
            last = pos + WINDOW if hi < n else n
            found.update(lo + e for e in self._ends_once(text[lo:hi]) if pos < lo + e <= last)
        return found

    def _ends_once(self, text: str) -> set[int]:
        """Code-point offsets where blingfire ends a sentence of ``text``, in one call."""
        data = text.encode("utf-8", "surrogatepass")
        n = len(data)
        if self.size < 2 * n + 16:
            self._grow(n)
        got = self.fn(data, n, self.out, self.starts, self.ends, self.size)
        if got < 0 or got > self.size:
            return set()
        count = self.out.raw[:got].count(b"\n") + 1
        byte_ends = sorted({min(n, e + 1) for e in self.ends[:count]})
        if n == len(text):
            return set(byte_ends)
        marks = data.translate(_CONTINUATION)  # 1 where a byte continues a character
        found, b_prev, c_prev = set(), 0, 0
        for b in byte_ends:
            while b < n and marks[b]:  # never inside a character
                b += 1
            c_prev += b - b_prev - marks.count(1, b_prev, b)
            b_prev = b
            found.add(c_prev)
        return found


WINDOW = 1 << 20  # code points per blingfire call (see _Blingfire.ends_of)
CONTEXT = 1 << 13  # code points read on each side of a window, ends not taken from them
_CONTINUATION = bytes(1 if 0x80 <= i < 0xC0 else 0 for i in range(256))


@functools.cache
def _blingfire() -> _Blingfire:
    return _Blingfire()


# Titles: never the last word of a sentence ("in Boston. Mr. Hale": blingfire ends one after "Mr.").
TITLES = frozenset("""
mr mrs ms messrs mme mlle dr prof sen sens rep reps gov gen lt col capt cmdr adm maj sgt cpl pvt brig
rev fr msgr hon pres supt det insp amb atty sec treas rt st mt ft
""".split())
# US state abbreviations (AP style) that follow a city: "Austin, Tex."
STATES = frozenset("""
ala ariz ark calif colo conn del fla ga ill ind kan kans ky la md mass mich minn miss mo mont neb nev
okla ore pa penn tenn tex va vt wash wis wyo
""".split())
# Abbreviations after which the rules add no end before a capital; blingfire decides there ("Co. It").
ABBREVIATIONS = TITLES | STATES | frozenset("""
jr sr esq co corp inc ltd plc bros assn dept univ inst intl
jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
ave blvd rd hwy ste apt bldg
vs approx al cf ca fig figs no nos vol vols pp ed eds ch op cit ibid viz sq est
""".split())
# Words that start sentences and are not names: '"Why?" He said' is two sentences, '"Why?" Reyes asked.' one.
STARTERS = frozenset("""
A An The This That These Those It Its He She They We I You His Her Their Our My Your There Here
But And Yet So Or Nor However Still Then Now Meanwhile Instead Also Although Though While When Where Why
How What Who Which If In On At By For From After Before As Since Until Some Many Most Several Few Both
Each Every No Not Only
""".split())

_OPEN = "\"'“‘(["
_CLOSE = "\"'”’)]»"
# A period, with any closing quotes or brackets, before a capital: where the adding rules look.
_PERIOD_CAPITAL = re.compile(r"\.[" + re.escape(_CLOSE) + r"]*(?=[^\S\n]+[" + re.escape(_OPEN) + r"]*[A-Z])")
# AP style sets a state (or D.C.) after a city off with commas mid-sentence ("in Austin, Tex., on Monday"),
# so "City, Tex." or "Washington, D.C." followed by a capital ends a sentence.
_CITY = re.compile(r"[A-Z][a-z]+,$")
_MARKER = re.compile(r"\s*(?:(?P<bullet>[•⁃])\s*)?(?:(?P<label>\d{1,3}|[a-z])(?P<punct>\.\)|\.|\)))?(?=\s)")
_MARKER_ONLY = re.compile(r"[•⁃]?\s*(?:\d{1,3}|[A-Za-z])(?:\.\)|\.|\))")
_LOWER_NEXT = re.compile(r"[" + re.escape(_OPEN) + r"]*[a-z]")
_QUOTE_END = re.compile(r"[?!][\"'”’]$")
_ATTRIBUTION = re.compile(r"(?:[A-Z][\w'’.-]*\s+){1,3}(?:said|says|asked|asks|wrote|writes|added|adds|replied|told|"
                          r"tweeted|posted|shouted|insisted|explained|recalled|continued|argued|noted|declared|"
                          r"admitted|warned|cried|yelled|whispered|joked)\b")
_SPACED_ELLIPSIS = re.compile(r"(?:^|[^.])\s\.\s\.\s\.$")
_FOUR_DOTS_AFTER_WORD = re.compile(r"\w\.(?:\s\.){3}$")
_TITLE_END = re.compile(r"(?<![\w.])([A-Za-z]{2,5})\.$")
_ALNUM = re.compile(r"[^\W_]")


def _list_ends(line: str) -> tuple[set[int], set[int]] | None:
    """For a line opening with a list marker: (ends before each next marker, ends just after a marker)."""
    first = _MARKER.match(line)
    if not first or not (first.group("bullet") or first.group("label")):
        return None
    bullet, label, punct = first.group("bullet"), first.group("label"), first.group("punct")
    if bullet and not label:
        nexts = [m.start() for m in re.finditer(r"\s" + re.escape(bullet), line)]
    else:
        nexts, want = [], label
        pattern = (re.escape(bullet) + r"\s*" if bullet else "") + r"(\d{1,3}|[a-z])" + re.escape(punct) + r"\s"
        for m in re.finditer(r"\s" + pattern, line):
            succ = str(int(want) + 1) if want.isdigit() else chr(ord(want) + 1)
            if m.group(1) == succ:
                nexts.append(m.start())
                want = succ
    if not nexts:
        return None
    marker_ends = {first.end()} | {_MARKER.match(line, p).end() for p in nexts}
    return {len(line[:p].rstrip()) for p in nexts}, marker_ends


def _added_ends(text: str) -> Iterator[int]:
    """Ends the adding rules put after a period (and its closing quotes) that precedes a capital."""
    for m in _PERIOD_CAPITAL.finditer(text):
        p = m.start()
        window = text[max(0, p - 200):p].rsplit(None, 2)
        token = window[-1] if window and not text[p - 1].isspace() else ""
        if "://" in token or "@" in token or token.startswith("www."):
            if token[-1].isalnum() or token[-1] == "/":
                yield m.end()  # web-end
            continue
        word = token.lstrip(_OPEN)
        if len(word) >= 2 and word.isascii() and word.isalpha() and word.lower() not in ABBREVIATIONS:
            yield m.end()  # word-end
        elif (word == "D.C" or word.lower() in STATES and word.istitle()) and len(window) > 1 \
                and _CITY.search(window[-2]):
            yield m.end()  # place-end


def _candidates(text: str) -> list[int]:
    """Where blingfire and the adding rules end sentences in the whole text (one C call, one regex pass)."""
    ends = _blingfire().ends_of(text)
    ends.update(_added_ends(text))
    return sorted(ends)


def _line_ends(line: str, ends: list[int]) -> list[int]:
    """Where the sentences of ``line`` end, from the candidate ``ends`` in it; the line's own end excluded."""
    stop, lead = len(line.rstrip()), len(line) - len(line.lstrip())
    forced, markers = set(), set()
    if _MARKER.match(line):
        forced, markers = _list_ends(line) or (forced, markers)  # numbered-list
        ends = [e for e in ends if e not in markers] + sorted(forced)
    if not ends:
        return []
    cuts = sorted({e for e in ends if lead < e < stop})
    return _prune(line, cuts, stop, forced)


def _prune(line: str, cuts: list[int], stop: int, forced: set[int]) -> list[int]:
    """The ends the removal rules keep (one is moved), each judged by the text on both sides of it."""
    kept: list[int] = []
    for i, e in enumerate(cuts):
        if e in forced:
            kept.append(e)
            continue
        begin = kept[-1] if kept else 0
        tail = line[max(begin, e - 16):e].rstrip()
        last = tail[-1:]
        nxt = cuts[i + 1] if i + 1 < len(cuts) else stop
        after = line[e:min(nxt, e + 64)].lstrip()
        if (_LOWER_NEXT.match(after)  # lowercase
                or (last in _CLOSE and _QUOTE_END.search(tail) and _ATTRIBUTION.match(after)
                    and after.split(None, 1)[0] not in STARTERS)  # attribution
                or (last == "." and (t := _TITLE_END.search(tail)) and t.group(1).lower() in TITLES)  # title
                or (tail.endswith(". .") and _SPACED_ELLIPSIS.search(tail))  # spaced-ellipsis
                or not (_ALNUM.search(line, e, nxt) and _ALNUM.search(line, begin, e))  # punctuation-only
                or e - begin < 8 and _MARKER_ONLY.fullmatch(line[begin:e].strip())):  # marker-only
            continue
        if tail.endswith(". .") and _FOUR_DOTS_AFTER_WORD.search(tail):  # spaced-ellipsis: "compounds. . . . The"
            e = len(line[:e].rstrip(" .")) + 1
        kept.append(e)
    return kept


def segment(text: str) -> list[Segment]:
    """Split canonical ``text`` into sentences with code-point offsets."""
    return list(iter_segments(text))


def iter_segments(text: str) -> Iterator[Segment]:
    """The sentences of ``segment(text)``, one at a time (ingest writes them out as they come: memory)."""
    candidates = _candidates(text)
    count = 0
    start, paragraph, k, n = 0, 0, 0, len(text)
    while start <= n:
        stop = text.find("\n", start)
        stop = n if stop < 0 else stop
        k = bisect.bisect_right(candidates, start, k)
        j = bisect.bisect_left(candidates, stop, k)
        line = text[start:stop]
        if line and not line.isspace():
            begin = 0
            for cut in [*_line_ends(line, [c - start for c in candidates[k:j]]), len(line)]:
                piece = line[begin:cut]
                sentence = piece.strip()
                if sentence:
                    s = start + begin + piece.find(sentence)
                    yield Segment(count, paragraph, s, s + len(sentence), sentence)
                    count += 1
                begin = cut
            paragraph += 1
        k, start = j, stop + 1
