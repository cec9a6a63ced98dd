"""Import: a Label Studio JSON export -> one annotator layer per annotator.

Every task must be one of ours (``claimcorpus ls export`` data) and still match the
corpus: same sentence text and hash. Every annotation becomes the record of its
sentence in the layer named for its annotator (``--annotator``); cancelled (skipped)
annotations are left out and reported. Sentences an annotator did not annotate get
empty records and are counted in the report.

Refused (CorpusError, nothing written): a task whose text or hash differs from the
corpus, an unknown control or label, a span outside the sentence or whose text is not
its slice, a hedge cue without a scope, a claim without its choices or with a source
that disagrees with its source type, two annotations of one sentence by one annotator,
and any existing layer file unless ``overwrite``. Problems the schema can express
(overlapping entities, whitespace at a span edge, flags that disagree with the spans)
are written as annotated and reported as validation findings.
"""

from __future__ import annotations

import functools
import json
import re
from importlib.resources import files
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path

from claimcorpus import schema
from claimcorpus.errors import CorpusError, LabelStudioError
from claimcorpus.kinds import SpanKind
from claimcorpus.labelstudio import config as C
from claimcorpus.labelstudio import pairing
from claimcorpus.labelstudio.offsets import Unit, decode
from claimcorpus.labelstudio.tasks import text_hash
from claimcorpus.layers import empty_record, meta_path, read_segments, with_flags, write_layer, write_meta
from claimcorpus.layout import SEGMENTS, Repo
from claimcorpus.schema import MAX_DEPTH, Strict, too_deep
from claimcorpus.textio import first_difference
from claimcorpus.textio import parse_json, read_bytes
from claimcorpus.txn import Transaction

LAYER_ID = re.compile(schema.load("layer")["properties"]["layer"]["pattern"])
CONFIG_FIX = "use schema/labelstudio.xml (`claimcorpus ls config`) as the project's labeling config"


@dataclass
class Region:
    start: int
    end: int
    text: str
    labels: dict[str, str] = field(default_factory=dict)  # span control -> label
    choices: dict[str, str] = field(default_factory=dict)  # per-region control -> value
    links: list[str] = field(default_factory=list)  # related region ids


@dataclass
class Report:
    files: list[str] = field(default_factory=list)
    annotations: dict[str, int] = field(default_factory=dict)  # layer -> annotations imported
    cancelled: list[str] = field(default_factory=list)
    unannotated: dict[str, int] = field(default_factory=dict)  # "layer/doc" -> sentences without annotation
    findings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"imported {n} annotations into layer {layer!r}" for layer, n in self.annotations.items()]
        out += [f"skipped cancelled annotation: {c}" for c in self.cancelled]
        out += [f"{k}: {n} sentences had no annotation (written as empty records)" for k, n in self.unannotated.items()]
        out += [f"finding: {f}" for f in self.findings]
        if self.findings:
            out.append(f"{len(self.findings)} findings: fix them in Label Studio and pull again, "
                       "or run `claimcorpus validate` for the details")
        return out


def read_export(path: Path) -> list[dict]:
    where = str(path)
    data = parse_json(read_bytes(path, where), where, "give the file from Label Studio's Export > JSON, or from "
                      "`claimcorpus ls pull`")
    tasks = data if isinstance(data, list) else [data]
    if not all(isinstance(t, dict) and isinstance(t.get("data"), dict) for t in tasks):
        raise LabelStudioError(where, "not a Label Studio JSON export (a list of tasks with 'data')",
                          "export with the JSON format, not JSON-MIN or CSV")
    return tasks


@functools.cache
def _export_validator():
    return Strict(json.loads(files("claimcorpus.labelstudio").joinpath("export.schema.json").read_text("utf-8")))


def task_name(name: str, n: int, task: object) -> str:
    """The one way a task is named in a message: its position in the export (from 0, as in the JSON list),
    then Label Studio's task id when it has one: ``export.json task 3 (id 812)``."""
    tid = task.get("id") if isinstance(task, dict) else None
    return f"{name} task {n}" + (f" (id {tid!r})" if tid is not None else "")


def check_export(tasks: list, name: str) -> None:
    """The export's shape (export.schema.json), strictly: offsets are integers, results lists of objects."""
    if too_deep(tasks):
        raise LabelStudioError(name, f"nested more than {MAX_DEPTH} levels deep", "import the file Label Studio wrote "
                          "(Export > JSON) or `claimcorpus ls pull` wrote, unedited")
    err = min(_export_validator().iter_errors(tasks), key=lambda e: list(map(str, e.absolute_path)), default=None)
    if err is None:
        return
    path = list(err.absolute_path)
    where = task_name(name, path[0], tasks[path[0]]) if path else name
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[1:]).lstrip(".") or "(task)"
    message = err.message if len(err.message) <= 160 else err.message[:150] + " ..."
    raise LabelStudioError(where, f"{field}: {message}",
                      "import the file Label Studio wrote (Export > JSON) or `claimcorpus ls pull` wrote, unedited")


def _span(value: dict, text: str, unit: Unit, where: str) -> tuple[int, int]:
    start, end = value.get("start"), value.get("end")
    if "text" not in value:
        unit_name = "UTF-16" if unit == "utf16" else "code point"
        raise LabelStudioError(where, f"region {start}:{end} carries no text, so nothing confirms its {unit_name} "
                          "offsets (Label Studio writes the text of every region)",
                          "import the file Label Studio exported (Export > JSON) or `claimcorpus ls pull` wrote; "
                          "a tool that drops region texts must keep them")
    try:
        s, e = decode(text, start, unit), decode(text, end, unit)
    except (TypeError, ValueError):
        s = e = None
    if s is None or not s < e:
        raise LabelStudioError(where, f"span {start}:{end} is outside the sentence text (0:{len(text)} code points) "
                                 "or empty", "delete the region in Label Studio and draw it again")
    if "text" in value and value["text"] != text[s:e]:
        other = "codepoint" if unit == "utf16" else "utf16"
        raise LabelStudioError(where, f"region text {value['text']!r} is not the sentence slice {s}:{e} {text[s:e]!r}",
                          f"if this export counts {'code points' if other == 'codepoint' else 'UTF-16 code units'}, "
                          f"pass --offsets {other}; otherwise redraw the region in Label Studio")
    return s, e


def _one(values: object, allowed: tuple[str, ...], what: str, where: str) -> str:
    if not isinstance(values, list) or len(values) != 1:
        raise LabelStudioError(where, f"{what} has {values!r}, not exactly one value", "give the region exactly one")
    if values[0] not in allowed:
        raise LabelStudioError(where, f"unknown {what} {values[0]!r}; allowed: {', '.join(allowed)}", CONFIG_FIX)
    return values[0]


def _regions(result: list, text: str, unit: Unit, where: str) -> tuple[dict[str, Region], list[str] | None]:
    regions: dict[str, Region] = {}
    relations, flags = [], None
    per_region = []
    for n, item in enumerate(result):
        at = f"{where} result[{n}]"
        kind, ctl, value = item.get("type"), item.get("from_name"), item.get("value") or {}
        if kind == "relation":
            relations.append((item.get("from_id"), item.get("to_id"), at))
            continue
        if item.get("to_name", C.TEXT) != C.TEXT or ctl not in (*C.span_controls(), *C.region_choices(), C.FLAGS):
            raise LabelStudioError(at, f"unknown control {ctl!r} (type {kind!r})", CONFIG_FIX)
        want = "choices" if ctl in (*C.region_choices(), C.FLAGS) else "labels"
        if kind != want:
            raise LabelStudioError(at, f"control {ctl!r} has region type {kind!r}, not {want!r}, so the project's "
                              "labelling config is not claimcorpus's", CONFIG_FIX)
        if ctl == C.FLAGS:  # sentence flags of an older config: ignored, they are derived from the spans
            continue
        s, e = _span(value, text, unit, at)
        if ctl in C.region_choices():
            per_region.append((item.get("id"), ctl, _one(value.get("choices"), C.choice_values()[ctl], ctl, at), at))
            continue
        label = _one(value.get("labels"), C.span_labels()[ctl], f"{ctl} label", at)
        reg = regions.setdefault(item.get("id"), Region(s, e, text[s:e]))
        if (reg.start, reg.end) != (s, e):
            raise LabelStudioError(at, f"region {item.get('id')!r} has two extents", "give each region one id")
        reg.labels[ctl] = label
    for rid, ctl, val, at in per_region:
        owner = C.control_kind()[ctl]
        if owner.ls.control not in getattr(regions.get(rid), "labels", {}):
            raise LabelStudioError(at, f"{ctl} {val!r} is attached to no {owner.ls.control} region",
                              f"set it on a {owner.ls.control} region")
        regions[rid].choices[ctl] = val
    for a, b, at in relations:
        if a not in regions or b not in regions:
            raise LabelStudioError(at, f"relation {a!r} -> {b!r} names a region that is not in the result",
                              "delete the relation and draw it again")
        regions[a].links.append(b)
        regions[b].links.append(a)
        _role_pair(regions[a], regions[b], at)
    _pair_unrelated(regions, where)
    return regions, flags


def _pair_unrelated(regions: dict[str, Region], where: str) -> None:
    """Relate the regions that no relation pairs, by labelstudio/pairing.py's rules (or refuse)."""
    for kind in C.ls_kinds():
        for name, *_ in kind.ls.regions:
            o = next(o for o in kind.offsets if o.name == name)
            spans = [rid for rid, r in regions.items() if kind.ls.control in r.labels and _wants(regions, r, kind, name)]
            free = [rid for rid, r in regions.items() if name in r.labels and not r.links]
            rule = pairing.by_containment if o.contains else pairing.single
            for i, rid in rule([regions[x] for x in spans], [regions[x] for x in free], kind.unit, name, where,
                               ids=free).items():
                regions[spans[i]].links.append(rid)
                regions[rid].links.append(spans[i])


def _wants(regions: dict[str, Region], reg: Region, kind: SpanKind, name: str) -> bool:
    """A span still needs a region ``name``: none is related, and (an optional pair) its choices ask for one."""
    if any(name in regions[x].labels or any(c in regions[x].labels for c in kind.ls.also_links) for x in reg.links):
        return False
    o = next(o for o in kind.offsets if o.name == name)
    hint = next(r[3] for r in kind.ls.regions if r[0] == name)
    return not o.optional or (hint is not None and reg.choices.get(hint[0]) == hint[1])


def _role_pair(a: Region, b: Region, at: str) -> None:
    def fits(x: Region, y: Region) -> bool:
        return any(k.ls.control in x.labels and any(c in y.labels for c in (*(r[0] for r in k.ls.regions),
                                                                           *k.ls.also_links))
                   for k in C.ls_kinds())

    if not (fits(a, b) or fits(b, a)):
        pairs = [f"a {k.unit} to its {r[0]}" for k in C.ls_kinds() for r in k.ls.regions]
        raise LabelStudioError(at, f"a relation between {a.text!r} ({', '.join(a.labels)}) and {b.text!r} "
                              f"({', '.join(b.labels)}) means nothing here",
                          "relate only " + ", or ".join(pairs))


def _linked(regions: dict[str, Region], reg: Region, wanted: tuple[str, ...], what: str, where: str) -> Region | None:
    found = [regions[r] for r in reg.links if any(w in regions[r].labels for w in wanted)]
    if len(found) > 1:
        raise LabelStudioError(where, f"{what} of {reg.text!r} ({reg.start}:{reg.end}) is related to {len(found)} regions",
                          "keep one relation")
    return found[0] if found else None


def from_result(result: list, segment: dict, unit: Unit = "codepoint", where: str = "<result>") -> dict:
    """The sentence record that a Label Studio result describes."""
    text = segment["text"]
    regions, flags = _regions(result, text, unit, where)
    rec = empty_record(segment)
    for reg in regions.values():
        at = f"{where} region {reg.text!r} ({reg.start}:{reg.end})"
        span = {"start": reg.start, "end": reg.end, "text": reg.text}
        for kind in C.ls_kinds():
            if kind.ls.control in reg.labels:
                make = CUSTOM.get(kind.field, _span_of)
                rec[kind.field].append(make(regions, reg, span, at, kind))
    rec = with_flags(rec)
    if flags is not None:  # ticked flags are kept as given; the validator compares them with the spans
        rec.update({f: f in flags for f in C.flag_names()})
    return rec


def _span_of(regions: dict[str, Region], reg: Region, span: dict, at: str, kind: SpanKind) -> dict:
    """A span of a kind without hooks: its label, and each offset pair from the region related to it."""
    out = {**span, kind.label: reg.labels[kind.ls.control]}
    for name, *_ in kind.ls.regions:
        o = next(o for o in kind.offsets if o.name == name)
        linked = _linked(regions, reg, (name,), kind.unit, at)
        if linked is None and not o.optional:
            raise LabelStudioError(at, f"{kind.unit} has no {name}", f"mark its {name} and relate the {o.of} to it")
        if linked is not None:
            out |= {o.start: linked.start, o.end: linked.end}
    return out


def _claim(regions: dict[str, Region], reg: Region, span: dict, at: str, kind: SpanKind) -> dict:
    missing = [c for c in kind.ls.choices if c not in reg.choices]
    if missing:
        raise LabelStudioError(at, f"claim has no {' / '.join(missing)}", "select the claim and choose them")
    src = _linked(regions, reg, (C.SOURCE, C.ENTITY), "claim", at)
    kind = reg.choices[C.SOURCE_TYPE]
    if (kind == "mention") != (src is not None):
        raise LabelStudioError(at, f"claim has source type {kind!r} but {'a' if src else 'no'} related source region",
                          "choose source type 'mention' exactly when the claim is related to a source")
    source = {"type": kind} if src is None else {"type": kind, "start": src.start, "end": src.end, "text": src.text}
    return {**span, "type": reg.choices[C.CLAIM_TYPE], "checkworthy": C.YES_NO[reg.choices[C.CHECKWORTHY]],
            "source": source}


# Kinds imported by code of their own: field -> (regions, region, span, where, kind) -> span record.
CUSTOM = {"claims": _claim}


# -- a whole export -> layers ----------------------------------------------------


def annotator_key(annotation: dict) -> str:
    """Who made an annotation: the Label Studio user id (or e-mail), '-' when the export does not say."""
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        who = who.get("email") or who.get("id")
    return "-" if who is None else str(who)


def _segment(repo: Repo, task: dict, cache: dict, where: str) -> dict:
    data = task["data"]
    doc_id, sid = data.get("doc_id"), data.get("sentence_id")
    if not isinstance(doc_id, str) or not isinstance(sid, str):
        raise LabelStudioError(where, "task data has no doc_id / sentence_id",
                          "export the tasks with `claimcorpus ls export`")
    if doc_id not in cache:
        if not repo.segments_file(doc_id).is_file():
            raise LabelStudioError(where, f"document {doc_id!r} is not in this corpus", "import into the repository the "
                              "tasks were exported from (--root)")
        cache[doc_id] = {s["id"]: s for s in read_segments(repo, doc_id)}
    seg = cache[doc_id].get(sid)
    if seg is None:
        raise LabelStudioError(where, f"sentence {sid!r} is not in annotations/segments/{doc_id}.jsonl",
                          "the corpus was re-segmented since the export; export and annotate again")
    if data.get("text") != seg["text"]:
        raise LabelStudioError(where, f"task text differs from sentence {sid} of the corpus "
                                 f"({first_difference(str(data.get('text')), seg['text'])})",
                          "never edit task text in Label Studio; re-export the sentence and annotate it again")
    if data.get("text_sha256") != text_hash(seg["text"]):
        what = "is missing" if "text_sha256" not in data else f"is {str(data.get('text_sha256'))[:16]!r}…, not the " \
               "sha256 of the text"
        raise LabelStudioError(where, f"task text_sha256 {what} (sentence {sid})",
                          "never edit task data; re-export the sentence with `claimcorpus ls export`")
    if "index" in data and (type(data["index"]) is not int or data["index"] != seg["index"]):
        raise LabelStudioError(where, f"task index {data.get('index')!r} contradicts sentence_id {sid} (index "
                                 f"{seg['index']})", "never edit task data; re-export the sentence with "
                          "`claimcorpus ls export`")
    return seg


def resolve_names(keys: list[str], annotator: list[str]) -> dict[str, str]:
    """Map annotator keys to layer names from ``--annotator NAME`` or ``--annotator KEY=NAME`` options."""
    pairs = [a.split("=", 1) for a in annotator if "=" in a]
    plain = [a for a in annotator if "=" not in a]
    names = {k.strip(): v.strip() for k, v in pairs}
    if plain:
        if len(plain) > 1 or pairs or len(keys) > 1:
            raise LabelStudioError("--annotator", f"the export has annotations by {len(keys)} annotators "
                              f"({', '.join(keys)})", "pass --annotator KEY=NAME once for each of them")
        names = {k: plain[0] for k in keys}
    stray = [k for k in names if k not in keys]
    if stray:
        raise LabelStudioError("--annotator", f"{stray[0]}={names[stray[0]]} names annotator {stray[0]!r}, who has no "
                          f"annotations in the export (it has {', '.join(keys)})",
                          "map only the Label Studio user ids the export has (a typo?)")
    missing = [k for k in keys if k not in names]
    if missing:
        raise LabelStudioError("--annotator", f"no layer name for the annotations of {', '.join(missing)} "
                          "(Label Studio user ids)", "pass --annotator KEY=NAME for each; `claimcorpus ls pull` "
                          "prints the command with names from the users' e-mails")
    for name in names.values():
        if not LAYER_ID.fullmatch(name) or name == SEGMENTS:
            raise LabelStudioError("--annotator", f"{name!r} is not a layer id",
                              f"use lowercase letters, digits, '_' and '-' (not first), not {SEGMENTS!r}")
    dup = {n for n in names.values() if list(names.values()).count(n) > 1}
    if dup:
        raise LabelStudioError("--annotator", f"two annotators would share layer {sorted(dup)[0]!r}",
                          "give each annotator a layer of their own")
    return {k: names[k] for k in keys}


def collect(repo: Repo, tasks: list[dict], *, unit: Unit = "codepoint", predictions: bool = False,
            name: str = "export", report: Report | None = None) -> dict[str, dict[str, dict[int, dict]]]:
    """Annotator key -> doc_id -> sentence index -> record, for every (non-cancelled) annotation."""
    check_export(tasks, name)
    out: dict[str, dict[str, dict[int, dict]]] = defaultdict(lambda: defaultdict(dict))
    seen: dict[tuple[str, str], str] = {}
    cache: dict = {}
    for n, task in enumerate(tasks):
        where = task_name(name, n, task)
        seg = _segment(repo, task, cache, where)
        where += f" ({seg['id']})"
        items = task.get("predictions" if predictions else "annotations") or []
        for ann in items:
            if not isinstance(ann, dict):
                raise LabelStudioError(where, "predictions are ids only in this export", "import the annotations, or "
                                  "export the predictions with `claimcorpus ls export`")
            key = (ann.get("model_version") or "-") if predictions else annotator_key(ann)
            at = f"{where} annotation {ann.get('id', '?')} by {key}"
            if ann.get("was_cancelled") or ann.get("skipped"):
                if report is not None:
                    report.cancelled.append(at)
                continue
            if (key, seg["id"]) in seen:
                raise LabelStudioError(at, f"{key} annotated this sentence twice (also {seen[key, seg['id']]})",
                                  "delete one of the two annotations in Label Studio and pull again")
            seen[key, seg["id"]] = f"annotation {ann.get('id', '?')}"
            out[key][seg["doc_id"]][seg["index"]] = from_result(ann.get("result") or [], seg, unit, at)
    return out


def import_export(repo: Repo, tasks: list[dict], annotator: list[str], *, unit: Unit = "codepoint",
                  overwrite: bool = False, predictions: bool = False, name: str = "export",
                  guidelines_version: str | None = None) -> Report:
    """Write one layer per annotator, in one transaction; check every target before writing any."""
    from claimcorpus.layers import check_guidelines_version

    check_guidelines_version(repo, guidelines_version)
    report = Report()
    found = collect(repo, tasks, unit=unit, predictions=predictions, name=name, report=report)
    if not found:
        what = "predictions" if predictions else "annotations"
        raise LabelStudioError(name, f"no {what} to import ({len(tasks)} tasks, {len(report.cancelled)} cancelled)",
                          f"annotate in Label Studio, then pull again{'' if predictions else '; for pre-annotations pass --predictions'}")
    names = resolve_names(sorted(found), annotator)
    targets = []
    for key, docs in sorted(found.items()):
        layer = names[key]
        meta = meta_path(repo, layer)
        if repo.layer_dir(layer).exists() and not meta.is_file():
            raise LabelStudioError(repo.rel(repo.layer_dir(layer)), "exists but is not a layer (no layer.json)",
                              "choose another name with --annotator, or move the folder away if it is not yours")
        for doc_id in sorted(docs):
            path = repo.layer_file(layer, doc_id)
            if path.exists() and not overwrite:
                raise LabelStudioError(repo.rel(path), f"layer {layer!r} already has annotations for {doc_id}",
                                  "choose another name with --annotator, or pass --overwrite to replace them")
            targets.append((key, layer, doc_id))
        if meta.exists() and not overwrite:
            raise LabelStudioError(repo.rel(meta), f"layer {layer!r} exists", "choose another name with --annotator, "
                              "or pass --overwrite to replace its files for these documents (layer.json is kept)")
    with Transaction(repo.root, "ls import") as tx:
        _write(repo, tx, found, names, targets, report, overwrite=overwrite, predictions=predictions, name=name,
               guidelines_version=guidelines_version)
    return report


def _write(repo: Repo, tx: Transaction, found: dict, names: dict, targets: list, report: Report, *, overwrite: bool,
           predictions: bool, name: str, guidelines_version: str | None) -> None:
    """Stage every layer file and new layer.json of an import (all appear at commit, or none)."""
    from claimcorpus.validation.level2 import schema_findings
    from claimcorpus.validation.level3 import sentence_content

    for key, layer, doc_id in targets:
        got = found[key][doc_id]
        segs = read_segments(repo, doc_id)
        records = [got.get(s["index"]) or empty_record(s) for s in segs]
        if len(segs) > len(got):
            report.unannotated[f"{layer}/{doc_id}"] = len(segs) - len(got)
        write_layer(repo, layer, doc_id, records, overwrite=overwrite, tx=tx)
        report.files.append(repo.rel(repo.layer_file(layer, doc_id)))
        report.annotations[layer] = report.annotations.get(layer, 0) + len(got)
        rel = repo.rel(repo.layer_file(layer, doc_id))
        for rec in records:
            report.findings += [str(f) for f in schema_findings("sentence", rec, rel, None)]
            report.findings += [f"{rel}: {code} [{rec['id']}] {msg}" for code, msg in sentence_content(rec)]
    for key in sorted(found):  # an existing layer keeps its layer.json (kind, annotator, guidelines)
        layer = names[key]
        if meta_path(repo, layer).is_file():
            continue
        meta = {"layer": layer, "kind": "prediction" if predictions else "annotator", "annotator": layer,
                "date": Date.today().isoformat(), "guidelines_version": guidelines_version,
                "description": f"imported from Label Studio ({name}; annotator {key})"}
        write_meta(repo, meta, tx)

