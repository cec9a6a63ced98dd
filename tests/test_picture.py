"""The card's picture: corpus/images/example.html rendered in headless Debian Chromium (Playwright)
shows every annotation of its gold sentence, each label on the token where its span starts."""

from __future__ import annotations

import json
import re
import struct

import pytest
from conftest import ROOT

from claimcorpus import picture

CORPUS = ROOT / "corpus"
GOLD = ROOT / "annotations" / "gold" / "000_418805c56f629208.jsonl"

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(picture.chromium()).is_file(),
                                reason="Chromium is not installed: run `make browser`")


def drawn_sentence() -> dict:
    card = (CORPUS / "README.md").read_text(encoding="utf-8")
    sid = re.search(r"Gold sentence `([^`]+)` drawn with spaCy's displaCy", card).group(1)
    return next(r for r in map(json.loads, GOLD.read_text(encoding="utf-8").splitlines()) if r["id"] == sid)


def expected(rec: dict) -> list[tuple[str, str]]:
    """(label, first token) of every annotation, read off the record with str.split-free slicing:
    the first token is the text from the span start up to the next space or punctuation mark."""
    labels = [(f"ENT {e['label']}", e["start"]) for e in rec["entities"]]
    labels += [(f"CUE {h['type']}", h["start"]) for h in rec["hedges"]]
    labels += [(f"SCOPE {h['type']}", h["scope_start"]) for h in rec["hedges"]]
    labels += [(f"CLAIM {c['type']}{'*' if c['checkworthy'] else ''}", c["start"]) for c in rec["claims"]]
    first = lambda i: re.match(r"\w+|[^\w\s]", rec["text"][i:]).group(0)  # noqa: E731
    return sorted((lab, first(i)) for lab, i in labels)


def test_rendered_page_shows_every_annotation(tmp_path):
    from playwright.sync_api import sync_playwright

    rec = drawn_sentence()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=picture.chromium())
        page = browser.new_page()
        page.goto((CORPUS / picture.HTML).as_uri())
        # each label box sits inside the inline-block of the token where its span starts
        found = page.eval_on_selector_all(
            ".spans > span span[style*='z-index: 10']",
            "els => els.map(e => [e.textContent.trim(), "
            "e.closest('.spans > span').firstChild.textContent.trim()])")
        words = page.eval_on_selector(".spans", "el => el.innerText")
        page.screenshot(path=str(tmp_path / "again.png"), full_page=True)
        browser.close()
    assert sorted(map(tuple, found)) == expected(rec)
    for token in re.findall(r"\w+", rec["text"]):
        assert token in words


def test_png_is_a_picture_of_the_page():
    data = (CORPUS / picture.PNG).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1000 and height >= 200
    assert "images/example.png" in (CORPUS / "README.md").read_text(encoding="utf-8")


def test_png_records_the_html_it_shows():
    import hashlib

    html_sha = hashlib.sha256((CORPUS / picture.HTML).read_bytes()).hexdigest()
    assert picture.source_of((CORPUS / picture.PNG).read_bytes()) == html_sha


def test_a_png_is_kept_only_while_its_html_is_unchanged(tmp_path):
    """The release's PNG depends on the machine's fonts; a build keeps the previous PNG for the same HTML
    (byte-reproducible across machines) and draws a new one when the HTML changed."""
    import hashlib

    rec = drawn_sentence()
    page_sha = hashlib.sha256(picture.html(rec).encode("utf-8")).hexdigest()
    ihdr = b"\x89PNG\r\n\x1a\n" + picture._chunk(b"IHDR", struct.pack(">II", 3, 2) + bytes(5))
    fake = ihdr + picture._chunk(b"IEND", b"")
    prev = tmp_path / "prev"
    (prev / "images").mkdir(parents=True)
    (prev / picture.PNG).write_bytes(picture.with_source(fake, page_sha))
    assert picture.write([rec], tmp_path / "same", previous=prev) == rec["id"]
    assert (tmp_path / "same" / picture.PNG).read_bytes() == (prev / picture.PNG).read_bytes()

    (prev / picture.PNG).write_bytes(picture.with_source(fake, "0" * 64))  # drawn from another HTML
    picture.write([rec], tmp_path / "new", previous=prev)
    drawn = (tmp_path / "new" / picture.PNG).read_bytes()
    assert struct.unpack(">I", drawn[16:20])[0] == 1000  # a real 1000 px screenshot, not the 3 px stand-in
    assert picture.source_of(drawn) == page_sha
