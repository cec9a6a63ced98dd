"""Code points <-> UTF-16 code units at the Label Studio boundary, with emoji and other astral characters."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from claimcorpus.labelstudio.offsets import decode, encode, from_utf16, to_utf16, utf16_len

# Any Unicode scalar value, astral ones included; no lone surrogates (they cannot be in UTF-8 text).
TEXTS = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60)
ASTRAL = st.text(alphabet=st.sampled_from("a é€😀🇺🇦👩\u200d💼𝐁𝐥𝐮𝐞🚀\U0010FFFF"), min_size=1, max_size=30)


def js_index(text: str, offset: int) -> int:
    """What JavaScript's String.prototype.length gives for text[:offset]."""
    return len(text[:offset].encode("utf-16-le")) // 2


@given(st.one_of(TEXTS, ASTRAL), st.data())
def test_utf16_round_trip(text: str, data) -> None:
    i = data.draw(st.integers(0, len(text)))
    u = to_utf16(text, i)
    assert u == js_index(text, i)
    assert from_utf16(text, u) == i
    assert decode(text, encode(text, i, "utf16"), "utf16") == i
    assert decode(text, encode(text, i, "codepoint"), "codepoint") == i
    assert utf16_len(text) == js_index(text, len(text))


@given(st.one_of(TEXTS, ASTRAL).flatmap(lambda t: st.tuples(st.just(t), st.integers(0, len(t)))))
@example(("", 0))
@example(("\uffffab", 2))  # U+FFFF is the last one-unit character
@example(("\U00010000x", 1))  # U+10000 is the first two-unit one
@example(("\U0010ffff", 1))
@example(("a\ud7ff\ue000\U0001F600\U0001F1FA\U0001F1E6", 6))  # around the surrogate block, a flag
def test_utf16_offset_pinned_edges(case: tuple[str, int]) -> None:
    text, i = case
    assert to_utf16(text, i) == js_index(text, i)
    assert from_utf16(text, js_index(text, i)) == i
    assert utf16_len(text) == len(text.encode("utf-16-le")) // 2


def test_u_ffff_is_one_code_unit() -> None:
    assert to_utf16("\uffffab", 2) == 2 and utf16_len("\uffff") == 1 and from_utf16("\uffffab", 2) == 2
    assert to_utf16("\U00010000ab", 2) == 3 and utf16_len("\U00010000") == 2 and from_utf16("\U00010000ab", 3) == 2


@given(ASTRAL)
@example("\U00010000")
@example("a\U0010ffffb")
def test_inside_a_surrogate_pair_is_refused(text: str) -> None:
    for i, ch in enumerate(text):
        if ord(ch) > 0xFFFF:
            with pytest.raises(ValueError, match="surrogate"):
                from_utf16(text, to_utf16(text, i) + 1)


def test_known_values() -> None:
    text = "🐱 Warning: This is a test text"  # Label Studio's own emoji test case
    start, end = text.index("test"), text.index("test") + 4
    assert (start, end) == (21, 25)  # code points, as Label Studio 1.23 stores them
    assert (to_utf16(text, start), to_utf16(text, end)) == (22, 26)  # JavaScript indices
    assert from_utf16("👩\u200d💼x", 5) == 3  # ZWJ sequence: 3 code points, 5 UTF-16 units


@pytest.mark.parametrize("bad", [-1, 4])
def test_outside_the_text_is_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        decode("abc", bad, "codepoint")
    with pytest.raises(ValueError):
        decode("abc", bad, "utf16")
