"""The one runner: levels 1-3 (in ``jobs`` processes, optionally one shard), then level 4 on an engine.

``validate``, ``build`` and ``resegment`` call it; the CLI only parses options.

Level 4 forks worker processes. Levels 1-3 run in a child process that exits before, so what they held
(the canonical texts of every document, the heap they fragment) never reaches the gate's workers (at 1M
sentences it did: summed RSS counted those pages three times); meanwhile this process imports Great
Expectations and builds the gate's checkpoints.
"""

from __future__ import annotations

import ctypes
import gc
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from claimcorpus.errors import CorpusError, OptionError
from claimcorpus.forking import ready_for_sigint, sigint_held
from claimcorpus.layout import GOLD, Repo
from claimcorpus.validation.finding import Finding
from claimcorpus.validation.parallel import FastValidator

ENGINES = ("pandas", "spark")


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """'I/N' as (I, N) with 0 <= I < N; None for no shard.

    >>> parse_shard("1/4"), parse_shard(None)
    ((1, 4), None)
    >>> parse_shard("4/4")
    Traceback (most recent call last):
    claimcorpus.errors.OptionError: --shard '4/4': not I/N with 0 <= I < N. Fix: e.g. --shard 0/4
    """
    if not text:
        return None
    i, _, n = text.partition("/")
    if not (i.isdigit() and n.isdigit() and int(i) < int(n)):
        raise OptionError(f"--shard {text!r}", "not I/N with 0 <= I < N", "e.g. --shard 0/4")
    return int(i), int(n)


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise OptionError(f"--engine {engine!r}", "unknown engine", "use --engine pandas or --engine spark")
    return engine


@dataclass
class Report:
    """What a run found, and what it read."""

    findings: list[Finding]
    n_documents: int
    n_layers: int
    n_records: int

    @property
    def summary(self) -> str:
        return f"{self.n_documents} documents, {self.n_layers} layers, {self.n_records} records"


def levels_1_3(repo: Repo, jobs: int | None = None, shard: tuple[int, int] | None = None, meanwhile=None) -> Report:
    """Levels 1-3 over the repository, documents in ``jobs`` processes (the reference walk's findings).

    They run in a child process, so what they held (every document's text, the heap it fragments) is given
    back when it exits: level 4's workers, forked from this process next, would otherwise each count it
    (at 1M sentences 450 MB, three times over). ``meanwhile()`` runs here while they do (level 4's set-up)."""
    import multiprocessing

    if multiprocessing.current_process().daemon:  # a pool worker may not fork a child of its own
        report = _levels_1_3(repo, jobs, shard)
        if meanwhile:
            meanwhile()
        return report
    ctx = multiprocessing.get_context("fork")
    here, there = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_levels_1_3_child, args=(there, repo, jobs, shard), name="claimcorpus-levels-1-3")
    with sigint_held():  # a Ctrl-C now waits for the child's try (and for ours)
        child.start()
    there.close()
    try:
        if meanwhile:
            try:
                meanwhile()
            except BaseException:
                child.terminate()
                child.join()
                raise
        kind, value = here.recv()
    except EOFError:  # it died before it could answer (killed, out of memory)
        child.join()
        if child.exitcode == -signal.SIGINT:
            raise KeyboardInterrupt from None
        raise CorpusError(str(repo.root), f"levels 1-3 stopped (exit status {child.exitcode})",
                          "run `claimcorpus validate` again; if it stops again, run it with --jobs 1") from None
    child.join()
    if kind == "interrupted":
        raise KeyboardInterrupt
    if kind == "error":
        raise value
    return value


def _levels_1_3(repo: Repo, jobs: int | None, shard: tuple[int, int] | None) -> Report:
    v = FastValidator(repo, jobs=jobs, shard=shard)
    findings = v.run()
    return Report(findings, len(v.texts), len(repo.layers()), v.n_records)


def _levels_1_3_child(conn, repo: Repo, jobs: int | None, shard: tuple[int, int] | None) -> None:
    try:
        ready_for_sigint()
        conn.send(("report", _levels_1_3(repo, jobs, shard)))
    except KeyboardInterrupt:  # Ctrl-C: the parent says so, once
        conn.send(("interrupted", None))
    except Exception as exc:  # a CorpusError (or a bug) is raised again in the parent
        try:
            conn.send(("error", exc))
        except Exception:  # an exception that does not pickle: its name and message
            conn.send(("error", RuntimeError(f"levels 1-3: {type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def run(repo: Repo, *, jobs: int | None = 2, shard: tuple[int, int] | None = None, gate: bool = True,
        engine: str = "pandas") -> Report:
    """Every level, cheapest first: level 4 only when levels 1-3 found nothing, on the whole corpus, with a gold layer."""
    check_engine(engine)
    report = levels_1_3(repo, jobs, shard, meanwhile=_gate_setup if gate and not shard and engine == "pandas" else None)
    if gate and not report.findings and not shard and GOLD in repo.layers():
        report.findings = level4(repo, engine, jobs)
    return report


def _gate_setup() -> None:
    """Import Great Expectations and build the gate's checkpoints (cached) while levels 1-3 run in their child."""
    from claimcorpus.validation.level4 import batch, suite

    batch._checkpoints(tuple(suite.CORPUS_BOUNDS.items()))


def level4(repo: Repo, engine: str = "pandas", jobs: int | None = None) -> list[Finding]:
    """The Great Expectations gate over the release tables the annotations make now."""
    if check_engine(engine) == "spark":
        from claimcorpus.validation.level4.spark import run_repo

        return run_repo(repo).findings
    from claimcorpus.validation.level4.batch import run_repo

    return run_repo(repo, jobs).findings


def gate(corpus: Path) -> list[Finding]:
    """The gate as the build calls it: over the release just written to ``corpus``, batch by batch."""
    from claimcorpus.validation.level4.batch import run_release

    return run_release(corpus).findings


def release_memory() -> None:
    """Collect garbage and give the freed heap back to the system (glibc and Arrow's pool), before processes are
    forked or the next batch is read."""
    gc.collect()
    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to hand back
        pass
