"""The one write path: every change to a repository is a transaction, as git's ``index.lock``.

A repository is the folder holding the marker file ``.claimcorpus``. A writing command opens
``Transaction(root, "ingest")``; while it runs, ``.claimcorpus-txn/`` exists (the lock) and names
the command and its pid. Writes are staged inside that folder, never next to their targets::

    with Transaction(root, "layer init") as tx:
        tx.write("annotations/x/d1.jsonl", text)          # refused if it exists, unless replace=True
        tx.write("annotations/x/layer.json", meta)
    # on leaving the block: journal.json is written (the commit point), then every staged
    # file or folder is renamed over its target, then .claimcorpus-txn/ is removed.

A command killed before the journal exists is rolled back by the next command (the staging folder
is deleted: the repository is as before). Killed after, it is finished by the next command (every
rename still due is done: the repository is as after). Renames are idempotent, so a crash during
recovery is recovered the same way. ``validate`` reports a leftover as E107 without touching it.

Paths are resolved (symlinks included) and refused when they leave the root.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
from collections.abc import Iterable
from pathlib import Path

from claimcorpus.errors import RepositoryError

MARKER = ".claimcorpus"
TXN = ".claimcorpus-txn"
JOURNAL = "journal.json"
OWNER = "command.json"
MARKER_TEXT = '{"claimcorpus_repository": 1}\n'
# Folders that only their own commands write: an export or a pull never lands in them.
DATA_DIRS = ("seeds", "annotations", "schema", "corpus", ".git", TXN)
_active: set[Path] = set()  # roots with an open transaction in this process
INIT_HINT = "run `claimcorpus init DIR` to create a repository, or pass --root"


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the current folder) holding ``.claimcorpus``."""
    here = Path(start or Path.cwd()).resolve()
    for cand in (here, *here.parents):
        if (cand / MARKER).is_file():
            return cand
    raise RepositoryError(str(here), "not inside a claimcorpus repository (no .claimcorpus file here or above)", INIT_HINT)


def check_root(root: Path) -> Path:
    """``root`` resolved, if it is a repository (holds the marker)."""
    root = Path(root).resolve()
    if not (root / MARKER).is_file():
        raise RepositoryError(str(root), "not a claimcorpus repository (no .claimcorpus file)", INIT_HINT)
    return root


def inside(root: Path, path: Path | str, what: str = "path") -> Path:
    """``path`` (relative to ``root`` unless absolute) resolved; refused if it leaves ``root``."""
    p = Path(path)
    full = (p if p.is_absolute() else root / p).resolve()
    if not full.is_relative_to(root):
        raise RepositoryError(str(path), f"{what} is outside the repository {root}",
                          "give a path inside the repository (every write stays in it)")
    if full == root or full.relative_to(root).parts[0] == TXN:
        raise RepositoryError(str(path), f"{what} is not a file of the repository", "give a file path inside it")
    for parent in full.relative_to(root).parents:  # checked now, so that moving in at commit cannot fail on it
        if (root / parent).exists() and not (root / parent).is_dir():
            raise RepositoryError(str(path), f"{parent.as_posix()} is a file, not a folder", "give another path")
    return full


def _crash_point() -> None:
    """Test-only: ``CLAIMCORPUS_CRASH_AFTER=N`` kills the process (SIGKILL) after its Nth file operation."""
    left = os.environ.get("CLAIMCORPUS_CRASH_AFTER")
    if left is None:
        return
    n = int(left) - 1
    os.environ["CLAIMCORPUS_CRASH_AFTER"] = str(n)
    if n <= 0:
        os.kill(os.getpid(), signal.SIGKILL)


def _fsync_write(path: Path, data: bytes | Iterable[bytes]) -> None:
    with open(path, "xb") as fh:  # ordinary permissions (umask), unlike mkstemp's 0600
        if isinstance(data, bytes):
            fh.write(data)
        else:
            fh.writelines(data)  # streamed: a 50 MB segments file is never one string in memory
        fh.flush()
        os.fsync(fh.fileno())
    _crash_point()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def leftover(root: Path) -> dict | None:
    """What an interrupted command left: ``{"command", "pid", "committed"}``, or None."""
    txn = root / TXN
    if not txn.exists() and not txn.is_symlink():
        return None
    if txn.is_symlink() or not txn.is_dir():
        raise RepositoryError(TXN, "is not the folder claimcorpus stages its writes in (a file or a link is in its place)",
                          f"move it away: no claimcorpus command writes a {TXN} that is not a folder")
    try:
        owner = json.loads((txn / OWNER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        owner = {"command": "unknown", "pid": 0}
    return {**owner, "committed": (txn / JOURNAL).is_file()}


def _apply(root: Path, ops: list[list[str]]) -> None:
    """Move every staged entry over its target; idempotent (re-running after a crash finishes the job)."""
    txn = root / TXN
    for i, (op, rel) in enumerate(ops):
        target, staged, old = root / rel, txn / "stage" / str(i), txn / "old" / str(i)
        if op == "put" and staged.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_dir() and not target.is_symlink():
                target.rename(old)
                _crash_point()
            os.replace(staged, target)
            _crash_point()
        elif op == "remove" and (target.exists() or target.is_symlink()):
            target.rename(old)
            _crash_point()


def _clear(root: Path) -> None:
    txn = root / TXN
    if (txn / JOURNAL).is_file():  # the journal goes last: until then a crash still rolls forward
        for entry in txn.iterdir():
            if entry.name != JOURNAL:
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        (txn / JOURNAL).unlink()
        _crash_point()
    shutil.rmtree(txn)
    _crash_point()


def recover(root: Path) -> str | None:
    """Finish or roll back an interrupted command; returns what was done, or None if nothing was left."""
    left = leftover(root)
    if left is None:
        return None
    if not (root / TXN).is_dir() or (root / TXN).is_symlink():
        raise RepositoryError(TXN, "is not a staging folder claimcorpus wrote (a file or a link has its name)",
                          "move it out of the repository or delete it; claimcorpus stages its writes there")
    if left.get("pid") and left["pid"] != os.getpid() and _alive(left["pid"]):
        raise RepositoryError(TXN, f"`claimcorpus {left['command']}` (pid {left['pid']}) is writing to this repository",
                          "wait for it to finish, then run your command again")
    try:
        if left["committed"]:
            ops = json.loads((root / TXN / JOURNAL).read_text(encoding="utf-8"))["ops"]
            _apply(root, ops)
        _clear(root)
    except OSError as err:
        raise RepositoryError(TXN, f"cannot finish the interrupted `claimcorpus {left['command']}` ({err.strerror}: "
                          f"{err.filename})", "free space or fix the permission named, then run `claimcorpus recover`") from None
    verb = "finished" if left["committed"] else "rolled back"
    if left["command"] == "unknown" and not left["committed"]:
        note = f"removed {TXN}/, which named no interrupted command (nothing to roll back)"
        print(f"note: {note}", file=sys.stderr)
        return note
    note = f"{verb} the interrupted `claimcorpus {left['command']}`"
    print(f"note: {note}", file=sys.stderr)
    return note


class Transaction:
    """Stage writes inside the repository; move them all in at commit, or none of them."""

    def __init__(self, root: Path, command: str, *, new: bool = False) -> None:
        self.root = Path(root).resolve() if new else check_root(root)
        self.command = command
        self.ops: list[list[str]] = []
        self.notes: list[str] = []
        self._targets: set[str] = set()

    # -- lifecycle -----------------------------------------------------------
    def __enter__(self) -> Transaction:
        if self.root in _active:
            raise RepositoryError(TXN, f"`{self.command}` started inside another write of this process",
                              "report this as a bug in claimcorpus")
        note = recover(self.root)
        if note:
            self.notes.append(note)
        txn = self.root / TXN
        try:
            txn.mkdir()
        except FileExistsError:  # another command took the lock between recover() and here
            raise RepositoryError(TXN, "another claimcorpus command is writing to this repository",
                              "wait for it to finish, then run your command again") from None
        _active.add(self.root)
        _crash_point()
        _fsync_write(txn / OWNER, json.dumps({"command": self.command, "pid": os.getpid()}).encode())
        (txn / "stage").mkdir()
        (txn / "old").mkdir()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.commit()
        finally:
            self.rollback()  # a no-op once committed; a committed leftover is finished by the next command

    def rollback(self) -> None:
        """Drop everything staged unless the journal is written (also used by dry runs: ``build --check``)."""
        _active.discard(self.root)
        if (self.root / TXN).exists() and not (self.root / TXN / JOURNAL).exists():
            shutil.rmtree(self.root / TXN)

    def commit(self) -> None:
        txn = self.root / TXN
        if not txn.exists():
            return
        tmp = txn / (JOURNAL + ".tmp")
        _fsync_write(tmp, json.dumps({"command": self.command, "ops": self.ops}).encode())
        os.replace(tmp, txn / JOURNAL)  # the commit point
        _crash_point()
        _apply(self.root, self.ops)
        _clear(self.root)

    # -- paths ---------------------------------------------------------------
    def path(self, path: Path | str, what: str = "path") -> Path:
        return inside(self.root, path, what)

    def rel(self, path: Path | str) -> str:
        return self.path(path).relative_to(self.root).as_posix()

    def _stage(self, op: str, path: Path | str) -> tuple[str, Path]:
        rel = self.rel(path)
        if rel in self._targets:
            raise RepositoryError(rel, "written twice in one command", "report this as a bug in claimcorpus")
        self._targets.add(rel)
        self.ops.append([op, rel])
        return rel, self.root / TXN / "stage" / str(len(self.ops) - 1)

    def exists(self, path: Path | str) -> bool:
        return self.path(path).exists()

    # -- writes --------------------------------------------------------------
    def write(self, path: Path | str, data: bytes | str, *, replace: bool = False, flag: str = "--overwrite",
              mode: int | None = None) -> None:
        """Stage a whole file for ``path``; an existing file is replaced only with ``replace``."""
        staged = self._put(path, data.encode("utf-8") if isinstance(data, str) else data, replace, flag)
        if mode is not None:
            staged.chmod(mode)

    def write_lines(self, path: Path | str, lines: Iterable[str], *, replace: bool = False,
                    flag: str = "--overwrite") -> None:
        """``write`` for a file given line by line (each with its newline), written to the stage as they come."""
        self._put(path, (line.encode("utf-8") for line in lines), replace, flag)

    def _put(self, path: Path | str, data: bytes | Iterable[bytes], replace: bool, flag: str) -> Path:
        """The guard both writers share (a folder, or a file not to be replaced, is refused), then the staged file."""
        full = self.path(path)
        if full.is_dir():
            raise RepositoryError(self.rel(full), "is a folder", "give a file path")
        if full.exists() and not replace:
            raise RepositoryError(self.rel(full), "exists and would be replaced", f"pass {flag} to replace it, or choose another path")
        _, staged = self._stage("put", full)
        _fsync_write(staged, data)
        return staged

    def write_dir(self, path: Path | str) -> Path:
        """A staging folder to fill; at commit it replaces the folder ``path`` whole (used for corpus/)."""
        _, staged = self._stage("put", path)
        staged.mkdir()
        _crash_point()
        return staged

    def remove(self, path: Path | str) -> None:
        self._stage("remove", path)


SCRATCH = "build"  # git-ignored output: the gate's temporary parquet, the standoff staging, Data Docs, reports


def scratch(root: Path, name: str | None = None) -> Path:
    """``build/`` (or ``build/NAME``) of the repository, created if missing; refused if it leaves the repository.

    The one place written outside a transaction: nothing there is corpus data (it is git-ignored output that a
    command may delete and rebuild), so a crash leaves at worst a stale scratch folder. A ``build`` that is a
    symlink out of the repository is refused, so that no scratch write or removal lands elsewhere.
    Benchmarks and tests make their scratch repositories in the system's temporary folder, each a repository
    of its own (made by ``claimcorpus init`` or in bulk), deleted when they end.
    """
    full = inside(root, f"{SCRATCH}/{name}" if name else f"{SCRATCH}/.", "scratch folder")
    if full.exists() and (full.is_symlink() or not full.is_dir()):
        raise RepositoryError(full.relative_to(root).as_posix(), "is not a folder", "remove it; build/ is scratch output")
    full.mkdir(parents=True, exist_ok=True)
    return full


def export_target(root: Path, path: Path | str, *, replace: bool, option: str = "--out",
                  example: str = "build/export.json") -> Path:
    """Where an export, a pull or a worksheet may write: a file in the repository outside its data folders
    (seeds/, annotations/, ...). ``option`` names the command-line option in the messages."""
    full = inside(root, Path(path).absolute(), option)  # a user's relative path starts at the current folder
    top = full.relative_to(root).parts[0]
    if top in DATA_DIRS or full.name == MARKER:
        raise RepositoryError(str(path), f"{top}/ holds the corpus data; an export never writes there",
                          f"write it elsewhere, e.g. {option} {example}")
    if full.is_dir():
        raise RepositoryError(str(path), "is a folder", f"give a file path, e.g. {option} {example}")
    if full.exists() and not replace:
        raise RepositoryError(str(path), "exists", f"pass --force to replace it, or choose another {option}")
    return full


def write_export(root: Path, path: Path | str, text: str, *, replace: bool, command: str) -> Path:
    """Write an export or a pull (``export_target`` checks) in a transaction of its own."""
    with Transaction(root, command) as tx:
        full = export_target(tx.root, path, replace=replace)
        tx.write(full, text, replace=True)
    return full
