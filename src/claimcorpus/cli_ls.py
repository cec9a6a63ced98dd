"""`claimcorpus ls ...`: Label Studio config, task export/import and live push/pull (see labelstudio/)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from claimcorpus.cli_options import RootOpt
from claimcorpus.errors import LabelStudioError
from claimcorpus.layout import open_repo

ls_app = typer.Typer(help="Label Studio: generated config, task export/import, push/pull to a live server.",
                     no_args_is_help=True)

DocOpt = Annotated[Optional[list[str]], typer.Option("--doc", help="Document id (repeatable; default: all).")]
PredOpt = Annotated[Optional[list[str]], typer.Option("--prediction", help="Layer sent as pre-annotations "
                                                      "(predictions, model_version = layer id); repeatable.")]
ReviewOpt = Annotated[Optional[str], typer.Option("--review", help="Layer sent as an annotation, for review "
                                                  "(e.g. gold).")]
OffsetsOpt = Annotated[str, typer.Option("--offsets", help="How Label Studio counts offsets: codepoint (Label Studio "
                                         "1.23's editor) or utf16 (JavaScript string indices).")]


ForceOpt = Annotated[bool, typer.Option("--force", help="Replace the --out file if it exists.")]


def _unit(offsets: str):
    from claimcorpus.labelstudio.offsets import UNITS

    if offsets not in UNITS:
        raise LabelStudioError("--offsets", f"unknown unit {offsets!r}", f"use one of {', '.join(UNITS)}")
    return offsets


def _dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


CheckOpt = Annotated[bool, typer.Option("--check", help="Exit 1 if the file differs instead of writing.")]


@ls_app.command("config")
def config_cmd(check: CheckOpt = False, root: RootOpt = None) -> None:
    """Write schema/labelstudio.xml, the labeling config generated from the label sets in schema/."""
    from claimcorpus.generate import regenerate
    from claimcorpus.labelstudio.config import PATH

    stale = regenerate(open_repo(root), write=not check, only=(PATH,), command="ls config")
    if check and stale:
        raise LabelStudioError(PATH, "differs from the label sets in schema/", "run `claimcorpus ls config` and commit")
    typer.echo(f"{'wrote' if stale else 'up to date'}: {PATH}")


@ls_app.command("export")
def export_cmd(doc: DocOpt = None, prediction: PredOpt = None, review: ReviewOpt = None,
               out: Annotated[str, typer.Option("--out", help="Tasks file to write inside the repository, not in its "
                                                 "data folders ('-' = stdout).")] = "-",
               force: ForceOpt = False, offsets: OffsetsOpt = "codepoint", root: RootOpt = None) -> None:
    """Write Label Studio tasks (JSON, one per sentence) for the chosen documents."""
    from claimcorpus.labelstudio.tasks import export_tasks
    from claimcorpus.txn import write_export

    repo = open_repo(root)
    tasks = export_tasks(repo, doc, predictions=prediction or [], review=review, unit=_unit(offsets))
    if out == "-":
        sys.stdout.write(_dump(tasks))
    else:
        write_export(repo.root, Path(out), _dump(tasks), replace=force, command="ls export")
        typer.echo(f"wrote {len(tasks)} tasks to {out}", err=True)


@ls_app.command("import")
def import_cmd(
    export: Path,
    annotator: Annotated[Optional[list[str]], typer.Option("--annotator", help="Layer name: NAME when the export has "
                         "one annotator, else KEY=NAME for each (KEY = Label Studio user id).")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing layer files.")] = False,
    predictions: Annotated[bool, typer.Option("--predictions", help="Import the predictions (by model_version) "
                           "instead of the annotations.")] = False,
    guidelines_version: Annotated[Optional[str], typer.Option(help="Version of annotations/GUIDELINES.md "
                                                                   "used.")] = None,
    offsets: OffsetsOpt = "codepoint", root: RootOpt = None,
) -> None:
    """Turn a Label Studio JSON export into annotator layers: one per annotator, cancelled ones skipped."""
    from claimcorpus.labelstudio.importer import import_export, read_export

    report = import_export(open_repo(root), read_export(export), annotator or [], unit=_unit(offsets),
                           overwrite=overwrite, predictions=predictions, name=export.name,
                           guidelines_version=guidelines_version)
    for line in report.lines():
        typer.echo(line)
    for path in report.files:
        typer.echo(f"wrote {path}")


@ls_app.command("push")
def push_cmd(doc: DocOpt = None, prediction: PredOpt = None, review: ReviewOpt = None,
             title: Annotated[Optional[str], typer.Option(help="Title of the new project.")] = None,
             project: Annotated[Optional[int], typer.Option("--project", help="Add to this project instead "
                                "(sentences already there are skipped).")] = None,
             offsets: OffsetsOpt = "codepoint", root: RootOpt = None) -> None:
    """Send tasks to Label Studio (LABEL_STUDIO_URL, LABEL_STUDIO_API_KEY), in a new project unless --project."""
    from claimcorpus.labelstudio.client import Server, shown
    from claimcorpus.labelstudio.tasks import export_tasks

    tasks = export_tasks(open_repo(root), doc, predictions=prediction or [], review=review, unit=_unit(offsets))
    server = Server()
    pid, sent = server.push(tasks, title=title, project_id=project)
    typer.echo(f"pushed {sent} of {len(tasks)} tasks to project {pid}: {shown(server.url)}/projects/{pid}")


@ls_app.command("pull")
def pull_cmd(project: Annotated[int, typer.Option("--project", help="Project id (the number in its URL).")],
             out: Annotated[Path, typer.Option("--out", help="Where to write the JSON export (inside the repository, "
                                               "not in its data folders).")],
             force: ForceOpt = False, root: RootOpt = None) -> None:
    """Download a project's JSON export (every task and annotation) and print the import command."""
    from claimcorpus.labelstudio.client import Server, suggested_names
    from claimcorpus.labelstudio.importer import annotator_key
    from claimcorpus.txn import export_target, write_export

    repo = open_repo(root)
    export_target(repo.root, out, replace=force)  # refused before any network traffic
    server = Server()
    tasks = server.pull(project)
    write_export(repo.root, out, _dump(tasks), replace=force, command="ls pull")
    anns = [a for t in tasks for a in t.get("annotations") or []]
    done = [a for a in anns if not a.get("was_cancelled")]
    keys = sorted({annotator_key(a) for a in done})
    typer.echo(f"wrote {out}: {len(tasks)} tasks, {len(done)} annotations, {len(anns) - len(done)} cancelled")
    if keys:
        users = server.users()
        names = suggested_names(keys, users)
        for k in keys:
            typer.echo(f"annotator {k}: {users.get(k, '?')}")
        opts = " ".join(f"--annotator {k}={names[k]}" for k in keys)
        root_opt = f" --root {root}" if root else ""
        typer.echo(f"next: claimcorpus ls import {out} {opts}{root_opt} && claimcorpus validate{root_opt}")


@ls_app.command("serve")
def serve_cmd(doc: DocOpt = None, prediction: PredOpt = None,
              title: Annotated[str, typer.Option(help="Project to create, or to add the sentences to.")] = "claimcorpus",
              data_dir: Annotated[Optional[Path], typer.Option("--data-dir", help="Label Studio's data (SQLite, "
                                  "media, login); outside the repository.")] = None,
              port: Annotated[Optional[int], typer.Option(help="Port on 127.0.0.1 (default: a free one).")] = None,
              ls_python: Annotated[Optional[Path], typer.Option("--ls-python", help="Python of the Label Studio "
                                   "virtualenv (default: $CLAIMCORPUS_LS_PYTHON, else .venv-ls/bin/python).")] = None,
              wait: Annotated[float, typer.Option("--wait", min=1, help="Seconds to wait for Label Studio to "
                                  "answer /health (a loaded machine needs more).")] = 240.0,
              root: RootOpt = None) -> None:
    """Start a local Label Studio with a user and a project holding the chosen sentences; Ctrl-C stops it."""
    import signal
    import time

    from claimcorpus.labelstudio import serve
    from claimcorpus.labelstudio import server as srv
    from claimcorpus.labelstudio.client import Server
    from claimcorpus.labelstudio.tasks import export_tasks

    repo = open_repo(root)
    python = serve.ls_python(repo, ls_python)
    where = serve.data_dir_outside(repo, data_dir or serve.default_data_dir())
    tasks = export_tasks(repo, doc, predictions=prediction or [])  # refuses unknown documents/layers first
    who = serve.login(where)
    typer.echo(f"starting Label Studio from {python} (data: {where}) ...", err=True)
    try:
        live = srv.start(python, where, username=who["username"], password=who["password"], token=who["token"],
                         port=port, timeout=wait)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0].rstrip(":")
        raise LabelStudioError(str(where / "server.log"), first, f"on a loaded machine give it longer (--wait "
                          f"{int(wait * 2)}); else read the log, and delete the data dir to start afresh"
                          if "did not answer" in first else "read the log; delete the data dir to start afresh") from None
    # Ctrl-C and `kill` both stop the server. SIGINT is set explicitly: a process started from a shell's background
    # job (`cmd &` in a script, a CI step, a pytest-xdist worker) inherits SIGINT ignored, and Python then never
    # raises KeyboardInterrupt, so `ls serve` would run on after Ctrl-C or `kill -INT`.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        client = Server(live.url, live.token)
        pid = serve.project_for(client, title)
        pid, sent = client.push(tasks, title=title, project_id=pid)
        typer.echo(f"Label Studio is running at {live.url}/projects/{pid} ({sent} new tasks, {len(tasks)} chosen)")
        typer.echo(f"log in as {who['username']} with password {who['password']}")
        typer.echo(f"for `claimcorpus ls pull`: export LABEL_STUDIO_URL={live.url} "
                   f"LABEL_STUDIO_API_KEY=$(python3 -c 'import json;print(json.load(open(\"{where / serve.LOGIN}\"))"
                   "[\"token\"])')")
        typer.echo("press Ctrl-C to stop it")
        while live.process.poll() is None:
            time.sleep(1)
        raise LabelStudioError(str(where / "server.log"), f"Label Studio stopped by itself (exit {live.process.returncode})",
                          "read the log and start again")
    except KeyboardInterrupt:
        typer.echo("stopping Label Studio", err=True)
    finally:
        srv.stop(live.process)
