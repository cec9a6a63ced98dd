"""A real Label Studio server for the tests, and the test corpora the Label Studio tests share.

``ls_server`` (session fixture) starts one Label Studio from the virtualenv named by
CLAIMCORPUS_LS_PYTHON (``make test`` sets it to .venv-ls/bin/python) on 127.0.0.1,
with SQLite and every config/cache folder inside a pytest temp dir, and stops its whole
process group at the end. Without CLAIMCORPUS_LS_PYTHON the live tests are skipped,
saying why; with it, a server that does not come up is an error, never a skip.

Import what you need: ``from ls_server import ls_server, LiveServer, own_repo, ...``.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from claimcorpus.documents import ingest
from claimcorpus.labelstudio.server import LiveServer, free_port, start, stop  # noqa: F401 (re-exported)
from claimcorpus.scaffold import init
from claimcorpus.txn import MARKER
from claimcorpus.layers import init_layer, read_segments, with_flags, write_layer
from claimcorpus.layout import Repo

ENV_PYTHON = "CLAIMCORPUS_LS_PYTHON"
ROOT = Path(__file__).resolve().parents[1]
SEED_DOC = "000_418805c56f629208"

# -- the live server -----------------------------------------------------------------


def start_server(python: str, data_dir: Path) -> LiveServer:
    """Start Label Studio (claimcorpus.labelstudio.server) with a fresh user and token."""
    return start(python, data_dir, username="annotator@example.com", password=secrets.token_urlsafe(12),
                 token=secrets.token_hex(20))


@pytest.fixture(scope="session")
def ls_server(request, tmp_path_factory) -> LiveServer:
    """One live Label Studio for the whole session; skipped (saying why) only without CLAIMCORPUS_LS_PYTHON."""
    python = os.environ.get(ENV_PYTHON)
    if not python:
        pytest.skip(f"{ENV_PYTHON} is not set: run `make test` (it builds .venv-ls and sets it), or "
                    f"`make ls-install` and export {ENV_PYTHON}=$PWD/.venv-ls/bin/python")
    if not Path(python).is_file():
        pytest.fail(f"{ENV_PYTHON}={python} does not exist; run `make ls-install`")
    server = start_server(python, tmp_path_factory.mktemp("labelstudio"))
    note = f"\nLabel Studio up at {server.url} after {server.startup_seconds:.1f} s (fresh data dir)"
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print(note, file=sys.stderr)
    yield server
    stop(server.process)


def run_main(*args: str | Path) -> SimpleNamespace:
    """``claimcorpus ARGS`` through cli.main() in this process (no start-up cost): returncode, stdout, stderr."""
    from claimcorpus.cli import main

    out, err, argv = io.StringIO(), io.StringIO(), sys.argv
    sys.argv = ["claimcorpus", *map(str, args)]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = argv
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


# -- test corpora ----------------------------------------------------------------------

# Invented texts (not the seed): emoji and other astral characters, curly and straight
# quotes, CRLF line ends, a ZWJ sequence, a BOM-free Windows file.
OWN_TEXTS = {
    "emoji.txt": "Officials in Kyiv 🇺🇦 said the 🚀 launch “may be delayed” by about two weeks.\r\n"
                 "The mayor 👩‍💼 of Lviv reportedly claimed that 300 families could return home.\r\n",
    "quotes.txt": "\"We will probably win,\" said Maria Lopez of the 𝐁𝐥𝐮𝐞 Party on Monday.\r\n"
                  "Analysts at Acme Corp. suggest the deal is worth roughly $2 billion 💰.\r\n",
}


def make_own_repo(root: Path) -> Repo:
    """A repository holding OWN_TEXTS, ingested for real (CRLF is canonicalised to LF)."""
    repo = Repo(root)
    incoming = root.parent / f"{root.name}-incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    init(root)
    for name, text in OWN_TEXTS.items():
        (incoming / name).write_bytes(text.encode("utf-8"))
        ingest(repo, incoming / name)
    return repo


def at(sentence: str, piece: str, nth: int = 0) -> tuple[int, int]:
    """Code-point (start, end) of the nth occurrence of ``piece`` in ``sentence``; fails loudly if absent."""
    start = -1
    for _ in range(nth + 1):
        start = sentence.find(piece, start + 1)
        if start < 0:
            raise AssertionError(f"{piece!r} (occurrence {nth}) is not in {sentence!r}")
    assert sentence[start:start + len(piece)] == piece
    return start, start + len(piece)


def ent(s: str, piece: str, label: str) -> dict:
    a, b = at(s, piece)
    return {"start": a, "end": b, "text": piece, "label": label}


def hedge(s: str, cue: str, typ: str, scope: str) -> dict:
    a, b = at(s, cue)
    sa, sb = at(s, scope)
    return {"start": a, "end": b, "text": cue, "type": typ, "scope_start": sa, "scope_end": sb}


def claim(s: str, piece: str, typ: str, checkworthy: bool, source: str | None = None) -> dict:
    a, b = at(s, piece)
    src = {"type": "author"}
    if source:
        sa, sb = at(s, source)
        src = {"type": "mention", "start": sa, "end": sb, "text": source}
    return {"start": a, "end": b, "text": piece, "type": typ, "checkworthy": checkworthy, "source": src}


# Hand-written annotations of OWN_TEXTS: sentence text -> (entities, hedges, claims).
S_KYIV = "Officials in Kyiv 🇺🇦 said the 🚀 launch “may be delayed” by about two weeks."
S_LVIV = "The mayor 👩‍💼 of Lviv reportedly claimed that 300 families could return home."
S_WIN = "\"We will probably win,\" said Maria Lopez of the 𝐁𝐥𝐮𝐞 Party on Monday."
S_ACME = "Analysts at Acme Corp. suggest the deal is worth roughly $2 billion 💰."
HAND = {
    S_KYIV: ([ent(S_KYIV, "Kyiv", "GPE"), ent(S_KYIV, "about two weeks", "DATE")],
             [hedge(S_KYIV, "may", "modal", "may be delayed"),
              hedge(S_KYIV, "about", "approximator", "about two weeks")],
             [claim(S_KYIV, "the 🚀 launch “may be delayed” by about two weeks", "predictive", True,
                    "Officials in Kyiv")]),
    S_LVIV: ([ent(S_LVIV, "Lviv", "GPE"), ent(S_LVIV, "300", "CARDINAL")],
             [hedge(S_LVIV, "reportedly", "evidential", "reportedly claimed that 300 families could return home"),
              hedge(S_LVIV, "could", "modal", "could return home")],
             [claim(S_LVIV, "300 families could return home", "predictive", False, "The mayor 👩‍💼 of Lviv")]),
    S_WIN: ([ent(S_WIN, "Maria Lopez", "PERSON"), ent(S_WIN, "𝐁𝐥𝐮𝐞 Party", "ORG"), ent(S_WIN, "Monday", "DATE")],
            [hedge(S_WIN, "probably", "epistemic", "We will probably win")],
            [claim(S_WIN, "We will probably win", "predictive", False, "Maria Lopez")]),
    S_ACME: ([ent(S_ACME, "Acme Corp.", "ORG"), ent(S_ACME, "roughly $2 billion", "MONEY")],
             [hedge(S_ACME, "suggest", "epistemic", "suggest the deal is worth roughly $2 billion"),
              hedge(S_ACME, "roughly", "approximator", "roughly $2 billion")],
             [claim(S_ACME, "the deal is worth roughly $2 billion", "factual", True, "Analysts at Acme Corp."),
              claim(S_ACME, "Analysts at Acme Corp. suggest the deal is worth roughly $2 billion", "factual", False)]),
}


def add_hand_layer(repo: Repo, layer: str = "hand") -> dict[str, list[dict]]:
    """Write the HAND annotations as an annotator layer over every document; returns doc_id -> records."""
    doc_ids = sorted(p.stem for p in repo.segments.glob("*.jsonl"))
    init_layer(repo, layer, "annotator", "test", guidelines_version=None, description="hand-written", doc_ids=doc_ids)
    out = {}
    for doc_id in doc_ids:
        records = []
        for seg in read_segments(repo, doc_id):
            ents, hedges, claims = HAND.get(seg["text"], ([], [], []))
            base = {k: seg[k] for k in ("id", "doc_id", "index", "start", "end", "text")}
            records.append(with_flags({**base, "entities": ents, "hedges": hedges, "claims": claims,
                                       "hedged": False, "checkworthy": False}))
        write_layer(repo, layer, doc_id, records, overwrite=True)
        out[doc_id] = records
    return out


def make_seed_repo(root: Path) -> Repo:
    """A copy of the checkout's seeds and annotations (the seed document with its gold and pass layers)."""
    import shutil

    for sub in ("seeds", "annotations"):
        shutil.copytree(ROOT / sub, root / sub)
    shutil.copy(ROOT / MARKER, root / MARKER)
    return Repo(root)
