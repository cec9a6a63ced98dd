"""Sentence segmentation: hand-written expectations on texts we wrote, offset invariants by hypothesis,
and the seed document's 15 sentences checked by reading it."""

from __future__ import annotations

import json

import pytest
from conftest import SEED, TEXTS, run_cli
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from claimcorpus.segment import segment, segmenter_info
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


def test_text_pysbd_drops_still_belongs_to_a_sentence() -> None:
    # pySBD 0.3.4 returns only "Hello. " for this line and loses "!?"
    doc = "Hello. !?"
    check_invariants(doc, segment(doc))
    assert "".join(s.text for s in segment(doc)).replace(" ", "") == "Hello.!?"


def test_information_separators_do_not_crash() -> None:
    # Python counts \x1c as whitespace but int() does not; pySBD's list detection crashed on it.
    doc = "Item\x1c3. Then more."
    check_invariants(doc, segment(doc))


def test_segmenter_info_names_the_tool() -> None:
    info = segmenter_info()
    assert info["name"] == "pysbd" and info["version"] == "0.3.4" and info["clean"] is False


ALPHABET = st.sampled_from(list("ab Z.!?;,\"'()-3\t\n\r\ufeff\u00a0\u2028\x85\x1c\u2026\u201c\u201d\u20ac")
                           + ["U.S.", "Dr.", "a.m.", "3.5", "...", "\r\n", "\U0001F600", "\U0001F3DF\ufe0f", "\U00010348"])


@given(st.one_of(st.text(max_size=80), st.lists(ALPHABET, max_size=40).map("".join)))
@example("\x1c!?")
@example("Hello. !?")
@example("\ufeff\r\n \r")
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
    assert "segmenter" in proc.stderr and "pysbd" in proc.stderr
