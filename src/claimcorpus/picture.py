"""One annotated sentence drawn with spaCy's displaCy, as corpus/images/example.html and .png.

The sentence is the shortest gold sentence (fewest tokens, then lowest position) that has an
entity, a hedge cue and a claim. Every annotation becomes a span of one span group, labelled
with its layer (``ENT GPE``, ``CUE epistemic``, ``SCOPE epistemic``, ``CLAIM factual``; a
check-worthy claim ends in ``*``), so entities, cues, scopes and claims are drawn together with
their overlaps. Span edges inside a token widen to the token (``alignment_mode="expand"``).
The PNG is a screenshot of the HTML in headless Chromium (Playwright driving the Debian
``/usr/bin/chromium``; set CLAIMCORPUS_CHROMIUM to use another binary). Its pixels depend on the
machine's fonts and Chromium build, not only on the HTML, so the PNG carries the sha256 of the HTML it
shows (a ``tEXt`` chunk) and a build keeps the previous release's PNG while that HTML is unchanged:
the release stays byte-reproducible across machines, and a changed sentence is drawn again.
"""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from pathlib import Path

from claimcorpus.errors import CorpusError

KEY = "sc"
HTML, PNG = "images/example.html", "images/example.png"
SOURCE_KEY = b"claimcorpus:html-sha256"  # the tEXt keyword naming the HTML a PNG shows
COLORS = {"ENT": "#9ad0f5", "CUE": "#ffb3b3", "SCOPE": "#ffe0a3", "CLAIM": "#b9e6b0"}


def chromium() -> str:
    return os.environ.get("CLAIMCORPUS_CHROMIUM", "/usr/bin/chromium")


def labelled_spans(rec: dict) -> list[tuple[int, int, str]]:
    """(start, end, label) character spans of a gold record, every layer in one list."""
    out = [(e["start"], e["end"], f"ENT {e['label']}") for e in rec["entities"]]
    out += [(h["start"], h["end"], f"CUE {h['type']}") for h in rec["hedges"]]
    out += [(h["scope_start"], h["scope_end"], f"SCOPE {h['type']}") for h in rec["hedges"]]
    out += [(c["start"], c["end"], f"CLAIM {c['type']}{'*' if c['checkworthy'] else ''}") for c in rec["claims"]]
    return sorted(out)


def choose(records: list[dict]) -> dict | None:
    from claimcorpus.agreement import token_offsets

    full = [r for r in records if r["entities"] and r["hedges"] and r["claims"]]
    return min(full, key=lambda r: (len(token_offsets(r["text"])), r["doc_id"], r["index"])) if full else None


def doc_of(rec: dict):
    """A spaCy Doc of the sentence with every annotation in the span group ``sc``."""
    import spacy

    doc = spacy.blank("en")(rec["text"])
    doc.spans[KEY] = [doc.char_span(s, e, label=lab, alignment_mode="expand") for s, e, lab in labelled_spans(rec)]
    return doc


def html(rec: dict) -> str:
    from spacy import displacy

    colors = {lab: COLORS[lab.split()[0]] for _, _, lab in labelled_spans(rec)}
    page = displacy.render(doc_of(rec), style="span", page=True, minify=False,
                           options={"spans_key": KEY, "colors": colors})
    caption = (f"<p style=\"font-size: 13px; color: #555\">claimcorpus gold, sentence <code>{rec['id']}</code>: "
               "ENT entity label, CUE hedge cue, SCOPE its scope, CLAIM claim type (* check-worthy).</p>")
    return page.replace("<title>displaCy</title>", "<title>claimcorpus: an annotated sentence</title>").replace(
        "<figure", caption + "\n<figure", 1)


def screenshot(page_html: str, out: Path) -> None:
    """A PNG of the page in headless Chromium, 1000 px wide, full height."""
    from playwright.sync_api import Error, sync_playwright

    if not Path(chromium()).is_file():
        raise CorpusError(chromium(), "Chromium is not installed", "run `make browser` (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "page.html"
        src.write_text(page_html, encoding="utf-8")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium(), args=["--font-render-hinting=none"])
                page = browser.new_page(viewport={"width": 1000, "height": 200}, device_scale_factor=1)
                page.goto(src.as_uri())
                page.screenshot(path=str(Path(tmp) / "shot.png"), full_page=True)
                browser.close()
        except Error as err:
            raise CorpusError(chromium(), f"Chromium failed ({str(err).splitlines()[0]})",
                              "check the browser with `chromium --headless --version`") from None
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes((Path(tmp) / "shot.png").read_bytes())


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def with_source(png: bytes, digest: str) -> bytes:
    """``png`` with a tEXt chunk ``claimcorpus:html-sha256 = digest`` right after its IHDR chunk.

    >>> with_source(bytes(8) + _chunk(b"IHDR", bytes(13)), "ab")[37:41]
    b'tEXt'
    """
    ihdr_end = 8 + 12 + struct.unpack(">I", png[8:12])[0]
    return png[:ihdr_end] + _chunk(b"tEXt", SOURCE_KEY + b"\0" + digest.encode("ascii")) + png[ihdr_end:]


def source_of(png: bytes) -> str | None:
    """The HTML sha256 recorded by ``with_source``, or None (not a PNG, or drawn before it was recorded)."""
    pos = 8
    while png[:8] == b"\x89PNG\r\n\x1a\n" and pos + 8 <= len(png):
        length, kind = struct.unpack(">I", png[pos:pos + 4])[0], png[pos + 4:pos + 8]
        data = png[pos + 8:pos + 8 + length]
        if kind == b"tEXt" and data.startswith(SOURCE_KEY + b"\0"):
            return data[len(SOURCE_KEY) + 1:].decode("ascii", "replace")
        if kind == b"IDAT":
            return None
        pos += 12 + length
    return None


def write(records: list[dict], out: Path, previous: Path | None = None) -> str | None:
    """Write images/example.html and .png under ``out``; return the sentence id drawn (None if none fits).

    ``previous`` is the last release's folder: its PNG is kept when it shows the same HTML.
    """
    from claimcorpus.textio import sha256, write_bytes, write_text

    rec = choose(records)
    if rec is None:
        return None
    page = html(rec)
    write_text(out / HTML, page)
    digest = sha256(page.encode("utf-8"))
    old = previous / PNG if previous is not None else None
    if old is not None and old.is_file() and source_of(old.read_bytes()) == digest:
        write_bytes(out / PNG, old.read_bytes())
    else:
        screenshot(page, out / PNG)
        write_bytes(out / PNG, with_source((out / PNG).read_bytes(), digest))
    return rec["id"]
