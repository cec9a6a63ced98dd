"""Span-level differences between two versions of the annotations, as Markdown.

A version is a git revision (a release tag such as ``v0.1.0``) or the working tree. Every layer
file ``annotations/<layer>/<doc_id>.jsonl`` of both versions is compared sentence by sentence.
A span is identified by its kind, sentence and offsets; then it is

- **added** / **removed**: offsets present in one version only;
- **relabelled**: same offsets, another entity label, hedge type or claim type;
- **changed**: same offsets and label, another hedge scope, claim check-worthiness or source.

A line of the report::

    - `doc1-s0003` entity 0:4 "Kyiv": GPE → ORG
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import PurePosixPath

from claimcorpus import schema
from claimcorpus.errors import LayerError
from claimcorpus.kinds import SpanKind, kinds
from claimcorpus.layers import require_valid
from claimcorpus.layout import SEGMENTS, Repo
from claimcorpus.textio import parse_json

WORKTREE = "worktree"


def _git(repo: Repo, *args: str) -> str:
    res = subprocess.run(["git", *args], cwd=repo.root, capture_output=True, text=True, encoding="utf-8")
    if res.returncode:
        raise LayerError(args[-1], f"git cannot read it: {' '.join(res.stderr.split())}",
                          "check that the path exists in that revision")
    return res.stdout


def _layer_files(repo: Repo, rev: str) -> dict[tuple[str, str], str]:
    """(layer, doc_id) -> JSONL text of every layer file in ``rev``."""
    if rev == WORKTREE:
        files = [p for p in sorted(repo.annotations.glob("*/*.jsonl")) if p.parent.name != SEGMENTS]
        require_valid(repo, sorted({p.parent.name for p in files}), "`claimcorpus diff`")
        return {(p.parent.name, p.stem): p.read_text(encoding="utf-8") for p in files}
    if subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=repo.root,
                      capture_output=True).returncode:
        raise LayerError(rev, "no such release tag or git revision in this repository",
                          "give a release tag (`git tag --list 'v*'`), a commit, or 'worktree'")
    out = {}
    for path in _git(repo, "ls-tree", "-r", "--name-only", rev, "--", "annotations/").splitlines():
        p = PurePosixPath(path)
        if len(p.parts) == 3 and p.suffix == ".jsonl" and p.parts[1] != SEGMENTS:
            out[(p.parts[1], p.stem)] = text = _git(repo, "show", f"{rev}:{path}")
            _check_revision(text, f"{rev}:{path}")
    return out


def _name(kind: SpanKind) -> str:
    """What a change line calls a span of the kind: the first word of its unit ("hedge cue" -> "hedge")."""
    return kind.unit.split()[0]


def _claim_attrs(c: dict) -> dict:
    src = c["source"]
    return {"checkworthy": c["checkworthy"],
            "source": src["type"] if src["type"] == "author" else f"{src['type']} {src['text']!r}"}


ATTRS = {"claims": _claim_attrs}  # kinds whose other attributes are shown their own way


def _attrs(kind: SpanKind, span: dict) -> dict:
    """A span's attributes besides offsets, text and label: each offset pair as 'start:end' (a hedge's
    scope), then any other field, as stored."""
    if kind.field in ATTRS:
        return ATTRS[kind.field](span)
    out = {o.name: f"{s}:{e}" for o in kind.offsets for s, e in [o.get(span)] if s is not None}
    taken = {"start", "end", "text", kind.label, *(f for o in kind.offsets for f in (o.within or o.start, o.within or o.end))}
    return out | {k: v for k, v in span.items() if k not in taken}
def _check_revision(text: str, where: str) -> None:
    """A layer file of a git revision: every record a sentence record, or one line naming it (not a crash)."""
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        rec = parse_json(line, f"{where}:{n}", "diff against a revision whose layers validate")
        err = None if not isinstance(rec, dict) else next(iter(schema.validator("sentence").iter_errors(rec)), None)
        if not isinstance(rec, dict) or err is not None:
            field = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in err.absolute_path).lstrip(".") \
                if err is not None else "(record)"
            raise LayerError(f"{where}:{n}", f"{field}: {err.message if err is not None else 'not a JSON object'} "
                              "(the layer in that revision does not validate)",
                              "diff against a revision whose layers validate, e.g. a release tag")


def _spans(rec: dict) -> Iterator[tuple[tuple, str, dict]]:
    """(identity, label, other attributes) of every span of a sentence record, kind by kind (kinds.py)."""
    sid = rec["id"]
    for kind in kinds():
        for x in rec.get(kind.field, []):
            yield (_name(kind), sid, x["start"], x["end"], x["text"]), x[kind.label], _attrs(kind, x)


def _index(text: str) -> dict[tuple, list[tuple[str, dict]]]:
    out: dict[tuple, list] = {}
    for line in text.splitlines():
        if line.strip():
            for key, label, attrs in _spans(json.loads(line)):
                out.setdefault(key, []).append((label, attrs))
    return out


def compare_file(a: str | None, b: str | None) -> list[tuple[str, tuple, str]]:
    """(change, span identity, description) for one layer file in versions A and B."""
    ia, ib = _index(a or ""), _index(b or "")
    order = {_name(k): i for i, k in enumerate(kinds())}
    out = []
    for key in sorted(ia.keys() | ib.keys(), key=lambda k: (k[1], order[k[0]], k[2], k[3])):
        va, vb = sorted(ia.get(key, []), key=repr), sorted(ib.get(key, []), key=repr)
        if va == vb:
            continue
        if len(va) == len(vb) == 1:
            (la, xa), (lb, xb) = va[0], vb[0]
            if la != lb:
                out.append(("relabelled", key, f"{la} → {lb}"))
            changed = [f"{k} {xa[k]} → {xb[k]}" for k in xa if xa[k] != xb[k]]
            if changed:
                out.append(("changed", key, f"{lb}: " + "; ".join(changed)))
            continue
        for label, _ in (x for x in va if x not in vb):
            out.append(("removed", key, label))
        for label, _ in (x for x in vb if x not in va):
            out.append(("added", key, label))
    return out


def diff(repo: Repo, rev_a: str, rev_b: str = WORKTREE) -> dict:
    """Every span change per layer and document from ``rev_a`` to ``rev_b``."""
    fa, fb = _layer_files(repo, rev_a), _layer_files(repo, rev_b)
    changes = {}
    for layer, doc in sorted(fa.keys() | fb.keys()):
        found = compare_file(fa.get((layer, doc)), fb.get((layer, doc)))
        if found:
            changes[(layer, doc)] = found
    return {"a": rev_a, "b": rev_b, "changes": changes}


def _line(change: str, key: tuple, what: str) -> str:
    kind, sid, start, end, text = key
    return f"- `{sid}` {kind} {start}:{end} {json.dumps(text, ensure_ascii=False)}: {change} {what}"


def diff_markdown(report: dict) -> str:
    """Markdown for CHANGELOG.md and the Hub commit message: a count table, then each change."""
    head = f"### Span changes from `{report['a']}` to `{report['b']}`\n"
    if not report["changes"]:
        return head + "\nNo span changed.\n"
    rows = ["| layer | document | added | removed | relabelled | changed |", "|---|---|---:|---:|---:|---:|"]
    body = []
    for (layer, doc), found in report["changes"].items():
        n = Counter(c for c, _, _ in found)
        rows.append(f"| {layer} | {doc} | {n['added']} | {n['removed']} | {n['relabelled']} | {n['changed']} |")
        body += [f"\n#### {layer} / {doc}\n", *(_line(*c) for c in found)]
    return head + "\n" + "\n".join(rows) + "\n" + "\n".join(body) + "\n"
