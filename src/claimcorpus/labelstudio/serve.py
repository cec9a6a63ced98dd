"""`claimcorpus ls serve`: a local Label Studio with the user, the project and the tasks ready.

The server runs from its own virtualenv (``--ls-python``, else CLAIMCORPUS_LS_PYTHON, else the
repository's ``.venv-ls/bin/python``) on 127.0.0.1, with SQLite and every folder in a data dir
outside the repository (default ``$XDG_DATA_HOME/claimcorpus/labelstudio``). The login made on
the first start is kept in ``<data dir>/login.json`` (mode 0600) and reused, because Label Studio
sets a user's password and token only when it creates the user::

    {"username": "annotator@localhost.localdomain", "password": "<random>", "token": "<random>"}
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from claimcorpus.errors import LabelStudioError
from claimcorpus.layout import Repo

ENV_PYTHON = "CLAIMCORPUS_LS_PYTHON"
USERNAME = "annotator@localhost.localdomain"
LOGIN = "login.json"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "claimcorpus" / "labelstudio"


def ls_python(repo: Repo, given: Path | None) -> Path:
    """The Label Studio virtualenv's python: the option, the environment, or the repository's .venv-ls."""
    python = given or (Path(os.environ[ENV_PYTHON]) if os.environ.get(ENV_PYTHON) else repo.root / ".venv-ls" / "bin"
                       / "python")
    if not python.is_file():
        raise LabelStudioError(str(python), "no Label Studio python here", f"run `make ls-install`, or pass --ls-python / "
                          f"set {ENV_PYTHON} to the python of a virtualenv with Label Studio 1.23")
    return python


def data_dir_outside(repo: Repo, data_dir: Path) -> Path:
    """The data dir, resolved; refused inside the repository (its SQLite and media are no corpus files)."""
    path = data_dir.expanduser().resolve()
    if path == repo.root or repo.root in path.parents:
        raise LabelStudioError(str(data_dir), "is inside the repository", "pass a --data-dir outside it (the default is "
                          f"{default_data_dir()})")
    if path.exists() and not path.is_dir():
        raise LabelStudioError(str(data_dir), "exists and is not a folder", "pass a --data-dir that is a folder or new")
    return path


def login(data_dir: Path) -> dict[str, str]:
    """The data dir's login, made (random password and token) on first use."""
    path = data_dir / LOGIN
    if path.is_file():
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
            if all(isinstance(found.get(k), str) for k in ("username", "password", "token")):
                return found
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            pass
        raise LabelStudioError(str(path), "is not a login written by `claimcorpus ls serve`",
                          "delete the data dir (its Label Studio data goes too) or pass another --data-dir")
    data_dir.mkdir(parents=True, exist_ok=True)
    made = {"username": USERNAME, "password": secrets.token_urlsafe(12), "token": secrets.token_hex(20)}
    tmp = path.with_name(f".{LOGIN}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(made, out)
    os.replace(tmp, path)
    return made


def project_for(server, title: str) -> int | None:
    """The id of the project called ``title`` on the server, if there is one."""
    from claimcorpus.labelstudio.client import calling

    with calling(server.url, "listing projects"):
        found = [p.id for p in server.ls.projects.list() if p.title == title]
    return min(found) if found else None
