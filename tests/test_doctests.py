"""The examples in the library's docstrings run and pass (so they cannot drift from the code)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import claimcorpus

MODULES = sorted(m.name for m in pkgutil.walk_packages(claimcorpus.__path__, "claimcorpus.")
                 if m.name != "claimcorpus.__main__")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"


def test_the_examples_exist() -> None:
    # an empty run would pass silently: the registry, configs and schema carry examples
    attempted = sum(doctest.testmod(importlib.import_module(n)).attempted
                    for n in ("claimcorpus.kinds", "claimcorpus.configs", "claimcorpus.schema"))
    assert attempted >= 5
