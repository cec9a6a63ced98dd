"""The one tokenizer: spaCy's blank English pipeline (its tokenizer only), made once per process.

The release's `tokens` config, agreement's token overlap, the scorer, the baselines and the card's
picture all split text with it, so a token is the same thing everywhere.

>>> offsets("Kyiv said it may act.")
[(0, 4), (5, 9), (10, 12), (13, 16), (17, 20), (20, 21)]
"""

from __future__ import annotations

import functools


@functools.cache
def nlp():
    """``spacy.blank("en")``, built on first use."""
    import spacy

    return spacy.blank("en")


def description() -> str:
    """The tokenizer in one line (agreement and score reports)."""
    import spacy

    return f'spacy.blank("en") tokenizer, spaCy {spacy.__version__}'


def release_info() -> dict:
    """The tokenizer of the `tokens` config, as release.json and the card record it."""
    import spacy

    return {"name": "spacy.blank('en').tokenizer", "spacy_version": spacy.__version__,
            "tags": "IOB2 from spacy.training.offsets_to_biluo_tags + biluo_to_iob",
            "misaligned_edges": "entity edges inside a token are widened to the whole token "
                                "(Doc.char_span alignment_mode='expand'); the tag goes to the token holding the span start"}


def offsets(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token of ``text``, in code points."""
    return [(t.idx, t.idx + len(t.text)) for t in nlp().make_doc(text)]
