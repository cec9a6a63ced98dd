"""claimcorpus: an annotated news corpus (entities, claims, hedging) and the toolkit that builds it.

>>> import claimcorpus
>>> ds = claimcorpus.load("sentences")                           # doctest: +SKIP
>>> ds["test"][0]["entities"][0]                                 # doctest: +SKIP
{'start': 52, 'end': 63, 'text': 'North Korean', 'label': 1}
"""

from __future__ import annotations

__version__ = "0.1.0"


def load(config: str = "sentences", root=None, **kwargs):
    """`datasets.load_dataset` over the built release in corpus/ (offline, no loading script)."""
    from datasets import load_dataset

    from claimcorpus.layout import Repo, find_root

    repo = Repo(find_root() if root is None else root)
    return load_dataset(str(repo.corpus), config, **kwargs)
