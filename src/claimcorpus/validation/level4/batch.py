"""Level 4 over a release in bounded memory: the same suites, run batch by batch, in processes.

Two ways in. ``run_repo`` (what `claimcorpus validate` runs) makes the five flat tables of each group of
documents in memory, in the worker that checks them (build.group_tables: the build's own row-group code),
and never writes them. ``run_release`` (what `claimcorpus build` runs on the release it wrote) reads them
from parquet. A batch is a group of documents with every row of the five tables that belongs to them.
For a release on disk it is planned from the key columns alone:

1. **Plan** (key columns only: ``doc_id``, ``n_sentences``, ``id``, ``sentence_id``). Documents are cut
   into batches in table order; a row of another table joins the batch of its ``doc_id`` (a row whose
   ``doc_id`` is not a document stays with the row before it). A sentence id seen in two batches (a
   duplicate id, or a span pointing at another document's sentence) merges those batches, and so does
   a ``doc_id`` held by two documents. So every lookup, count and uniqueness test the suites make
   (span -> sentence, sentence -> document, rows per sentence, duplicate ids) finds all its rows in
   one batch, and each row-level expectation judges every row exactly as one run over the whole
   table would (a release the build wrote needs no merge). ``run_repo`` checks the same afterwards
   from each group's key hashes and falls back to writing the tables and planning when a merge is needed.
2. **Rows**: each batch group is read (only the row groups that hold its rows), prepared
   (`suite.prepare`) and checked by the row-level expectations in one of ``jobs`` forked worker
   processes; a cheap BOOLEAN_ONLY run first, the COMPLETE run only for a table that failed.
3. **Corpus**: the table-level expectations (row counts, means: `suite.TABLE_LEVEL`) run once over
   the columns they read, gathered from the batches (three numbers per sentence), with the totals
   (`n_sentences`, `n_entities`, ...) summed over batches.

Outcomes of a row-level expectation are merged over batches (counts summed, offending rows in table
order), so the findings are those of `suite.run_gate` over the whole tables (tests/test_gxbatch.py).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from claimcorpus.validation.level4 import suite as gx_suite
from claimcorpus.errors import ReleaseError
from claimcorpus.forking import pool as fork_pool
from claimcorpus.layout import GOLD
from claimcorpus.splits import SPLITS

GATE_BATCH_SENTENCES = 50_000  # ~0.5 GB per worker at the benchmark's span density
FAST = {"result_format": "BOOLEAN_ONLY"}


def release_files(corpus: Path, table: str) -> list[Path]:
    """The parquet files of one config in table order: splits in SPLITS order, shards by name."""
    folder = corpus / "data" / table
    return [p for split in SPLITS for p in sorted(folder.glob(f"{split}-*.parquet"))]


@dataclass
class Table:
    """One release table on disk: its files, and per row group (file index, row group, first position, rows)."""

    files: list[Path]
    groups: list[tuple[int, int, int, int]] = field(default_factory=list)

    @classmethod
    def open(cls, files: list[Path]) -> Table:
        t, pos = cls(files), 0
        for i, f in enumerate(files):
            meta = pq.ParquetFile(f).metadata
            for g in range(meta.num_row_groups):
                n = meta.row_group(g).num_rows
                t.groups.append((i, g, pos, n))
                pos += n
        return t

    def column_chunks(self, columns: list[str]) -> Iterator[pa.Table]:
        for i, g, _, _ in self.groups:
            yield pq.ParquetFile(self.files[i]).read_row_group(g, columns=columns)

    @property
    def n_rows(self) -> int:
        return sum(n for *_, n in self.groups)


class _Batches:
    """Union-find over batch ids."""

    def __init__(self) -> None:
        self.parent: list[int] = []

    def new(self) -> int:
        self.parent.append(len(self.parent))
        return self.parent[-1]

    def find(self, b: int) -> int:
        while self.parent[b] != b:
            self.parent[b] = self.parent[self.parent[b]]
            b = self.parent[b]
        return b

    def union(self, bs) -> None:
        roots = sorted({self.find(int(b)) for b in bs})
        for r in roots[1:]:
            self.parent[r] = roots[0]


@dataclass
class Plan:
    tables: dict[str, Table]
    batch_of: dict[str, np.ndarray]  # per table, the batch group of every row (by position)
    groups: list[int]  # batch groups, in table order
    n_sentences: int


def _number(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A numeric column as float64 (null and non-numbers as nan), as pandas.to_numeric(errors='coerce') reads it."""
    return pd.to_numeric(pd.Series(col.to_pandas()), errors="coerce").astype("float64").to_numpy()


def plan(corpus: Path, batch_sentences: int = GATE_BATCH_SENTENCES) -> Plan:
    """Step 1: assign every row of the five tables to a batch group, from the key columns only."""
    tables = {t: Table.open(release_files(corpus, t)) for t in gx_suite.gate_tables()}
    missing = [t for t, tab in tables.items() if not tab.files]
    if missing:
        raise ReleaseError(str(corpus / "data"), f"no parquet files for {', '.join(missing)}",
                          "build the release (`claimcorpus build`) before running the gate on it")
    uf, doc_batch, batch_of = _Batches(), {}, {}
    current, held, n_sentences = uf.new(), 0, 0.0
    doc_rows = []
    for chunk in tables["documents"].column_chunks(["doc_id", "n_sentences"]):
        ids, sizes = chunk["doc_id"].to_pylist(), _number(chunk["n_sentences"])
        n_sentences += float(np.nansum(sizes))
        for d, k in zip(ids, sizes, strict=True):
            if held >= batch_sentences:
                current, held = uf.new(), 0
            held += int(k) if k == k and k > 0 else 1
            doc_rows.append(current)
            if isinstance(d, str):
                if d in doc_batch:
                    uf.union([doc_batch[d], current])  # duplicate doc_id: both rows in one batch
                else:
                    doc_batch[d] = current
    batch_of["documents"] = np.array(doc_rows, dtype=np.int32)
    by_doc = pd.Series(doc_batch, dtype="float64")
    pairs = []  # (sentence key, batch) from every table that names sentences
    for t in ("sentences", *gx_suite.span_tables()):
        key = "id" if t == "sentences" else "sentence_id"
        parts, last = [], 0.0
        for chunk in tables[t].column_chunks(["doc_id", key]):
            b = pd.Series(chunk["doc_id"].to_pandas()).map(by_doc)
            if len(b) and pd.isna(b.iloc[0]):
                b.iloc[0] = last
            b = b.ffill().to_numpy(dtype=np.int32) if len(b) else np.zeros(0, np.int32)
            last = float(b[-1]) if len(b) else last
            parts.append(b)
            pairs.append(pd.DataFrame({"key": chunk[key].to_pandas(), "batch": b}).dropna().drop_duplicates())
        batch_of[t] = np.concatenate(parts) if parts else np.zeros(0, np.int32)
    if pairs:
        keyed = pd.concat(pairs, ignore_index=True).drop_duplicates()
        spread = keyed.groupby("key")["batch"].nunique()
        for bs in keyed[keyed["key"].isin(spread[spread > 1].index)].groupby("key")["batch"]:
            uf.union(bs[1])
    roots = np.array([uf.find(b) for b in range(len(uf.parent))], dtype=np.int32)
    batch_of = {t: roots[b] for t, b in batch_of.items()}
    groups = sorted(set(roots.tolist()))
    return Plan(tables, batch_of, groups, int(n_sentences))


def tasks(p: Plan) -> Iterator[dict]:
    """Per batch group: for each table the (file, row group, first position, local rows) it must read."""
    for g in p.groups:
        task = {}
        for t, tab in p.tables.items():
            mine = p.batch_of[t] == g
            task[t] = [(str(tab.files[i]), rg, first, np.flatnonzero(mine[first:first + n]))
                       for i, rg, first, n in tab.groups if mine[first:first + n].any()]
        yield task


def _sentence_counts(table: pa.Table) -> pa.Table:
    """Replace the nested span lists of sentences by the counts the suites check (as gx_suite derives them)."""
    from claimcorpus.kinds import flags

    names = [t for t in gx_suite.span_tables() if t in table.column_names]
    for name in names:
        table = table.append_column(f"n_{name}", pc.list_value_length(table[name]))
    for kind, flag in flags():
        if flag.count and flag.when and kind.field in names:
            spans = table[kind.field].combine_chunks()
            flat = pc.list_flatten(spans)
            has = pa.types.is_struct(flat.type) and flat.type.get_field_index(flag.when) >= 0
            true = (pc.fill_null(pc.struct_field(flat, flag.when), False).to_numpy(zero_copy_only=False) if has
                    else np.zeros(len(flat), dtype=bool))
            parents = pc.list_parent_indices(spans).to_numpy()
            counts = np.bincount(parents, weights=true.astype(np.int64), minlength=len(spans)).astype(np.int64)
            table = table.append_column(flag.count, pa.array(counts, mask=spans.is_null().to_numpy(zero_copy_only=False)))
    return table.drop_columns(names)


def read_task(task: dict) -> dict[str, pd.DataFrame]:
    """The rows of one batch group as pandas frames indexed by their position in the table."""
    frames = {}
    for t, pieces in task.items():
        dfs = []
        for path, rg, first, rows in pieces:
            tab = pq.ParquetFile(path).read_row_group(rg).take(pa.array(rows))
            if t == "sentences":
                tab = _sentence_counts(tab)
            df = tab.to_pandas()
            df.index = pd.Index(first + rows)
            dfs.append(df)
        frames[t] = pd.concat(dfs) if dfs else None
    return frames


_WORKER: dict[str, Any] = {}  # the checkpoints, made once before the workers fork


@functools.cache
def _checkpoints(bounds: tuple) -> tuple[dict, dict]:
    """Row-level and table-level suites, each with a fast (BOOLEAN_ONLY) and a complete checkpoint; and per
    table the sort key of the whole suite's order (gx_suite.suite_order)."""
    rows, whole, order = {}, {}, {}
    for name, suite in gx_suite.build_suites(dict(bounds)).items():
        exps = suite.expectations
        rows[name] = [e for e in exps if e.expectation_type not in gx_suite.TABLE_LEVEL]
        whole[name] = [e for e in exps if e.expectation_type in gx_suite.TABLE_LEVEL]
        order[name] = gx_suite.suite_order(suite)
    gx = gx_suite._gx()
    suites = {f"{n}:rows": gx.ExpectationSuite(name=f"claimcorpus-{n}-rows", expectations=[e.copy() for e in es])
              for n, es in rows.items()}
    suites |= {f"{n}:table": gx.ExpectationSuite(name=f"claimcorpus-{n}-table", expectations=[e.copy() for e in es])
               for n, es in whole.items() if es}
    _, checkpoints = gx_suite._context(suites, {"fast": FAST, "complete": gx_suite.RESULT_FORMAT})
    return checkpoints, order


def run_checkpoint(checkpoint, frame: pd.DataFrame, params: dict):
    """The suite result ``checkpoint.run`` holds for one frame, from the GE Validator its ValidationDefinition
    runs, without the wrappers: their freshness checks against the context's stores and the result-store
    write cost ~0.1 s a run, whatever the rows (five runs a batch, ~25 batches at 1M sentences)."""
    from great_expectations.validator.v1_validator import Validator

    vd = checkpoint.validation_definitions[0]
    return Validator(batch_definition=vd.batch_definition, batch_parameters={"dataframe": frame},
                     result_format=checkpoint.result_format).validate_expectation_suite(vd.suite, params)


def check_task(job: tuple[dict, dict]) -> dict:
    """Step 2 in a worker: the row-level outcomes of one batch group and what step 3 needs from it."""
    task, params = job
    return _check(read_task(task), params)


def _check(frames: dict[str, pd.DataFrame | None], params: dict) -> dict:
    """The row-level outcomes of one batch's tables (None: the batch has no rows of it) and what step 3 needs."""
    checkpoints, order = _WORKER["checkpoints"], _WORKER["order"]
    empty = {t: f is None for t, f in frames.items()}
    full = {t: f if f is not None else _empty(t) for t, f in frames.items()}
    frames.clear()  # the caller's too: prepare copies what it keeps, and a worker's peak is what is still alive
    prepared, own = gx_suite.prepare(full)
    del full
    # E410 (doc_id is a document of the release) against the batch's own documents: a row naming a document of
    # the release is always in that document's batch (plan, run_repo), so the verdicts are the same, and GE
    # copies the value set into the expectation's configuration many times per run (all 36k ids at 1M: ~4 s a batch)
    params = params | {"doc_ids": own["doc_ids"]}
    out: dict[str, Any] = {"outcomes": {}}
    for t in gx_suite.gate_tables():
        if empty[t]:
            out["outcomes"][t] = None
            continue
        run = lambda fmt: run_checkpoint(checkpoints[f"{t}:rows", fmt], prepared[t], params)  # noqa: E731
        result = run("fast")
        out["outcomes"][t] = sorted(gx_suite.outcomes(result if result.success else run("complete")), key=order[t])
        if result.success:  # a passing run carries no row counts: take them from the frame
            for o in out["outcomes"][t]:
                o["element_count"], o["unexpected_count"], o["rows"] = len(prepared[t]), 0, []
    sent = prepared["sentences"]
    out["columns"] = sent[list(gx_suite.BOUND_COLUMNS.values())]
    out["rows"] = {t: len(prepared[t]) if not empty[t] else 0 for t in gx_suite.gate_tables()}
    out["totals"] = {f"n_{t}": float(pd.to_numeric(sent[f"n_{t}"], errors="coerce").fillna(0).sum()) for t in gx_suite.span_tables()}
    out["n_sentences"] = float(np.nansum(pd.to_numeric(prepared["documents"]["n_sentences"], errors="coerce").astype("float64")))
    return out


def _empty(table: str) -> pd.DataFrame:
    from claimcorpus.configs import config

    cols = [c for c in config(table).features() if c not in gx_suite.span_tables()]
    return pd.DataFrame({c: pd.Series([], dtype="object") for c in cols})


def run_release(corpus: Path, jobs: int | None = None, batch_sentences: int = GATE_BATCH_SENTENCES,
                bounds: Mapping[str, tuple[float, float]] = gx_suite.CORPUS_BOUNDS) -> gx_suite.GateResult:
    """Run the gate over the release in ``corpus`` (its data/<config>/*.parquet), batch by batch."""
    _WORKER["checkpoints"], _WORKER["order"] = _checkpoints(tuple(bounds.items()))
    with _pool(jobs) as pool:  # fork before the plan: workers stay small
        p = plan(corpus, batch_sentences)
        params = {"n_sentences": p.n_sentences}
        jobs_ = ((task, params) for task in tasks(p))
        gathered = _gather(pool.imap(check_task, jobs_) if pool else map(check_task, jobs_))
    gathered["columns"] = gathered["columns"].sort_index()
    return _findings(params, **gathered)


@contextlib.contextmanager
def _pool(jobs: int | None) -> Iterator[Any]:
    """``jobs`` forked workers (None for one: run here), forked with only what this process still holds."""
    from claimcorpus.validation.runner import release_memory

    jobs = jobs or min(2, os.cpu_count() or 1)
    release_memory()  # the workers inherit only what is still held
    pool = fork_pool(jobs) if jobs > 1 else None
    try:
        yield pool
    except BaseException:
        if pool is not None:
            pool.terminate()  # the batches still queued are of no use now
        raise
    finally:
        if pool is not None:
            pool.close()
            pool.join()


def _gather(results, shift: bool = False) -> dict:
    """Per table the outcomes of every batch, the bound columns, the rows per table and the span totals.
    ``shift``: the batches number their rows from 0; make the positions the table's (batches in table order)."""
    per_table: dict[str, list[list[dict]]] = {t: [] for t in gx_suite.gate_tables()}
    columns, rows = [], dict.fromkeys(gx_suite.gate_tables(), 0)
    totals = dict.fromkeys((f"n_{t}" for t in gx_suite.span_tables()), 0.0)
    for r in results:
        for t, o in r["outcomes"].items():
            if o is not None:
                if shift:
                    for row in (x for out in o for x in out["rows"] or ()):
                        row["row_pos"] += rows[t]
                per_table[t].append(o)
        columns.append(r["columns"])
        rows = {t: rows[t] + r["rows"][t] for t in rows}
        totals = {k: totals[k] + r["totals"][k] for k in totals}
    return {"per_table": per_table, "columns": pd.concat(columns, ignore_index=shift), "rows": rows, "totals": totals}


def _findings(params: dict, per_table, columns: pd.DataFrame, rows: dict, totals: dict) -> gx_suite.GateResult:
    """Step 3, then every finding in suite order (as gx_suite.run_gate lists them)."""
    checkpoints, order = _WORKER["checkpoints"], _WORKER["order"]
    params = params | {k: int(v) for k, v in totals.items()}
    findings = []
    for t in gx_suite.gate_tables():
        merged = [gx_suite.merge(list(parts)) for parts in zip(*per_table[t], strict=True)] if per_table[t] else []
        table_level = []
        if (f"{t}:table", "complete") in checkpoints:
            frame = columns.reset_index(drop=True) if t == "sentences" else pd.DataFrame(index=pd.RangeIndex(rows[t]))
            result = checkpoints[f"{t}:table", "complete"].run(batch_parameters={"dataframe": frame},
                                                                expectation_parameters=params)
            table_level = gx_suite.outcomes(result)
        findings += [gx_suite.finding(t, o) for o in sorted(merged + table_level, key=order[t]) if not o["success"]]
    return gx_suite.GateResult(not findings, findings)


GATE_BATCH_BYTES = 48_000_000  # gold bytes per batch of run_repo (~40,000 sentences, ~450 MB a worker, at the benchmark's density)
PARSE_BYTES = 12_000_000  # gold bytes parsed at once in a batch (about a build's row group)


class _Shared(Exception):
    """A key the batches of run_repo cannot judge apart (see `run_repo`)."""


def run_repo(repo, jobs: int | None = None, batch_bytes: int = GATE_BATCH_BYTES,
             bounds: Mapping[str, tuple[float, float]] = gx_suite.CORPUS_BOUNDS) -> gx_suite.GateResult:
    """The gate over the release tables the annotations make now, without writing them.

    Each worker makes the five flat configs of a group of documents (``batch_bytes`` of gold files, in
    split order) as the build makes a row group (build.group_tables), and checks them as run_release checks
    a batch. That equals run_release over the written tables when no batch must see another's rows: every
    table row names a document of its group, no sentence id is in two groups, no document or sentence
    lacks its id (its row is named by its position then). Otherwise (a repository levels 1-3 would reject)
    the tables are written to a temp folder under build/ and run_release plans the batches from them.
    """
    from claimcorpus import build

    src = build.Source(repo)
    every = [d for doc_ids in src.splits.values() for d in doc_ids]
    if not every or len(set(every)) < len(every):
        return _planned(repo, jobs, bounds)
    groups = list(_cut([(d, _gold_size(repo, d)) for d in every], batch_bytes))
    params: dict[str, Any] = {}
    _WORKER["checkpoints"], _WORKER["order"] = _checkpoints(tuple(bounds.items()))
    _WORKER["src"] = src
    try:
        with _pool(jobs) as pool:
            jobs_ = ((g, params) for g in groups)
            results = list(_keys_apart(pool.imap(check_group, jobs_) if pool else map(check_group, jobs_)))
    except _Shared:
        return _planned(repo, jobs, bounds)
    finally:
        _WORKER.pop("src", None)
    gathered = _gather(results, shift=True)
    return _findings({"n_sentences": int(sum(r["n_sentences"] for r in results))}, **gathered)


def _keys_apart(results) -> Iterator[dict]:
    """The results, with their sentence keys dropped once checked; _Shared when a key is in two groups
    or a group said its rows cannot be judged apart."""
    seen: list[np.ndarray] = []
    for r in results:
        if r["keys"] is None:
            raise _Shared()
        seen.append(r.pop("keys"))
        yield r
    keys = np.concatenate(seen) if seen else np.zeros(0, np.uint64)
    if len(np.unique(keys)) < len(keys):  # each group's keys are unique: a repeat is in two groups
        raise _Shared()


def _cut(sized: list[tuple[str, int]], limit: int) -> Iterator[list[tuple[str, int]]]:
    """Consecutive runs of (doc_id, gold bytes) holding ``limit`` bytes or more each (the last may hold less).

    >>> list(_cut([("a", 5), ("b", 5), ("c", 1)], 10))
    [[('a', 5), ('b', 5)], [('c', 1)]]
    """
    run: list[tuple[str, int]] = []
    held = 0
    for item in sized:
        run.append(item)
        held += item[1]
        if held >= limit:
            yield run
            run, held = [], 0
    if run:
        yield run


def check_group(job: tuple[list[tuple[str, int]], dict]) -> dict:
    """In a worker: the tables of a group of documents (doc_id, gold bytes) made in memory and checked as one
    batch, and the hashes of the sentence keys they hold (None when a row could not be judged apart from other
    groups)."""
    from claimcorpus import build
    from claimcorpus.validation.runner import release_memory

    sized, params = job
    doc_ids, src, parts = [d for d, _ in sized], _WORKER["src"], []
    for part in _cut(sized, PARSE_BYTES):  # parsed a row group's worth at a time: the JSON reader's buffers stay small
        parts.append(build.group_tables(src, [d for d, _ in part], gx_suite.gate_tables()))
        pa.default_memory_pool().release_unused()  # the JSON reader's buffers
    made = {t: pa.concat_tables([p[t] for p in parts]) for t in gx_suite.gate_tables()}
    del parts
    keys = _group_keys(made, doc_ids)
    frames = {t: (_sentence_counts(tab) if t == "sentences" else tab).to_pandas() if tab.num_rows else None
              for t, tab in made.items()}
    del made
    pa.default_memory_pool().release_unused()
    out = _check(frames, params)
    out["keys"] = keys
    release_memory()  # before the next batch: a worker's peak is one batch, not what earlier ones left
    return out


def _gold_size(repo, doc_id: str) -> int:
    path = repo.layer_file(GOLD, doc_id)
    return path.stat().st_size if path.is_file() else 0


def _group_keys(made: dict[str, pa.Table], doc_ids: list[str]) -> np.ndarray | None:
    """Hashes of the sentence keys of a group's tables, or None when a row names a document outside the group,
    a document or sentence has no id, or the documents are not the group's."""
    if made["documents"]["doc_id"].to_pylist() != doc_ids:
        return None
    mine = pa.array(doc_ids, pa.string())
    keys = []
    for t in ("sentences", *gx_suite.span_tables()):
        tab = made[t]
        if not pc.all(pc.is_in(tab["doc_id"], value_set=mine)).as_py() in (True, None):
            return None
        key = tab["id" if t == "sentences" else "sentence_id"]
        if t == "sentences" and (key.null_count or pc.any(pc.equal(key, "")).as_py()):
            return None
        keys.append(pc.drop_null(key).combine_chunks())
    unique = pc.unique(pa.chunked_array(keys, pa.string()).combine_chunks())
    return pd.util.hash_array(np.asarray(unique.to_numpy(zero_copy_only=False), dtype=object))


def _planned(repo, jobs: int | None, bounds: Mapping[str, tuple[float, float]]) -> gx_suite.GateResult:
    """run_repo's way for a repository whose groups cannot be judged apart: the tables written, batches planned."""
    with gate_tables(repo) as tmp:
        return run_release(tmp, jobs, bounds=bounds)


@contextlib.contextmanager
def gate_tables(repo) -> Iterator[Path]:
    """A temp folder under build/ holding the five flat configs as the build writes them, removed after use.

    They are written in a child process, so the memory the writing takes is given back when it exits
    and the gate's workers, forked next, do not inherit it.
    """
    import shutil
    import tempfile

    repo.root.joinpath("build").mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="gate.", dir=repo.root / "build"))
    try:
        with fork_pool(1) as pool:
            pool.apply(_write_gate_tables, (repo.root, tmp))
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_gate_tables(root: Path, out: Path) -> None:
    from claimcorpus import build
    from claimcorpus.layout import Repo

    build.write_configs(build.Source(Repo(root)), out, names=gx_suite.gate_tables())
