"""Forked workers that Ctrl-C cannot catch half-born.

Ctrl-C sends SIGINT to the whole process group. A child forked a moment before gets it while
Python is still setting it up (``threading._after_fork``, multiprocessing's bootstrap), before any
``try`` or pool initializer of ours runs, and prints an "Exception ignored ... KeyboardInterrupt"
traceback. So SIGINT is *blocked* while forking (``sigint_held``): the child starts with it blocked
and pending, and unblocks it only where it is ready (``ready_for_sigint``, ``ignore_sigint``).

>>> with sigint_held():
...     held = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
>>> held, signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
(True, False)
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections.abc import Iterator
from typing import Any

_SIGINT = {signal.SIGINT}


@contextlib.contextmanager
def sigint_held() -> Iterator[None]:
    """SIGINT blocked in this thread (and so in what it forks, and in the threads it starts) until the end;
    a Ctrl-C that came meanwhile is delivered then."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGINT)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def ready_for_sigint() -> None:
    """In a child forked under ``sigint_held``: take Ctrl-C from here on (a pending one raises KeyboardInterrupt now)."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGINT)


def ignore_sigint() -> None:
    """A pool worker's initializer: Ctrl-C reaches the process that runs the pool, which stops its workers
    (each would otherwise print its own KeyboardInterrupt traceback, and a pool can wait for them forever).
    Ignored before unblocked, so a Ctrl-C pending since the fork is dropped."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ready_for_sigint()


def pool(jobs: int) -> Any:
    """A fork ``multiprocessing.Pool`` of ``jobs`` workers that ignore Ctrl-C from their first instruction."""
    with sigint_held():
        return multiprocessing.get_context("fork").Pool(jobs, initializer=ignore_sigint)
