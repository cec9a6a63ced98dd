"""Benchmark: synthetic corpora at several sizes, every pipeline stage, and the baselines beside them.

    scripts/bench [--sizes 10000,100000,1000000] [--out build/bench]

Development tooling, not part of the installed library: it lives in benchmarks/ of a checkout.

A synthetic corpus is a real repository layout in a temp folder, made deterministically
(``SEED``) from the gold records of this repository: each sentence is a real gold sentence
whose entity mentions are swapped, at random, for other real mentions of the same label
(offsets of every span shifted to match), so the span distribution is the gold one. Sentences
are laid out as documents of 15-40 sentences in paragraphs of 2-6.

Each stage runs in its own subprocess; wall and CPU time are taken around the work inside
it, peak RSS is the process's ``ru_maxrss`` (from ``os.wait4``, so stages do not pollute each
other; for a stage that forks workers it is the largest single process). Every stage's process
tree (the stage, the build's second process, a command's workers, Spark's JVM) is also sampled
from /proc every 0.25 s (PSS every 2.5 s): the peak RSS and PSS *summed over the tree*, and the tree's CPU seconds
(``cpu_tree_s``, start-up and imports included; Spark's JVM is counted only this way). The
``claimcorpus validate`` stages run the command as a user does (interpreter start-up and imports
included). Each stage records the load average before and after it (the machine may be shared),
and every Spark run gets ``SPARK_LOCAL_IP=127.0.0.1`` (loopback only). The issue-11 targets are
judged from these figures by ``targets`` (bench.json holds them; bench.md shows them first).
Writes ``<out>/bench.md`` and ``<out>/bench.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

from claimcorpus.generate import targets_table
from claimcorpus.kinds import kinds
from claimcorpus.layers import sentence_id
from claimcorpus.layout import GOLD, Repo
from claimcorpus.markdown import number
from claimcorpus.textio import dumps, sha256

SEED = 20260501
SEG_SAMPLE_CHARS = 600_000  # pySBD runs at ~0.1 MB/s: segment stages use the first documents up to this size
HERE = Path(__file__).resolve().parents[1]

# -- synthetic corpora -----------------------------------------------------------------------


def gold_pool(src: Path) -> list[dict]:
    """The gold sentence records of ``src`` (sorted by file and index): the material to vary."""
    out = []
    for path in sorted((src / "annotations" / GOLD).glob("*.jsonl")):
        out += [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if not out:
        raise SystemExit(f"no gold records under {src}/annotations/{GOLD}: the benchmark samples them")
    return out


def _offsets(rec: dict) -> list[tuple[dict, str]]:
    """Every (object, key) holding an offset into the sentence text."""
    out = []
    for kind in kinds():
        for span in rec[kind.field]:
            out += [(span, "start"), (span, "end")]
            for o in kind.offsets:
                obj = span.get(o.within, {}) if o.within else span
                out += [(obj, k) for k in (o.start, o.end) if k in obj]
    return out


def vary(rec: dict, rng: random.Random, mentions: dict[str, list[str]]) -> dict:
    """A copy of ``rec`` with about half its entity mentions replaced by others of the same label."""
    rec = json.loads(json.dumps(rec))
    text, where = rec["text"], _offsets(rec)
    for ent in sorted(rec["entities"], key=lambda e: -e["start"]):
        a, b = ent["start"], ent["end"]
        if rng.random() < 0.5 or any(a < obj[k] < b for obj, k in where):
            continue
        new = rng.choice(mentions[ent["label"]])
        text, delta = text[:a] + new + text[b:], len(new) - (b - a)
        for obj, k in where:
            if obj[k] >= b:
                obj[k] += delta
    rec["text"] = text
    for kind in kinds():
        for span in rec[kind.field]:
            span["text"] = text[span["start"]:span["end"]]
            for o in kind.offsets:
                obj = span.get(o.within) if o.within else None
                if obj and "text" in obj:  # an offset pair with its own text (a claim's mention source)
                    obj["text"] = text[obj[o.start]:obj[o.end]]
    return rec


def _document(doc_id: str, recs: list[dict], rng: random.Random) -> tuple[str, list[dict], list[dict]]:
    """Canonical text, segment records and gold records of one synthetic document."""
    lines, segs, gold, offset, i, para = [], [], [], 0, 0, 0
    while i < len(recs):
        group = recs[i:i + rng.randint(2, 6)]
        parts = []
        for rec in group:
            start = offset + sum(len(p) + 1 for p in parts)
            parts.append(rec["text"])
            head = {"id": sentence_id(doc_id, i), "doc_id": doc_id, "index": i, "start": start,
                    "end": start + len(rec["text"]), "text": rec["text"]}
            segs.append({**head, "paragraph": para})
            gold.append({**rec, **head})
            i += 1
        line = " ".join(parts)
        lines.append(line)
        offset += len(line) + 1
        para += 1
    return "\n".join(lines) + "\n", segs, gold


def synth_corpus(root: Path, n_sentences: int, src: Path = HERE, seed: int = SEED) -> dict:
    """Write a valid repository of ``n_sentences`` gold sentences into ``root``; returns its sizes."""
    from claimcorpus.segment import segmenter_info
    from claimcorpus.txn import MARKER, MARKER_TEXT

    rng = random.Random(seed)
    pool = gold_pool(src)
    mentions: dict[str, list[str]] = defaultdict(list)
    for rec in pool:
        for e in rec["entities"]:
            mentions[e["label"]].append(e["text"])
    mentions = {k: sorted(set(v)) for k, v in mentions.items()}
    repo = Repo(root)
    for d in (repo.seeds, repo.segments, repo.layer_dir(GOLD)):
        d.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src / "schema", repo.schema_dir, dirs_exist_ok=True)
    (root / MARKER).write_text(MARKER_TEXT, encoding="utf-8")  # a scratch repository, written in bulk for speed
    (repo.segments / "segmenter.json").write_text(dumps(segmenter_info()) + "\n", encoding="utf-8")
    shutil.copy(src / "annotations" / GOLD / "layer.json", repo.layer_dir(GOLD) / "layer.json")
    manifest, splits, done, n_docs, n_chars = [], {"train": [], "validation": [], "test": []}, 0, 0, 0
    while done < n_sentences:
        k = min(rng.randint(15, 40), n_sentences - done)
        doc_id = f"syn{n_docs:07d}"
        text, segs, gold = _document(doc_id, [vary(rng.choice(pool), rng, mentions) for _ in range(k)], rng)
        raw = text.encode("utf-8")
        (repo.seeds / f"{doc_id}.txt").write_bytes(raw)
        repo.segments_file(doc_id).write_text("".join(dumps(r) + "\n" for r in segs), encoding="utf-8")
        repo.layer_file(GOLD, doc_id).write_text("".join(dumps(r) + "\n" for r in gold), encoding="utf-8")
        manifest.append({"doc_id": doc_id, "path": f"seeds/{doc_id}.txt", "sha256_raw": sha256(raw),
                         "sha256_text": sha256(raw), "n_chars": len(text), "language": "en", "title": None,
                         "source": "claimcorpus bench (synthetic)", "date": None, "license": None})
        splits[(["train"] * 8 + ["validation", "test"])[n_docs % 10]].append(doc_id)
        done, n_docs, n_chars = done + k, n_docs + 1, n_chars + len(text)
    repo.manifest.write_text("".join(dumps(e) + "\n" for e in manifest), encoding="utf-8")
    (repo.annotations / "splits.json").write_text(json.dumps(splits, indent=2) + "\n", encoding="utf-8")
    return {"sentences": done, "documents": n_docs, "chars": n_chars}

# -- stages (each runs in its own subprocess) -------------------------------------------------


class Clock:
    """Wall and CPU time (self and children) of the ``with`` block; a stage may time a part only."""

    def __init__(self) -> None:
        self.wall = self.cpu = None

    @staticmethod
    def _cpu() -> float:
        s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime

    def __enter__(self):
        self._w, self._c = time.perf_counter(), self._cpu()
        return self

    def __exit__(self, *exc) -> None:
        self.wall, self.cpu = time.perf_counter() - self._w, self._cpu() - self._c


def _sample_text(root: Path, limit: int | None = SEG_SAMPLE_CHARS) -> str:
    """The canonical text of the first documents, up to ``limit`` characters (whole documents)."""
    parts, n = [], 0
    for path in sorted(Repo(root).seeds.glob("*.txt")):
        if limit is not None and n >= limit:
            break
        parts.append(path.read_text(encoding="utf-8"))
        n += len(parts[-1])
    return "".join(parts)


def _digest(items) -> str:
    h = hashlib.sha256()
    for it in items:
        h.update(repr(it).encode())
    return h.hexdigest()[:16]


def _segmenter(fn, full: bool = False):
    def stage(root: Path, work: Path, clock: Clock) -> dict:
        text = _sample_text(root, None if full else SEG_SAMPLE_CHARS)
        with clock:
            out = fn(text)
        return {"mb": len(text.encode()) / 1e6, "sentences": len(out),
                "digest": _digest((s.start, s.end) for s in out)}
    return stage


def _spacy(root: Path, work: Path, clock: Clock) -> dict:
    import spacy

    from claimcorpus.segment import segment

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    text = _sample_text(root)
    with clock:
        spans, offset = [], 0
        for line in text.split("\n"):
            if line.strip():
                spans += [(offset + s.start_char, offset + s.end_char) for s in nlp(line).sents if s.text.strip()]
            offset += len(line) + 1
    ref = {(s.start, s.end) for s in segment(text)}
    return {"mb": len(text.encode()) / 1e6, "sentences": len(spans),
            "agreement_with_ours": round(len(ref & set(spans)) / max(1, len(ref)), 4)}


def _validator(cls_path: str, levels: int = 3, **kw):
    def stage(root: Path, work: Path, clock: Clock) -> dict:
        import importlib

        mod, _, name = cls_path.rpartition(".")
        cls = getattr(importlib.import_module(mod), name)
        with clock:
            if levels == 3:
                v = cls(Repo(root), **kw)
                findings = v.run()
            else:
                findings, v = _levels_1_2(root, levels), None
        return {"records": v.n_records if v else None, "findings": len(findings),
                "digest": _digest(str(f) for f in findings)}
    return stage


def _levels_1_2(root: Path, levels: int) -> list:
    """Level 1 (files parse, seeds hash) and, with ``levels`` 2, each record's JSON Schema (reference code)."""
    from claimcorpus.validation import level1, level2
    from claimcorpus.validation.repository import Validator

    v = Validator(Repo(root))
    v.documents()
    out = list(v.findings)
    folders = [("segment", v.repo.segments)] + [("sentence", v.repo.layer_dir(lay)) for lay in v.repo.layers()]
    for name, folder in folders:
        for path in sorted(folder.glob("*.jsonl")):
            loaded = level1.load_jsonl(path, v.repo.rel(path))
            out += loaded.findings
            if levels >= 2:
                for line, rec in loaded.records:
                    out += level2.schema_findings(name, rec, loaded.rel, line)
    return out


def _fast_levels(levels: int):
    def stage(root: Path, work: Path, clock: Clock) -> dict:
        from claimcorpus import schema
        from claimcorpus.validation.parallel import FastValidator
        from claimcorpus.validation.repository import Validator

        repo = Repo(root)
        with clock:
            v = Validator(repo)
            v.documents()
            n = 0
            folders = [("segment", repo.segments)] + [("sentence", repo.layer_dir(lay)) for lay in repo.layers()]
            fv = FastValidator(repo, jobs=1)
            fv.manifest_ids, fv.texts = v.manifest_ids, {}
            for name, folder in folders:
                ok = schema.fast_validator(name).is_valid
                for path in sorted(folder.glob("*.jsonl")):
                    for line in path.read_text(encoding="utf-8").split("\n"):
                        if line:
                            rec = json.loads(line)
                            n += 1
                            if levels >= 2 and not ok(rec):
                                raise SystemExit(f"{path}: invalid record in a synthetic corpus")
        return {"records": n}
    return stage


def _naive_jsonschema(root: Path, work: Path, clock: Clock) -> dict:
    from claimcorpus import schema

    repo, n, bad = Repo(root), 0, 0
    with clock:
        for name, folder in [("segment", repo.segments), ("sentence", repo.layer_dir(GOLD))]:
            v = schema.validator(name)
            for path in sorted(folder.glob("*.jsonl")):
                for line in path.read_text(encoding="utf-8").splitlines():
                    n += 1
                    bad += any(True for _ in v.iter_errors(json.loads(line)))
    return {"records": n, "invalid": bad}


def _json_read(root: Path, work: Path, clock: Clock) -> dict:
    import pyarrow.json as pj

    repo = Repo(root)
    paths = sorted(repo.segments.glob("*.jsonl")) + sorted(repo.layer_dir(GOLD).glob("*.jsonl"))
    pj.read_json(paths[0])  # warm-up: first-call imports are not the floor
    with clock:
        rows = sum(pj.read_json(p).num_rows for p in paths)
    return {"rows": rows, "files": len(paths), "mb": sum(p.stat().st_size for p in paths) / 1e6}


def _ge(root: Path, work: Path, clock: Clock) -> dict:
    from claimcorpus.validation.level4.batch import run_repo

    with clock:
        result = run_repo(Repo(root))
    return {"findings": len(result.findings)}


def _build(root: Path, work: Path, clock: Clock) -> dict:
    from claimcorpus import build

    out = work / "corpus"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with clock:
        info = build.build_into(Repo(root), out)
    return {"rows": sum(info["counts"]["sentences"].values()), "mb": sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6}


def _parquet_files(work: Path) -> list[Path]:
    return sorted((work / "corpus" / "data").rglob("*.parquet"))


def _pq_read_sentences(root: Path, work: Path, clock: Clock) -> dict:
    import pyarrow.parquet as pq

    files = sorted((work / "corpus" / "data" / "sentences").glob("*.parquet"))
    pq.read_table(files[0])  # warm-up: first-call imports are not the floor
    with clock:
        rows = sum(pq.read_table(p).num_rows for p in files)
    return {"rows": rows}


def _pq_read(root: Path, work: Path, clock: Clock) -> dict:
    import pyarrow.parquet as pq

    pq.read_table(_parquet_files(work)[0])  # warm-up: first-call imports are not the floor
    with clock:
        rows = sum(pq.read_table(p).num_rows for p in _parquet_files(work))
    return {"rows": rows}


def _pq_write(root: Path, work: Path, clock: Clock) -> dict:
    import pyarrow.parquet as pq

    from claimcorpus.build import PARQUET

    tables = [(p, pq.read_table(p)) for p in _parquet_files(work)]
    out = work / "pq_write"
    out.mkdir(exist_ok=True)
    with clock:
        for i, (_, t) in enumerate(tables):
            pq.write_table(t, out / f"{i}.parquet", **PARQUET)
    shutil.rmtree(out)
    return {"rows": sum(t.num_rows for _, t in tables)}


def _load_dataset(root: Path, work: Path, clock: Clock) -> dict:
    from datasets import disable_progress_bars, load_dataset

    disable_progress_bars()
    cache = work / "hf_cache"
    shutil.rmtree(cache, ignore_errors=True)
    with clock:
        ds = load_dataset(str(work / "corpus"), "sentences", cache_dir=str(cache))
    shutil.rmtree(cache, ignore_errors=True)
    return {"rows": sum(len(d) for d in ds.values())}


def _generate(root: Path, work: Path, clock: Clock) -> dict:
    n = int(os.environ["CLAIMCORPUS_BENCH_N"])
    done = root / ".generated.json"  # a corpus kept with --cache is made once per size
    if done.is_file():
        return {**json.loads(done.read_text()), "note": "reused"}
    with clock:
        info = synth_corpus(root, n)
    done.write_text(json.dumps(info))
    return info


def _tree_memory(pid: int, cpu: dict | None = None, pss: bool = True) -> tuple[int, int | None]:
    """(RSS, PSS) in bytes of ``pid`` and all its descendants now, from /proc. RSS counts a page shared by
    forked workers once per process; PSS splits it between them (the memory really in use). ``cpu``
    {pid: seconds} gets each process's user+system CPU so far (a process's last sample is its total,
    to within the sampling interval: Spark's JVM is never waited for, so rusage does not count it).
    RSS is read from /proc/PID/statm (constant time); PSS, only when ``pss``, from smaps_rollup, which walks
    every page table of the process: at 0.1 s intervals over three 900 MB processes that cost the
    measured command a core's worth of time on this 2-core machine (validate at 1M: 215 s against 144 s)."""
    children: dict[int, list[int]] = defaultdict(list)
    now: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children[int(fields[1])].append(int(stat.parent.name))
        now[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / TICKS
    todo, rss, total_pss = [pid], 0, 0
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        if cpu is not None and p in now:
            cpu[p] = now[p]
        try:
            rss += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * PAGE
            if pss:
                for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total_pss += int(line.split()[1]) * 1024
        except (OSError, IndexError, ValueError):
            pass
    return rss, total_pss if pss else None


TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
# The sampler is not free: each sample reads /proc/*/stat of every process (~6 ms here) and a PSS sample walks the
# page tables of the tree. At 0.1 s / 1 s it slowed `validate` at 1M from 140 s to 172 s (151 s without PSS).
INTERVAL = 0.25  # seconds between RSS samples (a gate batch's peak lasts seconds)
PSS_EVERY = 10  # samples: PSS every 2.5 s


class TreeSampler:
    """Peak RSS (every INTERVAL s) and PSS (every PSS_EVERY samples) summed over a process tree, and the tree's CPU seconds,
    sampled from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.peak_pss, self.cpu, self.n = pid, 0, 0, {}, 0

    def sample(self) -> None:
        rss, pss = _tree_memory(self.pid, self.cpu, pss=self.n % PSS_EVERY == 0)
        self.n += 1
        self.peak = max(self.peak, rss)
        self.peak_pss = max(self.peak_pss, pss) if pss is not None else self.peak_pss

    def figures(self) -> dict:
        return {"rss_sum_mb": self.peak / 2**20, "pss_sum_mb": self.peak_pss / 2**20,
                "cpu_tree_s": round(sum(self.cpu.values()), 2)}


def _command(*args: str):
    """A `claimcorpus` command on the corpus, timed as a whole, with the peak RSS summed over its processes."""
    def stage(root: Path, work: Path, clock: Clock) -> dict:
        cmd = [str(Path(sys.executable).with_name("claimcorpus")), *args, "--root", str(root)]
        with clock:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    env={**os.environ, **SPARK_ENV})
            tree = TreeSampler(proc.pid)
            while proc.poll() is None:
                tree.sample()
                time.sleep(INTERVAL)
            out, err = proc.communicate()
        last = (out.strip().splitlines() or [""])[-1]
        # the whole stderr is kept beside the stage's results: a failed run's cause (a JVM's stack) is its head
        log = work / f"stderr-{'-'.join(a.lstrip('-') for a in args)}.txt"
        log.write_text(err, encoding="utf-8")
        return {"exit": proc.returncode, **tree.figures(), "note": last[:120] or err.strip()[-200:],
                **({"stderr": str(log)} if proc.returncode else {})}
    stage.samples_itself = True  # run_stage does not sample this stage's tree a second time
    return stage


# Spark binds loopback only, whatever the machine's hostname resolves to (the engine sets it too)
SPARK_ENV = {"SPARK_LOCAL_IP": "127.0.0.1"}


def _segment_ours(text):
    from claimcorpus.segment import segment

    return segment(text)


def _segment_pysbd(text):
    """pySBD 0.3.4, the segmenter claimcorpus used before, line by line."""
    import pysbd

    seg = pysbd.Segmenter(language="en", clean=False, char_span=True)
    out, offset = [], 0
    for line in text.split("\n"):
        if line.strip():
            out += [SimpleNamespace(start=offset + s.start, end=offset + s.end) for s in seg.segment(line)]
        offset += len(line) + 1
    return out


VALIDATE = "claimcorpus validate (levels 1-4, pandas engine)"
SPARK = "claimcorpus validate --engine spark (levels 1-4)"
BUILD_STAGE = "build (build.build_into)"
PQ_WRITE = "baseline: pyarrow.parquet write_table"
LOAD = "load_dataset('sentences')"
PQ_READ_SENTENCES = "baseline: pyarrow.parquet read_table of sentences"
STAGES = {
    "generate": _generate,
    "segment: segment.segment": _segmenter(_segment_ours),
    "segment: segment.segment, whole corpus": _segmenter(_segment_ours, full=True),
    "segment: pySBD": _segmenter(_segment_pysbd),
    "segment: spaCy sentencizer": _spacy,
    "baseline: pyarrow.json read of the JSONL": _json_read,
    "baseline: naive jsonschema per record": _naive_jsonschema,
    "validate L1 parse (Validator code)": _validator("claimcorpus.validation.repository.Validator", levels=1),
    "validate L1-2 schema (Validator code)": _validator("claimcorpus.validation.repository.Validator", levels=2),
    "validate L1-3 (Validator.run)": _validator("claimcorpus.validation.repository.Validator", fast=False),
    "fast L1 parse": _fast_levels(1),
    "fast L1-2 jsonschema-rs": _fast_levels(2),
    "fast L1-3 (FastValidator, 1 process)": _validator("claimcorpus.validation.parallel.FastValidator", jobs=1),
    "fast L1-3 (FastValidator, 2 processes)": _validator("claimcorpus.validation.parallel.FastValidator", jobs=2),
    "validate L4 GE (gxbatch.run_repo)": _ge,
    VALIDATE: _command("validate"),
    SPARK: _command("validate", "--engine", "spark"),
    BUILD_STAGE: _build,
    PQ_WRITE: _pq_write,
    "baseline: pyarrow.parquet read_table": _pq_read,
    LOAD: _load_dataset,
    PQ_READ_SENTENCES: _pq_read_sentences,
}
REFERENCE = {"validate L1 parse (Validator code)", "validate L1-2 schema (Validator code)",
             "validate L1-3 (Validator.run)", "baseline: naive jsonschema per record"}
BUILD = {BUILD_STAGE, PQ_WRITE, "baseline: pyarrow.parquet read_table", LOAD, PQ_READ_SENTENCES}
GE = "validate L4 GE (gxbatch.run_repo)"


def run_stage(name: str, root: Path, work: Path, env: dict | None = None) -> dict:
    """Run one stage in a fresh interpreter; its timings, peak RSS and result."""
    result = work / "stage.json"
    result.unlink(missing_ok=True)
    cmd = [sys.executable, __file__, "--stage", name, "--root", str(root), "--work", str(work)]
    proc = subprocess.Popen(cmd, env={**os.environ, **SPARK_ENV, **(env or {})})
    tree = TreeSampler(proc.pid)
    while True:
        # a command stage samples its command's tree itself (its figures win below): a second sampler walking
        # /proc here cost the measured command ~10% of a core on this 2-core machine
        pid, status, usage = os.wait4(proc.pid, 0 if getattr(STAGES[name], "samples_itself", False) else os.WNOHANG)
        if pid:
            break
        tree.sample()
        time.sleep(INTERVAL)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        return {"error": f"exit {proc.returncode}", "rss_mb": usage.ru_maxrss / 1024}
    # a stage's own figures (the command stages' tree) win over the stage process's tree
    return {**tree.figures(), **json.loads(result.read_text()), "rss_mb": usage.ru_maxrss / 1024}


def run_stage_inline(name: str, root: Path, work: Path, env: dict | None = None) -> dict:
    """run_stage in this process (for tests: no interpreter start-up; RSS is this process's peak)."""
    os.environ.update(env or {})
    _stage_main(name, root, work)
    return {**json.loads((work / "stage.json").read_text()),
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _stage_main(name: str, root: Path, work: Path) -> None:
    clock = Clock()
    out = STAGES[name](root, work, clock)
    (work / "stage.json").write_text(json.dumps({**out, "wall_s": clock.wall, "cpu_s": clock.cpu}))

# -- report -----------------------------------------------------------------------------------


def ratios(st: dict) -> dict:
    """The ratios the targets are stated in (None where a stage did not run, or ran and failed: a command that
    exited non-zero after 303 s is no figure to divide)."""
    def get(name, key="wall_s"):
        stage = st.get(name, {})
        return None if stage.get("exit") or stage.get("error") else stage.get(key)

    def div(a, b):
        return round(a / b, 2) if a is not None and b else None

    mbps = lambda n: div(get(n, "mb"), get(n))  # noqa: E731
    fast_all = get("fast L1-3 (FastValidator, 2 processes)")
    ge = get("validate L4 GE (gxbatch.run_repo)")
    total = fast_all + ge if fast_all is not None and ge is not None else fast_all
    return {
        "segment / pySBD throughput": div(mbps("segment: segment.segment"), mbps("segment: pySBD")),
        "segment spaCy / pySBD throughput": div(mbps("segment: spaCy sentencizer"), mbps("segment: pySBD")),
        "validate L1-3 + GE (GE only where run), wall s": total,
        "validate L1-3 (+GE) / pyarrow.json read": div(total, get("baseline: pyarrow.json read of the JSONL")),
        "validate L1-3 (+GE) / parquet read": div(total, get("baseline: pyarrow.parquet read_table")),
        "Validator.run / FastValidator (2 proc)": div(get("validate L1-3 (Validator.run)"), fast_all),
        "naive jsonschema / FastValidator (2 proc)": div(get("baseline: naive jsonschema per record"), fast_all),
        "FastValidator findings identical to Validator": (
            None if get("validate L1-3 (Validator.run)", "digest") is None else
            get("validate L1-3 (Validator.run)", "digest") == get("fast L1-3 (FastValidator, 2 processes)", "digest")
            == get("fast L1-3 (FastValidator, 1 process)", "digest")),
        "build / parquet write": div(get(BUILD_STAGE), get(PQ_WRITE)),
        "load_dataset / parquet read (sentences)": div(get(LOAD), get(PQ_READ_SENTENCES)),
        "validate --engine spark / validate (pandas)": div(get(SPARK), get(VALIDATE)),
    }


# issue 11: (target, stage, measure, limit); judged at the largest size that ran the stage
LIMITS = [
    ("claimcorpus validate, levels 1-4, wall s", VALIDATE, "wall_s", 120),
    ("claimcorpus validate, levels 1-4, peak RSS summed over processes, MB", VALIDATE, "rss_sum_mb", 2048),
    ("build / bare pyarrow.parquet write of the same rows", BUILD_STAGE, "ratio", 3),
    ("build, peak RSS MB (summed over its processes where sampled)", BUILD_STAGE, "memory", 1536),
]


def _memory(st: dict) -> float | None:
    """A stage's peak memory: RSS summed over its process tree where sampled, else its largest process's."""
    return st.get("rss_sum_mb", st.get("rss_mb"))


def targets(report: dict) -> list[dict]:
    """Each issue-11 target with the figure it is judged on and a verdict, computed from the report's stages."""
    sizes = sorted(report["sizes"], key=int)
    out = []
    for target, stage, key, limit in LIMITS:
        ran = [n for n in sizes if "wall_s" in report["sizes"][n]["stages"].get(stage, {})]
        if not ran:
            out.append({"target": target, "sentences": None, "value": None, "limit": limit, "verdict": "not run"})
            continue
        n = ran[-1]
        st = report["sizes"][n]["stages"]
        value = (st[stage]["wall_s"] / st[PQ_WRITE]["wall_s"] if key == "ratio" and "wall_s" in st.get(PQ_WRITE, {})
                 else _memory(st[stage]) if key == "memory" else st[stage].get(key))
        verdict = "not run" if value is None else "met" if value <= limit else "missed"
        if st[stage].get("exit"):
            verdict = f"failed (exit {st[stage]['exit']})"
        out.append({"target": target, "sentences": int(n), "value": value, "limit": limit, "verdict": verdict})
    ran = [n for n in sizes if "rss_mb" in report["sizes"][n]["stages"].get(BUILD_STAGE, {})
           and "wall_s" in report["sizes"][n]["stages"][BUILD_STAGE]]
    if len(ran) >= 2:
        lo, hi = ran[0], ran[-1]
        growth = _memory(report["sizes"][hi]["stages"][BUILD_STAGE]) / _memory(report["sizes"][lo]["stages"][BUILD_STAGE])
        out.append({"target": f"build peak RSS flat: {hi} vs {lo} sentences (x{int(hi) // int(lo)} rows)",
                    "sentences": int(hi), "value": growth, "limit": 10,
                    "verdict": "met" if growth < 10 else "missed"})
    return out


_fmt = number  # claimcorpus.markdown: the README's table (generate.targets_table) formats figures the same way


def markdown(report: dict) -> str:
    lines = ["<!-- generated by scripts/bench (benchmarks/bench.py); do not edit -->",
             f"Machine: {report['machine']}. Command: `{report['command']}`. Load average before each size: "
             + ", ".join(f"{n}: {res.get('load_before', '-')}" for n, res in report["sizes"].items()) + ".", "",
             *targets_table(report).splitlines()]
    lines += ["", "| sentences | stage | wall s | CPU s | CPU s (process tree) | peak RSS MB (largest process) | "
              "peak RSS MB (summed) | peak PSS MB (summed) | MB/s | load before / after | note |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for size, res in report["sizes"].items():
        for name, st in res["stages"].items():
            mbps = st["mb"] / st["wall_s"] if st.get("mb") and st.get("wall_s") else None
            note = st.get("skipped") or st.get("error") or ", ".join(
                f"{k} {_fmt(st[k])}" for k in ("sentences", "records", "rows", "findings", "agreement_with_ours", "exit",
                                               "note") if st.get(k) is not None)
            load = f"{_fmt(st['load_before'])} / {_fmt(st['load_after'])}" if "load_before" in st else "-"
            lines.append(f"| {size} | {name} | {_fmt(st.get('wall_s'))} | {_fmt(st.get('cpu_s'))} | {_fmt(st.get('cpu_tree_s'))} | "
                         f"{_fmt(st.get('rss_mb'))} | {_fmt(st.get('rss_sum_mb'))} | {_fmt(st.get('pss_sum_mb'))} | {_fmt(mbps)} | "
                         f"{load} | {note.replace('|', '/')} |")
    lines += ["", "| sentences | ratio | value |", "|---|---|---|"]
    for size, res in report["sizes"].items():
        lines += [f"| {size} | {k} | {_fmt(v)} |" for k, v in res["ratios"].items()]
    return "\n".join(lines) + "\n"


def bench(sizes: list[int], out: Path, reference_max: int = 100_000, build_max: int = 1_000_000,
          ge_max: int = 100_000, log=print, runner=run_stage, only: list[str] | None = None,
          cache: Path | None = None, append: bool = False) -> dict:
    """Generate each corpus, run every stage on it, write bench.md and bench.json into ``out``.

    ``only``: run just the stages whose name contains one of these strings (and generate); ``cache``: keep
    each size's synthetic repository in ``cache/repo-<n>`` and reuse it; ``append``: add this run's stages
    to ``out/bench.json`` (a stage run again replaces its figures) and judge the targets on them all.
    """
    out.mkdir(parents=True, exist_ok=True)
    command = ("scripts/bench --sizes " + ",".join(map(str, sizes))
               + (f" --only {shlex.quote(','.join(only))}" if only else ""))
    report = {"machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}", "command": command,
              "seed": SEED, "sizes": {}}
    if append and (out / "bench.json").is_file():
        report = json.loads((out / "bench.json").read_text(encoding="utf-8"))
        report["command"] += f"; then {command} --append"
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix=f"claimcorpus-bench-{n}.") as tmp:
            root, work = (cache / f"repo-{n}" if cache else Path(tmp) / "repo"), Path(tmp) / "work"
            work.mkdir()
            stages, load = dict(report["sizes"].get(str(n), {}).get("stages", {})), os.getloadavg()[0]
            for name in STAGES:
                limit = reference_max if name in REFERENCE else build_max if name in BUILD else ge_max if name == GE else n
                if only and name != "generate" and not any(o in name for o in only):
                    continue
                if n > limit:
                    stages[name] = {"skipped": f"not run above {limit} sentences"}
                    continue
                before = round(os.getloadavg()[0], 1)
                stages[name] = {**runner(name, root, work, {"CLAIMCORPUS_BENCH_N": str(n)}),
                                "load_before": before, "load_after": round(os.getloadavg()[0], 1)}
                log(f"{n:>8} {name}: " + json.dumps({k: _fmt(v) for k, v in stages[name].items()}))
            report["sizes"][str(n)] = {"stages": stages, "ratios": ratios(stages), "load_before": round(load, 1),
                                       "load_after": round(os.getloadavg()[0], 1)}
            report["sizes"] = dict(sorted(report["sizes"].items(), key=lambda kv: int(kv[0])))
        report["targets"] = targets(report)
        (out / "bench.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        (out / "bench.md").write_text(markdown(report), encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> None:
    import argparse

    p = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated sentence counts")
    p.add_argument("--out", type=Path, default=Path("build/bench"), help="folder for bench.md and bench.json")
    p.add_argument("--reference-max", type=int, default=100_000,
                   help="skip the reference Validator and naive jsonschema above this size (they are linear)")
    p.add_argument("--build-max", type=int, default=1_000_000,
                   help="skip build, load_dataset and the parquet baselines above this size")
    p.add_argument("--ge-max", type=int, default=100_000,
                   help="skip the separate GE-level stage above this size (the validate stages include it at every size)")
    p.add_argument("--only", help="comma-separated parts of stage names: run just those stages (and generate)")
    p.add_argument("--cache", type=Path, help="keep each size's synthetic repository in CACHE/repo-<n> and reuse it")
    p.add_argument("--append", action="store_true",
                   help="add this run's stages to OUT/bench.json (e.g. the Spark stage after build and load)")
    p.add_argument("--stage", help=argparse.SUPPRESS)
    p.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.stage:
        _stage_main(a.stage, a.root, a.work)
        return
    report = bench([int(s) for s in a.sizes.split(",")], a.out, a.reference_max, a.build_max, a.ge_max,
                   only=a.only.split(",") if a.only else None, cache=a.cache, append=a.append)
    sys.stdout.write(markdown(report))


if __name__ == "__main__":
    main()
