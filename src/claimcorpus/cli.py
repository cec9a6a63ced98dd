"""The `claimcorpus` command line. Each command is a thin wrapper over a library module."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from claimcorpus.cli_ls import ls_app
from claimcorpus.cli_options import RootOpt
from claimcorpus.errors import CorpusError
from claimcorpus.layout import open_repo

app = typer.Typer(help="Build, validate and release the claimcorpus annotated news corpus.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
layer_app = typer.Typer(help="Create annotation layers.", no_args_is_help=True)
app.add_typer(layer_app, name="layer")
app.add_typer(ls_app, name="ls")

def one_line(message: str) -> str:
    """An error message as one line: a newline or CR in a path or a value (a file named "a\\nb.txt") is shown escaped."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


def fail(message: str) -> None:
    typer.echo(f"error: {one_line(message)}", err=True)
    raise typer.Exit(1)


@app.command()
def init(folder: Annotated[Path, typer.Argument(help="Folder of the new repository (created if missing).")],
         force: Annotated[bool, typer.Option("--force", help="Create it in a folder that already holds other "
                                                              "files (init still never replaces one).")] = False) -> None:
    """Create a new, valid, empty corpus repository: schema, manifest, splits, guidelines skeleton, CI entry point."""
    from claimcorpus.scaffold import init as make

    made = make(folder, force=force)
    typer.echo(f"initialised {folder}: {len(made)} files; next: cd {folder} && claimcorpus ingest FILE")


@app.command()
def recover(root: RootOpt = None) -> None:
    """Finish (if committed) or roll back a command that was killed while writing (E107)."""
    from claimcorpus.txn import recover as finish

    repo = open_repo(root)
    typer.echo(finish(repo.root) or "nothing to recover")


@app.command()
def segment(
    path: Path,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or text")] = "jsonl",
) -> None:
    """Split a text file into sentences: one JSON object per sentence, offsets into the canonical text."""
    from claimcorpus.segment import iter_segments, segmenter_info
    from claimcorpus.textio import dumps, read_document

    if fmt not in ("jsonl", "text"):
        fail(f"--format {fmt!r}: unknown format. Fix: use --format jsonl or --format text")
    text = read_document(path)
    if fmt == "jsonl":
        typer.echo(f"# segmenter: {dumps(segmenter_info())}", err=True)
    sys.stdout.writelines(s.text + "\n" if fmt == "text" else dumps(s.as_dict()) + "\n" for s in iter_segments(text))


@app.command()
def ingest(
    path: Path,
    doc_id: Annotated[Optional[str], typer.Option("--id", help="Document id (default: file stem).")] = None,
    language: str = "en",
    title: Optional[str] = None,
    source: Annotated[Optional[str], typer.Option(help="Publisher or URL, if known.")] = None,
    date: Annotated[Optional[str], typer.Option(help="Publication date YYYY[-MM[-DD]], if known.")] = None,
    license: Annotated[Optional[str], typer.Option(help="SPDX licence id, if known.")] = None,
    split: Annotated[str, typer.Option(help="Split of the release the document goes to (train, validation, test).")] = "train",
    root: RootOpt = None,
) -> None:
    """Copy a raw document into seeds/ unchanged, add it to the manifest and store its sentence boundaries."""
    from claimcorpus.documents import ingest as do_ingest

    repo = open_repo(root)
    entry = do_ingest(repo, path, doc_id, language=language, title=title, source_name=source, date=date,
                      license=license, split=split)
    n = sum(1 for _ in open(repo.segments_file(entry["doc_id"]), encoding="utf-8"))
    typer.echo(f"ingested {entry['doc_id']}: {entry['n_chars']} characters, {n} sentences")


@app.command()
def resegment(
    root: RootOpt = None,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 if any boundary or segmenter.json would change.")] = False,
) -> None:
    """Segment every document again with the installed segmenter; move every layer's spans into the new sentences."""
    from claimcorpus import resegment as rs
    from claimcorpus.validation.runner import levels_1_3

    repo = open_repo(root)
    findings = levels_1_3(repo).findings
    if findings:
        fail(f"{findings[0].file}: the repository has {len(findings)} validation findings. "
             "Fix: run `claimcorpus validate` and correct them before resegmenting")
    p = rs.plan(repo)
    summary = (f"{len(p.segments)} documents, {len(p.changed)} with new boundaries, "
               f"{p.moved} spans moved, {len(p.cut)} spans cut")
    if check:
        if p.changed or p.cut:
            fail(f"{repo.rel(repo.segments)}: the sentence boundaries are not the installed segmenter's ({summary}). "
                 "Fix: run `claimcorpus resegment`")
        if not rs.up_to_date(repo, p):
            fail(f"{repo.rel(repo.segments / rs.SEGMENTER_FILE)}: records another segmenter than the installed one "
                 "(no boundary would move). Fix: run `claimcorpus resegment`")
        typer.echo(f"up to date: {summary}")
        return
    rs.apply(repo, p)
    typer.echo(f"resegmented: {summary}")


@app.command()
def validate(
    root: RootOpt = None,
    max_errors: Annotated[int, typer.Option(min=0, help="Print at most this many findings (all are counted).")] = 200,
    gx: Annotated[bool, typer.Option("--gx/--no-gx", help="Run level 4, the Great Expectations suite over the gold release tables.")] = True,
    jobs: Annotated[int, typer.Option(help="Worker processes for levels 1-3 (documents are checked in parallel).")] = 2,
    shard: Annotated[Optional[str], typer.Option(help="Check only shard I of N documents, as 'I/N' (one shard per machine).")] = None,
    engine: Annotated[str, typer.Option(help="Level 4 engine: pandas (batches in worker processes) or spark "
                                             "(master from $CLAIMCORPUS_SPARK_MASTER, default local[2]).")] = "pandas",
) -> None:
    """Check every file in the repository, cheapest level first; exit 1 on any finding."""
    from claimcorpus.validation import runner

    from claimcorpus.txn import scratch

    repo = open_repo(root)
    runner.check_engine(engine)
    if gx:
        scratch(repo.root)  # level 4 stages its tables under build/: refused if build/ leads out of the repository
    report = runner.run(repo, jobs=jobs, shard=runner.parse_shard(shard), gate=gx, engine=engine)
    findings, summary = report.findings, report.summary
    for f in findings[:max_errors]:
        typer.echo(str(f))
    if len(findings) > max_errors:
        typer.echo(f"... and {len(findings) - max_errors} more")
    if findings:
        codes = sorted({f.code for f in findings})
        files = sorted({f.file for f in findings})
        where = files[0] + (f" and {len(files) - 1} more files" if len(files) > 1 else "")
        fail(f"{where}: {len(findings)} findings ({', '.join(codes)}) in {summary}. "
             f"Fix: correct each finding above as its 'Fix:' says (codes in docs/checks.md)")
    typer.echo(f"valid: {summary}")


@app.command()
def checks() -> None:
    """Print the table of validation checks (Markdown)."""
    from claimcorpus.validation.codes import table_markdown

    sys.stdout.write(table_markdown())


@app.command()
def generate(
    check: Annotated[bool, typer.Option("--check", help="Exit 1 if a generated file differs instead of writing.")] = False,
    root: RootOpt = None,
) -> None:
    """Regenerate every file derived from schema/ and the code (docs tables, Label Studio config, README tables)."""
    from claimcorpus.generate import regenerate

    repo = open_repo(root)
    stale = regenerate(repo, write=not check)
    for path in stale:
        typer.echo(f"{'differs' if check else 'wrote'}: {path}")
    if check and stale:
        fail(f"{len(stale)} generated files are out of date. Fix: run `claimcorpus generate` and commit")


@layer_app.command("init")
def layer_init(
    layer: str,
    kind: Annotated[str, typer.Option(help="gold, annotator or prediction")] = "annotator",
    annotator: Annotated[str, typer.Option(help="Who annotates this layer.")] = "unknown",
    guidelines_version: Annotated[Optional[str], typer.Option(help="Version of annotations/GUIDELINES.md used.")] = None,
    description: str = "",
    doc: Annotated[Optional[list[str]], typer.Option(help="Document id (repeatable; default: all).")] = None,
    root: RootOpt = None,
) -> None:
    """Start an annotation layer: empty sentence records for the chosen documents."""
    from claimcorpus.documents import read_manifest
    from claimcorpus.layers import init_layer

    repo = open_repo(root)
    doc_ids = [e["doc_id"] for e in read_manifest(repo)] if doc is None else doc
    written = init_layer(repo, layer, kind, annotator, guidelines_version=guidelines_version,
                         description=description, doc_ids=doc_ids)
    typer.echo(json.dumps(written))


@app.command()
def agreement(
    layers: Annotated[list[str], typer.Argument(help="Two or more layers (e.g. pass-a pass-b gold).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON (sorted keys).")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print Markdown tables (for the dataset card).")] = False,
    worksheet: Annotated[Optional[Path], typer.Option("--worksheet", help="Also write every disagreement of the two "
                         "layers to this JSONL file, for `claimcorpus adjudicate` (never overwritten).")] = None,
    root: RootOpt = None,
) -> None:
    """Agreement among LAYERS: pairwise matrix and Krippendorff's alpha over all of them (per label, per document);
    with two layers also span P/R/F1 of the second against the first and Cohen's kappa."""
    from claimcorpus.agreement import agreement as compute
    from claimcorpus.agreement import agreement_markdown, agreement_tables, all_notes, report_json
    from claimcorpus.reliability import reliability, reliability_markdown

    from claimcorpus.layers import require_valid
    from claimcorpus.txn import export_target, inside

    repo = open_repo(root)
    if worksheet:  # refused before the work: outside the repository, in a data folder, or over decisions
        if len(layers) != 2:
            fail(f"--worksheet: {len(layers)} layers given. Fix: adjudicate two layers at a time")
        if inside(repo.root, worksheet.absolute(), "--worksheet").is_file():
            fail(f"{worksheet}: exists (it may hold decisions). Fix: give a new file name, or delete it first")
        worksheet = export_target(repo.root, worksheet, replace=False, option="--worksheet",
                                  example="build/worksheet.jsonl")
    require_valid(repo, layers, "`claimcorpus agreement`")  # a badly typed span or an unknown label: one line, not a score
    multi = reliability(repo, layers)
    report = {**compute(repo, *layers), "reliability": multi} if len(layers) == 2 else multi
    if worksheet:
        from claimcorpus.adjudication import worksheet as make_sheet
        from claimcorpus.textio import dumps
        from claimcorpus.txn import Transaction

        items = make_sheet(repo, *layers)
        with Transaction(repo.root, "agreement --worksheet") as tx:
            tx.write(worksheet, "".join(dumps(i) + "\n" for i in items))
        typer.echo(f"wrote {worksheet}: {len(items) - 1} disagreements to decide; then run "
                   f"`claimcorpus adjudicate {' '.join(layers)} --decisions {worksheet}`", err=True)
    if as_json:
        sys.stdout.write(report_json(report))
        return
    if markdown:
        sys.stdout.write((agreement_markdown(report) + "\n" if len(layers) == 2 else "") + reliability_markdown(multi))
        return
    from rich.console import Console

    console = Console()
    if len(layers) == 2:
        for table in agreement_tables(report):
            console.print(table)
        for note in all_notes(report):
            console.print(f"note: {note}", markup=False)
    console.print(reliability_markdown(multi), markup=False)


@app.command()
def score(
    predictions: Annotated[Path, typer.Argument(help="A JSONL file of sentence records, or a layer folder of them.")],
    against: Annotated[str, typer.Option("--against", help="Reference layer in annotations/.")] = "gold",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON (sorted keys) instead of Markdown.")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", help="Also write the report to this file (inside the repository, not in its data folders; .json or .md).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the --out file if it exists.")] = False,
    resamples: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% intervals.")] = 1000,
    seed: Annotated[int, typer.Option(help="Bootstrap seed (the same seed gives the same intervals).")] = 0,
    root: RootOpt = None,
) -> None:
    """Check PREDICTIONS like `validate`, then score them against gold with 95% intervals and the human ceiling."""
    from claimcorpus.score import ScoreFindings, score_json, score_markdown
    from claimcorpus.score import score as compute
    from claimcorpus.txn import export_target, write_export

    repo = open_repo(root)
    target = export_target(repo.root, out, replace=force) if out else None  # refused before the work
    if not 1 <= resamples <= 100_000:  # each resample is a full scoring pass: a typo of 10**12 would never end
        fail(f"--resamples {resamples}: must be between 1 and 100000. Fix: e.g. --resamples 1000")
    if seed < 0:
        fail(f"--seed {seed}: must be 0 or more (numpy seeds are non-negative). Fix: e.g. --seed 0")
    try:
        report = compute(repo, predictions, against, resamples=resamples, seed=seed)
    except ScoreFindings as err:
        for f in err.findings:
            typer.echo(str(f))
        codes = sorted({f.code for f in err.findings})
        fail(f"{err.findings[0].file}: {len(err.findings)} format findings ({', '.join(codes)}); nothing was scored. "
             "Fix: correct each finding above as its 'Fix:' says (codes in docs/checks.md)")
    text = score_json(report) if as_json else score_markdown(report)
    if target:
        write_export(repo.root, target, score_json(report) if target.suffix == ".json" else score_markdown(report),
                     replace=force, command="score")
    sys.stdout.write(text)


@app.command("diff")
def diff_cmd(
    rev_a: Annotated[str, typer.Argument(help="The older version: a release tag (v0.1.0) or any git revision.")],
    rev_b: Annotated[str, typer.Argument(help="The newer version, or 'worktree' for the files as they are now.")] = "worktree",
    out: Annotated[Optional[Path], typer.Option("--out", help="Also write the Markdown to this file (inside the repository).")] = None,
    root: RootOpt = None,
) -> None:
    """Spans added, removed, relabelled and changed per layer and document between two versions (Markdown)."""
    from claimcorpus.diff import diff, diff_markdown
    from claimcorpus.txn import export_target, write_export

    repo = open_repo(root)
    if out:
        export_target(repo.root, out, replace=False)  # refused before the work, not after
    text = diff_markdown(diff(repo, rev_a, rev_b))
    if out:
        write_export(repo.root, out, text, replace=False, command="diff")
    sys.stdout.write(text)


@app.command()
def preannotate(
    model: Annotated[str, typer.Option("--model", help="A spaCy pipeline name or path, or baseline:hedge-lexicon|gazetteer|majority|all.")],
    layer: Annotated[Optional[str], typer.Option("--layer", help="Layer to write (default: pred-<model name>).")] = None,
    against: Annotated[str, typer.Option("--against", help="Reference layer: its documents are annotated, and P/R is printed against it.")] = "gold",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing layer of that name.")] = False,
    root: RootOpt = None,
) -> None:
    """Write a prediction layer from a model (push it to Label Studio with `ls push --prediction`), and print its P/R against gold."""
    import re as _re

    from claimcorpus.baselines import preannotate as run
    from claimcorpus.score import score as compute

    repo = open_repo(root)
    name = layer or "pred-" + _re.sub(r"[^a-z0-9_-]+", "-", (Path(model).name if "/" in model else model).lower()).strip("-")
    written, desc = run(repo, model, name, against, overwrite)
    typer.echo(f"wrote layer {name} ({len(written)} documents): {desc}")
    report = compute(repo, repo.layer_dir(name), against, resamples=200)
    figs = report["system"]["figures"]
    for key in ("entities.exact", "hedge_cues.exact", "hedge_cue_scope.exact", "claims.exact", "checkworthy"):
        f = figs[key]
        if f["predicted"] or f["gold"]:
            typer.echo(f"{f['title']}: P {_pct(f['precision'])} R {_pct(f['recall'])} F1 {_pct(f['f1'])} "
                       f"(gold {f['gold']}, predicted {f['predicted']})")


@app.command("baselines")
def baselines_cmd(root: RootOpt = None) -> None:
    """Print the card's baselines table (the build puts the same table in corpus/README.md)."""
    from claimcorpus.baselines import table
    from claimcorpus.build import LazyGold, Source

    src = Source(open_repo(root))
    sys.stdout.write(table(src.repo, LazyGold(src), src.splits))


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


@app.command()
def adjudicate(
    layer_a: str,
    layer_b: str,
    decisions: Annotated[Path, typer.Option("--decisions", help="The worksheet with every decision filled in.")],
    check: Annotated[bool, typer.Option("--check", help="Exit 1 if the gold layer or ADJUDICATION.md differ "
                     "from what the decisions give, instead of writing.")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a gold layer that differs.")] = False,
    root: RootOpt = None,
) -> None:
    """Write the gold layer (spans both passes agree on + the decisions) and annotations/ADJUDICATION.md."""
    from claimcorpus import adjudication as adj
    from claimcorpus.txn import Transaction

    from claimcorpus.layers import require_valid

    repo = open_repo(root)
    rules = adj.guideline_rules(repo)
    dec = adj.read_decisions(decisions, rules)
    if (dec.header.get("a"), dec.header.get("b")) != (layer_a, layer_b):
        fail(f"{decisions}:1: the decisions are for {dec.header.get('a')} vs {dec.header.get('b')}, not "
             f"{layer_a} vs {layer_b}. Fix: pass the layers the worksheet was written for")
    require_valid(repo, [layer_a, layer_b], "`claimcorpus adjudicate`")
    files = adj.outputs(repo, dec, rules)
    stale = [p for p, text in files.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
    if check:
        for p in stale:
            typer.echo(f"differs: {repo.rel(p)}")
        if stale:
            fail(f"{repo.rel(stale[0])}: {len(stale)} files differ from the decisions in {decisions}. "
                 "Fix: run `claimcorpus adjudicate` without --check and commit")
        typer.echo(f"up to date: {len(files)} files agree with {decisions}")
        return
    layer = dec.header["gold"]["layer"]
    clobbered = [p for p in stale if p.is_file() and p.parent == repo.layer_dir(layer)]
    if clobbered and not overwrite:
        fail(f"{repo.rel(clobbered[0])}: layer {layer!r} exists with other annotations. "
             "Fix: pass --overwrite to replace it with what the decisions give")
    with Transaction(repo.root, "`claimcorpus adjudicate`") as tx:  # the gold layer and ADJUDICATION.md together, or nothing
        for p in stale:
            tx.write(p, files[p], replace=True)  # replacing another gold file was allowed by --overwrite above
    typer.echo(f"{layer}: {len(dec.items)} decisions applied; wrote {len(stale)} of {len(files)} files "
               f"({', '.join(repo.rel(p) for p in stale) or 'all up to date'})")


@app.command()
def build(
    check: Annotated[bool, typer.Option("--check", help="Rebuild into a temp folder; exit 1 if corpus/ differs.")] = False,
    root: RootOpt = None,
) -> None:
    """Build corpus/ (parquet configs, dataset card, checksums) from seeds/ and annotations/gold/."""
    from rich.progress import Progress

    from claimcorpus.build import GateFailed, check as check_release, build as write_release
    from claimcorpus.validation.runner import gate, levels_1_3

    repo = open_repo(root)
    findings = levels_1_3(repo, jobs=None).findings  # the reference Validator's findings, in parallel (tests/test_bench.py)
    if findings:
        for f in findings[:50]:
            typer.echo(str(f))
        fail(f"{findings[0].file}: {len(findings)} validation findings; the release was not written. "
             "Fix: correct each finding above as its 'Fix:' says, then build again")
    try:
        if check:
            differ = check_release(repo, gate)
            if differ:
                for path in differ:
                    typer.echo(f"differs: corpus/{path}")
                fail(f"corpus/ is not a fresh build ({len(differ)} files differ). Fix: run `claimcorpus build` and commit")
            from claimcorpus.hubcheck import findings as hub_findings

            problems = hub_findings(repo.corpus)
            for problem in problems:
                typer.echo(f"hub: corpus/{problem}")
            if problems:
                fail(f"corpus/: {len(problems)} Hub-readiness problems. Fix: correct card.py / the build as each line says, rebuild")
            typer.echo("corpus/ equals a fresh build and is Hub-ready (card metadata, data files, parquet sizes)")
            return
        with Progress(transient=True) as bar:
            task = bar.add_task("building", total=None)
            info = write_release(repo, gate, progress=lambda what: bar.update(task, description=what))
    except GateFailed as err:
        for f in err.findings[:50]:
            typer.echo(str(f))
        fail(f"{err.findings[0].file}: {len(err.findings)} Great Expectations findings; corpus/ was left as it was. "
             "Fix: correct the annotations the findings above name, then build again")
    typer.echo(f"built corpus/ v{info['version']}: " + ", ".join(f"{c} {sum(v.values())}" for c, v in info["counts"].items()))


@app.command()
def pipeline(root: RootOpt = None) -> None:
    """The main job: ingest new files in seeds/, validate, build corpus/, load it back and summarise."""
    from claimcorpus.documents import read_manifest
    from claimcorpus.pipeline import ingest_new, load_back

    repo = open_repo(root)
    for entry in ingest_new(repo):
        typer.echo(f"ingested {entry['doc_id']}")
    typer.echo(f"{len(read_manifest(repo))} documents in seeds/manifest.jsonl")
    validate(root=repo.root, max_errors=200, gx=False)  # the build runs the GE level itself
    build(check=False, root=repo.root)
    for line in load_back(repo):
        typer.echo(line)


@app.command("release")
def release_cmd(version: str, root: RootOpt = None) -> None:
    """Bump to VERSION (CHANGELOG + package), rebuild corpus/, check it and tag vVERSION."""
    from claimcorpus import release

    repo = open_repo(root)
    old = release.prepare(repo, version)
    try:
        build(check=False, root=repo.root)
        build(check=True, root=repo.root)
    except (typer.Exit, CorpusError):
        typer.echo(f"error: CHANGELOG.md, src/claimcorpus/__init__.py: the build failed for {version} (was {old}); "
                   "nothing was committed or tagged. Fix: `git checkout .`, correct the problem, release again", err=True)
        raise
    release.commit_and_tag(repo, version)
    typer.echo(f"released v{version} (was {old}); push with `git push --follow-tags`, "
               f"then `claimcorpus publish --repo-id ID`")


@app.command()
def publish(
    repo_id: Annotated[str, typer.Option("--repo-id", help="Hub dataset repository, e.g. org/claimcorpus.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the uploads, the remote deletions and the tag; change nothing.")] = False,
    standoff: Annotated[bool, typer.Option("--standoff", help="Publish the licence-safe standoff release (annotations, no texts).")] = False,
    remote_listing: Annotated[Optional[Path], typer.Option("--remote-listing", help="With --dry-run: a file of the remote repo's paths, one per line, instead of asking the Hub.")] = None,
    root: RootOpt = None,
) -> None:
    """Upload corpus/ (or the standoff release) to the Hugging Face Hub, delete stale remote files, tag vX.Y.Z."""
    from claimcorpus import release
    from claimcorpus.textio import decode_utf8, read_bytes

    repo = open_repo(root)
    if remote_listing:
        remote, why = [line.strip() for line in decode_utf8(read_bytes(remote_listing), str(remote_listing)).splitlines() if line.strip()], None
    elif dry_run:
        remote, why = release.remote_files(repo_id)
    else:
        remote, why = None, None
    plan = release.publish_plan(repo, standoff=standoff, remote=remote)
    if dry_run:
        for path, size in plan["files"]:
            typer.echo(f"upload {size:>10}  {path}")
        for path in plan["deletions"] or []:
            typer.echo(f"delete {'':>10}  {path}")
        stale = (f"delete {len(plan['deletions'])} stale remote files" if plan["deletions"] is not None else
                 f"delete every remote file but .gitattributes that it does not upload (remote not listed: {why}; "
                 "to see the deletions, pass --remote-listing FILE or run again online)")
        typer.echo(f"would upload {len(plan['files'])} files ({sum(s for _, s in plan['files'])} bytes) "
                   f"to datasets/{repo_id}, {stale}, and tag {plan['tag']}")
        return
    url = release.publish(repo, repo_id, plan)
    typer.echo(f"published {plan['tag']}{' (standoff)' if standoff else ''}: {url}; load it with "
               f"load_dataset({repo_id!r}, revision={plan['tag']!r})")


@app.command()
def rehydrate(
    texts: Annotated[Path, typer.Option("--from", help="Folder with your own copy of each document (file name as in the release, or <doc_id>.txt).")],
    standoff_dir: Annotated[Path, typer.Option("--standoff", help="The standoff release folder (holds data/standoff/ and full/).")] = Path("."),
    out: Annotated[Path, typer.Option("--out", help="New folder for the full release.")] = Path("rehydrated"),
) -> None:
    """Rebuild the full release from the standoff release and your own texts, after checking each text's sha256."""
    from claimcorpus.standoff import rehydrate as run

    files = run(standoff_dir, texts, out)
    typer.echo(f"rehydrated {len(files)} files into {out}; every file matches the release's SHA256SUMS")


@app.command()
def bench(
    sizes: Annotated[str, typer.Option(help="Comma-separated sentence counts of the synthetic corpora.")] = "10000,100000,1000000",
    out: Annotated[Path, typer.Option(help="Folder for bench.md and bench.json.")] = Path("build/bench"),
) -> None:
    """Benchmark every stage (segment, validate, build, load) on synthetic corpora, with baselines."""
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "bench.py"
    if not script.is_file():
        fail("benchmarks/bench.py: the benchmark is development tooling, not installed with the package. "
             "Fix: run scripts/bench from a claimcorpus checkout")
    sys.exit(subprocess.call([sys.executable, str(script), "--sizes", sizes, "--out", str(out)]))


def run(argv: list[str]) -> int:
    """Run the command line on ``argv``; every user error is one line on stderr and exit 1."""
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            typer.echo(f"error: argument {shown!r} is not valid UTF-8. Fix: pass text in UTF-8 "
                       "(check the terminal's locale)", err=True)
            return 1
    try:
        code = app(args=argv, prog_name="claimcorpus", standalone_mode=False)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except typer.TyperException as err:  # a usage error (unknown option, bad value): one line too
        ctx = getattr(err, "ctx", None)
        cmd = ctx.command_path if ctx is not None else "claimcorpus"
        typer.echo(one_line(f"error: {cmd}: {err.format_message().rstrip('.')}. Fix: see `{cmd} --help`"), err=True)
        return 1
    except typer.Abort:
        typer.echo("error: aborted. Fix: run the command again", err=True)
        return 1
    except CorpusError as err:
        typer.echo(f"error: {one_line(str(err))}", err=True)
        return 1
    except OSError as err:  # disk full, permission denied, ...: the transaction left the repository consistent
        typer.echo(one_line(f"error: {err.filename or 'claimcorpus'}: {err.strerror or err}. Fix: free space or fix "
                            "the permission, then run the command again (`claimcorpus validate` shows any leftover)"), err=True)
        return 1
    except KeyboardInterrupt:
        code = INTERRUPTED
    if code == INTERRUPTED:  # typer turns Ctrl-C inside a command into Exit(130), which it returns: say so
        typer.echo("error: interrupted; nothing was half-written (the next command finishes or rolls back)", err=True)
    return code if isinstance(code, int) else 0


INTERRUPTED = 130  # the shell's exit status for SIGINT


def main() -> None:
    sys.exit(run(sys.argv[1:]))
