"""User-facing failures: one line naming the file, the record and the fix, and a stable code.

The CLI prints ``error: {err}`` and exits 1; it never shows a traceback for these. The code is not
printed (the line stays ``<file>[:line]: <problem>. Fix: ...``, as scripts and tests read it); it is
``err.code``, and docs/checks.md lists every code (generated from ``ERRORS`` and validation/codes.py).
A file that cannot be read or parsed carries the validation code of level 1 (E101-E104, E108), so
`validate` reports it under the same code the command's error has.
"""

from __future__ import annotations


class CorpusError(Exception):
    """A problem with the user's input that they can fix.

    >>> err = CorpusError("seeds/a.txt", "file is empty", "add text or remove it", code="E104")
    >>> str(err), err.code
    ('seeds/a.txt: file is empty. Fix: add text or remove it', 'E104')
    >>> RepositoryError("x", "outside the repository", "run it inside").code
    'C200'
    """

    code = "C100"
    name = "input"
    what = "the input of a command is not what it needs (a file, a record, an id)"

    def __init__(self, where: str, problem: str, fix: str, code: str | None = None) -> None:
        self.where, self.problem, self.fix = str(where), problem, fix
        self.code = code or type(self).code
        super().__init__(f"{self.where}: {problem}. Fix: {fix}")

    def __reduce__(self):  # raised in a worker process, it arrives whole in the parent
        return type(self), (self.where, self.problem, self.fix, self.code)


class OptionError(CorpusError):
    code, name, what = "C101", "option", "a command-line option or argument has a value the command cannot use"


class RepositoryError(CorpusError):
    code, name, what = "C200", "repository", ("the repository refuses the write: outside the root, not a claimcorpus "
                                              "repository, a file that would be replaced, an interrupted write (txn.py)")


class IngestError(CorpusError):
    code, name, what = "C300", "ingest", "a document or the split assignment cannot be ingested (documents.py, splits.py)"


class LayerError(CorpusError):
    code, name, what = "C400", "layer", "a layer cannot be made, read, moved or compared (layers.py, resegment.py, diff.py)"


class LabelStudioError(CorpusError):
    code, name, what = "C500", "label-studio", "a Label Studio export, config, project or server is not usable (labelstudio/)"


class ReleaseError(CorpusError):
    code, name, what = "C600", "release", "the release cannot be built, checked or published (build.py, release.py, standoff.py)"


class EvaluationError(CorpusError):
    code, name, what = "C700", "evaluation", ("agreement, adjudication, scoring or a baseline cannot run on these layers "
                                              "(agreement.py, adjudication.py, score.py, baselines.py)")


ERRORS: dict[str, type[CorpusError]] = {c.code: c for c in (CorpusError, OptionError, RepositoryError, IngestError,
                                                             LayerError, LabelStudioError, ReleaseError, EvaluationError)}


def table_markdown() -> str:
    """The command-error codes as a Markdown table (docs/checks.md)."""
    from claimcorpus.markdown import table

    return table(["code", "name", "what it means"], [[c.code, f"`{c.name}`", c.what] for c in ERRORS.values()])
