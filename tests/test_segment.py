"""Sentence segmentation: hand-written expectations on texts we wrote, one example per rule (checked
against blingfire, which the rules correct), offset invariants by hypothesis, and the seed document's
15 sentences checked by reading it."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, SEED, TEXTS, run_cli
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from claimcorpus.segment import RULES, segment, segmenter_info
from claimcorpus.textio import read_document

# Each text in tests/texts/ with its sentences as a reader splits them: (paragraph, sentence text).
EXPECTED = {
    "abbreviations.txt": [
        (0, "Dr. Ada Brennan met U.S. trade officials at 9 a.m. on Jan. 12 in Boston."),
        (0, "Mr. Hale of Hale & Sons Inc. arrived two hours later."),
        (0, "The meeting ended at 4 p.m. sharp."),
        (1, "Ms. Okafor, a Ph.D. student, left at 10 a.m."),
        (1, "Her flight to the U.K. was delayed."),
    ],
    "numbers.txt": [
        (0, "Inflation rose to 3.5 percent in March."),
        (0, "The utility borrowed \u20ac4.2bn from investors, up from \u20ac3.9bn a year ago."),
        (0, "Shares fell 0.8% on Friday, to $12.75 each."),
    ],
    "quotes.txt": [
        (0, "\u201cWe will not back down,\u201d the mayor said."),
        (0, "She added: \u201cThe budget is final.\u201d"),
        (0, "Critics disagreed."),
        (0, '"It is a mistake," said one councillor.'),
        (0, '"We will appeal."'),
    ],
    "ellipses_emoji.txt": [
        (0, "The talks stalled..."),
        (0, "Then, late on Sunday, a deal emerged."),
        (0, "Officials were cautious\u2026 but hopeful."),
        (1, "Fans cheered \U0001F389 as the team won."),
        (1, "The coach smiled \U0001F600."),
        (1, "Next match is on Saturday \U0001F3DF\ufe0f!"),
    ],
    # headline without a period, a blank line, a sentence without a period, no final newline
    "paragraphs.txt": [
        (0, "Harbour strike enters third day"),
        (1, "Dock workers in Rotterdam walked out on Tuesday."),
        (1, "Talks resume Thursday"),
        (2, "A union spokesman said pay was the main issue"),
    ],
    # starts with a BOM, uses CRLF and a lone CR (a blank line after "It was full.")
    "crlf_bom.txt": [
        (0, "Ferry services resume"),
        (1, "The ferry to Oban sailed at 7 a.m. on Monday."),
        (1, "It was full."),
        (2, "A second boat follows on Wednesday."),
    ],
}


def check_invariants(doc: str, sentences) -> None:
    prev_end = 0
    for i, s in enumerate(sentences):
        assert s.index == i
        assert doc[s.start:s.end] == s.text
        assert s.text and s.text == s.text.strip()
        assert prev_end <= s.start < s.end
        assert "\n" not in s.text
        prev_end = s.end
    covered = {i for s in sentences for i in range(s.start, s.end)}
    assert all(ch.isspace() or i in covered for i, ch in enumerate(doc)), "a non-whitespace character is in no sentence"
    paragraphs = [s.paragraph for s in sentences]
    assert paragraphs == sorted(paragraphs)


def test_every_text_has_an_expectation() -> None:
    assert sorted(p.name for p in TEXTS.glob("*.txt")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sentences_by_hand(name: str) -> None:
    doc = read_document(TEXTS / name)
    got = segment(doc)
    assert [(s.paragraph, s.text) for s in got] == EXPECTED[name]
    check_invariants(doc, got)


def test_crlf_bom_file_really_has_bom_cr_and_crlf() -> None:
    raw = (TEXTS / "crlf_bom.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\r\r" in raw


def test_offsets_by_hand() -> None:
    doc = "Hi.  Dr. No left at 9 a.m. today.\n\n  It rained \U0001F327\ufe0f.  "
    got = [(s.paragraph, s.start, s.end, s.text) for s in segment(doc)]
    assert got == [
        (0, 0, 3, "Hi."),
        (0, 5, 33, "Dr. No left at 9 a.m. today."),
        (1, 37, 50, "It rained \U0001F327\ufe0f."),  # the emoji and its variation selector are 2 code points
    ]


def test_trailing_punctuation_stays_in_the_sentence() -> None:
    assert [(x.start, x.end, x.text) for x in segment("Hello. !?")] == [(0, 9, "Hello. !?")]


def test_repeated_sentences_get_their_own_offsets() -> None:
    assert [(x.start, x.end, x.text) for x in segment("Hi. Hi. Hi.")] == [(0, 3, "Hi."), (4, 7, "Hi."), (8, 11, "Hi.")]


def test_information_separators_do_not_crash() -> None:
    doc = "Item\x1c3. Then more."
    check_invariants(doc, segment(doc))


# tests/texts/news/: news-style texts we wrote, each with its sentences read by hand in <name>.gold
# (one sentence a line, a blank line between paragraphs). scripts/eval-segmenters scores every peer on them.
NEWS = sorted((TEXTS / "news").glob("*.txt"))


def read_gold(path) -> list[list[str]]:
    paragraphs = path.with_suffix(".gold").read_text(encoding="utf-8").split("\n\n")
    return [[s for s in p.splitlines() if s.strip()] for p in paragraphs if p.strip()]


@pytest.mark.parametrize("path", NEWS, ids=lambda p: p.stem)
def test_news_texts_by_hand(path) -> None:
    doc = read_document(path)
    gold = read_gold(path)
    assert [p.strip() for p in doc.split("\n") if p.strip()] == [" ".join(p) for p in gold]  # the gold file fits its text
    got = segment(doc)
    check_invariants(doc, got)
    assert [(s.paragraph, s.text) for s in got] == [(i, s) for i, p in enumerate(gold) for s in p]


@pytest.mark.parametrize("path", sorted((ROOT / "benchmarks" / "heldout").glob("*.txt")), ids=lambda p: p.stem)
def test_heldout_gold_fits_its_text(path) -> None:
    # held-out texts measure the segmenter (scripts/eval-segmenters); only their gold files are checked here
    doc = read_document(path)
    assert [p.strip() for p in doc.split("\n") if p.strip()] == [" ".join(p) for p in read_gold(path)]


def test_news_texts_cover_what_they_claim() -> None:
    raw = {p.stem: p.read_bytes() for p in NEWS}
    assert raw["wrongquotes_emoji"].startswith(b"\xef\xbb\xbf") and b"\r\n" in raw["wrongquotes_emoji"]
    text = b"".join(raw.values()).decode("utf-8")
    for needle in ["D.C. ", "U.S. ", "[...] ", "\u2018", "\u201c", "\u20ac", ". . .", "...", ": 1.", "\U0001F389"]:
        assert needle in text, needle


# Each rule with a text it is needed for: (text, our sentences). blingfire alone, the segmenter the rules
# correct, must cut each text differently, or the rule would explain nothing.
RULE_TEXTS = {
    "word-end": ("The bill would pass. Gov. Ray Dunn disagreed.", ["The bill would pass.", "Gov. Ray Dunn disagreed."]),
    "place-end": ("He moved to Austin, Tex. Friends followed him to Washington, D.C. Critics, U.S. President Joe Biden "
                  "among them, were not surprised.",
                  ["He moved to Austin, Tex.", "Friends followed him to Washington, D.C.",
                   "Critics, U.S. President Joe Biden among them, were not surprised."]),
    "web-end": ("The page is: https://news.example.org/a/b_c.html. Read it today.",
                ["The page is: https://news.example.org/a/b_c.html.", "Read it today."]),
    "numbered-list": ("1) Buy milk 2) Call the bank", ["1) Buy milk", "2) Call the bank"]),
    "lowercase": ('"Why now?" asked one islander.', ['"Why now?" asked one islander.']),
    "attribution": ("\u201cDid anyone object?\u201d Reyes asked. Nobody answered.",
                    ["\u201cDid anyone object?\u201d Reyes asked.", "Nobody answered."]),
    "title": ("It rained in Boston. Mr. Hale came late.", ["It rained in Boston.", "Mr. Hale came late."]),
    "marker-only": ("1. The sea wall was raised.", ["1. The sea wall was raised."]),
    "spaced-ellipsis": ("The thing is . . . I did not mean it. It was over. . . . The hall emptied.",
                        ["The thing is . . . I did not mean it.", "It was over.", ". . . The hall emptied."]),
    "punctuation-only": ("The talks ended. \u2014", ["The talks ended. \u2014"]),
}


# tests/texts/golden_like.jsonl: the phenomena of the "Golden Rules" for English (Pragmatic Segmenter, Kevin
# Dias, MIT; as published in pySBD's benchmarks/english_golden_rules.py, MIT), one case per rule, in our own
# words; the rule all segmenters fail ("At 5 a.m. Mr. Smith ... at 6 P.M. Mr. Smith ...") is left out.
GOLDEN_LIKE = [json.loads(line) for line in (TEXTS / "golden_like.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("case", GOLDEN_LIKE, ids=lambda c: c["text"][:30])
def test_golden_rule_phenomena_in_our_words(case: dict) -> None:
    assert [s.text for s in segment(case["text"])] == case["sentences"]


def test_every_rule_has_a_text() -> None:
    assert sorted(RULE_TEXTS) == sorted(RULES)


@pytest.mark.parametrize(("text", "want"), [
    # web-end for a bare www. host (no scheme): blingfire alone keeps these together
    ("Details are at www.example.com. Prices rose again.", ["Details are at www.example.com.", "Prices rose again."]),
    ("See www.gov.uk. Mr. Hale left early.", ["See www.gov.uk.", "Mr. Hale left early."]),
    ("Mail desk@example.org. Prices rose again.", ["Mail desk@example.org.", "Prices rose again."]),
])
def test_a_sentence_ends_after_a_web_address_without_a_scheme(text: str, want: list[str]) -> None:
    assert [s.text for s in segment(text)] == want


@pytest.mark.parametrize("rule", sorted(RULE_TEXTS))
def test_rule_by_its_text(rule: str) -> None:
    import blingfire

    text, want = RULE_TEXTS[rule]
    assert [s.text for s in segment(text)] == want
    assert blingfire.text_to_sentences(text).split("\n") != want


def test_segmenter_info_names_the_pinned_tools() -> None:
    info = segmenter_info()
    pinned = dict(line.split("==") for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line)
    assert info["name"] == "claimcorpus" and info["rules"]
    assert info["base"] == {"name": "blingfire", "version": pinned["blingfire"]} == {"name": "blingfire", "version": "0.1.8"}


ALPHABET = st.sampled_from(list("ab Z.!?;,\"'()-3\t\n\r\ufeff\u00a0\u2028\x85\x1c\u2026\u201c\u201d\u20ac")
                           + ["U.S.", "Dr.", "a.m.", "3.5", "...", "\r\n", "\U0001F600", "\U0001F3DF\ufe0f", "\U00010348"])


TRICKY = [
    "He met Gen. Smith and Mr. Jones. They talked. Then they left.",
    'She said "I will go. Now." Then she went. Fine.',
    "(See the appendix. It has details.) Then more text follows. The end.",
    "One 'quoted. Thing' here. Another sentence. And another one.",
    "Also see 1) first. 2) second. Then it ends. Really.",
    "  Leading spaces. Trailing ones.   \n\n\tTabbed line. Another.\r\nCRLF line. Ends.",
    "\u2022 Bullet one \u2022 Bullet two. \u2043 Dash. a. b. c.",
]


@given(st.one_of(st.text(max_size=80), st.lists(ALPHABET, max_size=40).map("".join)))
@example("\x1c!?")
@example("Hello. !?")
@example("\ufeff\r\n \r")
@example("\uffff")  # the last BMP code point: one code point, three UTF-8 bytes
@example("\uffffab. Cd. \U00010348. Ef.")  # astral characters: four UTF-8 bytes, one code point
@example("A\r\nB. C.\r\n")
@example('"')
@example("He said. \u201d")
@example("\u2018 Lone. ' Quote.")
@example("x\u2028y. Z.")  # blingfire breaks at U+2028
@example("\x00. A. \x00")
@example(TRICKY[5])
@example(TRICKY[6])
@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
def test_offset_invariants_hold_for_any_text(doc: str) -> None:
    check_invariants(doc, segment(doc))


# The seed, read by eye: (paragraph, first words, last words) of each sentence.
SEED_SENTENCES = [
    (0, "Reports have surfaced", "indicator for Moscow and Kyiv."),
    (0, "The North Korean presence is unexpected,", "outdated technology in modern conflicts."),
    (0, "North Korean troops continue", "proved insufficient in contemporary conflicts."),
    (0, "North Korea is a vastly inferior military power", "especially to that of the scale of Ukraine."),
    (0, "However, this indicates a deeper alignment", "utilize a North Korean force in its war."),
    (1, "North Korean leader Kim Jong Un", "held talks in Pyongyang earlier this year."),
    (1, "They established a historic and monumental", "isolation from Russia in the post-Soviet era."),
    (1, "This increase in Russo-North Korean diplomacy", "compared to pre-Ukrainian levels."),
    (1, "Putin is seeking any support", "to try to lessen his losses."),
    (1, "This is seen with Russia purchasing", "spelling disaster for the Russian war effort in Ukraine."),
    (1, "The presence of North Korean troops could", "harm domestic political stability and unity."),
    (2, "At this time, the North Korean foreign minister", "this could change at any moment."),
    (2, "Additionally, at this time, U.S. President Joe Biden", "despite this revelation."),
    (2, "Notably, Ukrainian President Volodymyr Zelenskiy", "politically, or militarily could open."),
    (2, "The world closely watches", "Ukraine, and the international community."),
]


def test_seed_sentences_by_reading() -> None:
    proc = run_cli("segment", SEED, "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 15
    assert [r["index"] for r in rows] == list(range(15))
    assert [sum(r["paragraph"] == p for r in rows) for p in range(3)] == [5, 6, 4]
    doc = SEED.read_bytes().decode("utf-8")  # the seed is plain UTF-8 with LF, so this is its canonical text
    assert "\r" not in doc and not doc.startswith("\ufeff")
    for row, (paragraph, first, last) in zip(rows, SEED_SENTENCES):
        assert set(row) == {"index", "paragraph", "start", "end", "text"}
        assert row["paragraph"] == paragraph
        assert row["text"].startswith(first), row["text"][:60]
        assert row["text"].endswith(last), row["text"][-60:]
        assert doc[row["start"]:row["end"]] == row["text"]
    # the boundaries cover the whole document: only the spaces and the two line breaks are outside
    outside = doc[:rows[0]["start"]] + "".join(doc[a["end"]:b["start"]] for a, b in zip(rows, rows[1:])) + doc[rows[-1]["end"]:]
    assert outside == " " * 4 + "\n" + " " * 5 + "\n" + " " * 3
    assert "segmenter" in proc.stderr and "blingfire" in proc.stderr


@pytest.mark.parametrize("doc", TRICKY)
def test_offset_invariants_on_tricky_texts(doc: str) -> None:
    check_invariants(doc, segment(doc))


def test_a_spaced_bullet_and_number_is_not_a_sentence_of_its_own() -> None:
    # numbered-list: each item, marker included, is one sentence; no cut right after "•   2." (counted by hand:
    # a marker "•   N." and two spaces are 8 characters; item 1 is 8 + 15 = 0:23, two spaces, item 2 8 + 16 = 25:49)
    text = "•   1.  Eggs and flour.  •   2.  Milk and butter."
    assert [(s.start, s.end, s.text) for s in segment(text)] == [
        (0, 23, "•   1.  Eggs and flour."), (25, 49, "•   2.  Milk and butter.")]
def _all_texts() -> list[str]:
    paths = sorted(TEXTS.glob("*.txt")) + sorted((TEXTS / "news").glob("*.txt")) + [SEED]
    out = [read_document(p) for p in paths]
    out += [json.loads(line)["text"] for line in (TEXTS / "golden_like.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return out


@pytest.mark.parametrize(("window", "context"), [(40, 60), (97, 200), (500, 120)])
def test_blingfire_read_in_windows_gives_the_ends_of_one_call(window: int, context: int, monkeypatch) -> None:
    """A long text is given to blingfire in windows (memory); with windows far smaller than in use, every end
    is still the one a single call over the whole text finds, on every test text, the seed, and all of them
    joined into one long line and into one text of many lines."""
    from claimcorpus import segment as seg

    texts = _all_texts()
    texts += [" ".join(t.replace("\n", " ") for t in texts), "\n".join(texts)]
    bling = seg._blingfire()
    monkeypatch.setattr(seg, "WINDOW", window)
    monkeypatch.setattr(seg, "CONTEXT", context)
    long = [t for t in texts if len(t) > window + 2 * context]
    assert len(long) >= 3  # the windows are really used
    for text in long:
        assert bling.ends_of(text) == bling._ends_once(text)


def test_iter_segments_is_segment() -> None:
    from claimcorpus.segment import iter_segments

    for text in _all_texts():
        assert list(iter_segments(text)) == segment(text)
