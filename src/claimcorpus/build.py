"""Build corpus/, the Hub-ready release, from seeds/ and annotations/, one document at a time.

    corpus/README.md                               dataset card (YAML configs + dataset_info)
    corpus/data/<config>/<split>-0000i-of-0000n.parquet
    corpus/splits.json                             document ids per split
    corpus/release.json                            version, tools, input hashes
    corpus/SHA256SUMS                              sha256 of every other file

Tables are made per row group and written with one ``pyarrow.parquet.ParquetWriter`` per config
and split, so memory holds one row group, never the corpus. They are made column-wise (columns.py:
the layer files read by pyarrow, labels encoded and span tables cut by pyarrow.compute, only the
tokenizer in Python); where that path cannot be exact, the reference rows of configs.py make them. Every config is cut into row groups
at the same document boundaries (``ROW_GROUP_SENTENCES``), and a split's file is closed and a new
shard opened once it holds ``SHARD_BYTES`` of Arrow data (the Hub's names, as
``datasets.push_to_hub`` writes them). The build writes into a temp folder; corpus/ is replaced
only when everything passed, so a failed build leaves the old release intact. Builds are
byte-reproducible: no timestamps, sorted keys, fixed parquet settings.
"""

from __future__ import annotations

import bisect
import filecmp
import json
import os
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from claimcorpus import columns, forking, tables
from claimcorpus.configs import config, configs, encoded_gold
from claimcorpus.documents import Document, read_manifest
from claimcorpus.errors import ReleaseError
from claimcorpus.layers import read_layer, read_meta
from claimcorpus.layout import GOLD, Repo
from claimcorpus.release import current_version
from claimcorpus.segment import segmenter_info
from claimcorpus.splits import SPLITS_FILE, read_splits
from claimcorpus.kinds import flags, kinds
from claimcorpus.textio import canonical_text, read_bytes, sha256, write_text
from claimcorpus.txn import Transaction

PARQUET = {"compression": "zstd", "compression_level": 9, "use_dictionary": True, "write_statistics": True}
# Row groups: a few MB each, far under the dataset viewer's limit (it refuses row groups over ~286 MiB)
# and small enough for streaming readers; every config is cut after the same document.
ROW_GROUP_SENTENCES = 10_000
SHARD_BYTES = 500_000_000  # Arrow bytes per file: datasets' push_to_hub default (max_shard_size="500MB")


class Source:
    """The inputs of a release, read lazily: the manifest, the split assignment, one document at a time."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.entries = {e["doc_id"]: e for e in read_manifest(repo)}
        if not self.entries:
            raise ReleaseError(repo.rel(repo.manifest), "no documents", "ingest a document with `claimcorpus ingest PATH`")
        self.splits = read_splits(repo, list(self.entries))
        self.layers = repo.layers()
        if GOLD not in self.layers:
            raise ReleaseError(repo.rel(repo.layer_dir(GOLD)), "there is no gold layer",
                              "adjudicate annotations into annotations/gold/")
        self.metas = {layer: read_meta(repo, layer) for layer in self.layers}

    def text(self, doc_id: str) -> str:
        entry = self.entries[doc_id]
        return canonical_text(read_bytes(self.repo.root / entry["path"], entry["path"]), entry["path"])

    def gold(self, doc_id: str) -> list[dict]:
        path = self.repo.layer_file(GOLD, doc_id)
        if not path.is_file():
            raise ReleaseError(self.repo.rel(path), f"document {doc_id!r} has no gold annotations",
                              "adjudicate it into annotations/gold/ or remove it from the manifest")
        return read_layer(self.repo, GOLD, doc_id)

    def gold_bytes(self, doc_id: str, layer: str = GOLD) -> bytes:
        """The bytes of a layer file of ``doc_id`` (columns.py reads them); Fallback when there is none."""
        path = self.repo.layer_file(layer, doc_id)
        if not path.is_file():
            raise columns.Fallback("no such file")
        return read_bytes(path, self.repo.rel(path))

    def layer_rows(self, doc_id: str, gold: list[dict] | None = None) -> Iterator[dict]:
        """Rows of every layer of ``doc_id``; ``gold``: its gold records already encoded (not read again)."""
        for layer in self.layers:
            if self.repo.layer_file(layer, doc_id).is_file():
                meta = self.metas[layer]
                head = {"layer": layer, "annotator": meta["annotator"], "guidelines_version": meta["guidelines_version"]}
                if layer == GOLD and gold is not None:
                    yield from ({**head, **rec} for rec in gold)
                    continue
                for rec in read_layer(self.repo, layer, doc_id):
                    yield {**head, **tables.encode_sentence(rec)}


def document_rows(src: Source, doc_id: str, names) -> dict[str, list[dict]]:
    """Rows of each named config (configs.py) for one document, and its gold records under "gold".

    The gold records are encoded once (configs.encoded) for the sentences config and the gold layer's rows."""
    entry = src.entries[doc_id]
    gold = src.gold(doc_id)
    data = {"docs": {doc_id: Document(entry, src.text(doc_id) if "documents" in names else "")}, "gold": {doc_id: gold}}
    encoded = encoded_gold(data, [doc_id])
    data["layer_rows"] = [(doc_id, row) for row in src.layer_rows(doc_id, encoded)] if "layers" in names else []
    return {"gold": gold, **{c.name: c.rows(data, [doc_id]) for c in configs() if c.name in names}}


class LazyGold(Mapping):
    """doc_id -> gold records, read from annotations/ on each access (the card's picture and baselines
    go over every gold sentence; this keeps the build from holding them while it writes)."""

    def __init__(self, src: Source) -> None:
        self.src = src

    def __getitem__(self, doc_id: str) -> list[dict]:
        return self.src.gold(doc_id)

    def __iter__(self):
        return iter(sorted(self.src.entries))

    def __len__(self) -> int:
        return len(self.src.entries)


class SplitWriter:
    """The parquet files of one config's split: row groups appended, shards opened past SHARD_BYTES."""

    def __init__(self, folder: Path, split: str, schema: pa.Schema, shard_bytes: int) -> None:
        self.folder, self.split, self.schema, self.shard_bytes = folder, split, schema, shard_bytes
        self.parts: list[Path] = []
        self.writer: pq.ParquetWriter | None = None
        self.in_shard = self.rows = self.nbytes = 0

    def write(self, rows: list[dict]) -> None:
        if rows:
            self.write_table(pa.Table.from_pylist(rows, schema=self.schema))

    def write_table(self, table: pa.Table) -> None:
        """Append ``table`` (of this config's schema) as one row group."""
        if not table.num_rows:
            return
        if self.writer is not None and self.in_shard >= self.shard_bytes:
            self.writer.close()
            self.writer = None
        if self.writer is None:
            self.parts.append(self.folder / f"{self.split}-{len(self.parts):05d}.parquet.part")
            self.folder.mkdir(parents=True, exist_ok=True)
            self.writer, self.in_shard = pq.ParquetWriter(self.parts[-1], self.schema, **PARQUET), 0
        self.writer.write_table(table, row_group_size=table.num_rows)
        self.rows, self.nbytes, self.in_shard = self.rows + table.num_rows, self.nbytes + table.nbytes, self.in_shard + table.nbytes

    def close(self) -> tuple[int, int]:
        """Name the shards `<split>-0000i-of-0000n.parquet` (one empty file for an empty split); (rows, bytes)."""
        if self.writer is not None:
            self.writer.close()
        if not self.parts:
            self.folder.mkdir(parents=True, exist_ok=True)
            empty = self.schema.empty_table()
            pq.write_table(empty, self.folder / f"{self.split}-00000-of-00001.parquet", **PARQUET)
            return 0, empty.nbytes
        for i, part in enumerate(self.parts):
            part.rename(self.folder / f"{self.split}-{i:05d}-of-{len(self.parts):05d}.parquet")
        return self.rows, self.nbytes


class Stats:
    """The gold statistics the dataset card reports, counted as documents stream past, and the sentence its
    picture draws (picture.choose's pick, ranked from the tokens config's rows as they are written)."""

    def __init__(self) -> None:
        self.n = 0
        self.spans = Counter()  # kind field -> spans
        self.flagged = Counter()  # flag name -> sentences with the flag
        self.flag_spans = Counter()  # flag name -> spans whose ``when`` field is true (flags with one)
        self.labels = {k.field: Counter() for k in kinds()}
        self.picture: dict | None = None
        self._rank: tuple | None = None

    def add(self, recs: list[dict]) -> None:
        for r in recs:
            self.n += 1
            for k in kinds():
                self.spans[k.field] += len(r[k.field])
                self.labels[k.field].update(x[k.label] for x in r[k.field])
            for k, f in flags():
                self.flagged[f.name] += r[f.name]
                if f.when:
                    self.flag_spans[f.name] += sum(x[f.when] for x in r[k.field])

    def add_table(self, raw: pa.Table) -> None:
        """``add`` over a group's gold records as a raw table (columns.raw_schema: label strings), column-wise."""
        total = lambda arr: pc.sum(arr.cast(pa.int64())).as_py() or 0  # noqa: E731
        self.n += raw.num_rows
        for k in kinds():
            spans = pc.list_flatten(raw[k.field].combine_chunks())
            self.spans[k.field] += len(spans)
            for item in pc.value_counts(spans.field(k.label)).to_pylist():
                self.labels[k.field][item["values"]] += item["counts"]
        for k, f in flags():
            self.flagged[f.name] += total(raw[f.name].combine_chunks())
            if f.when:
                self.flag_spans[f.name] += total(pc.list_flatten(raw[k.field].combine_chunks()).field(f.when))

    def rank_table(self, sentences: pa.Table, tokens: pa.Table, record: Callable[[int], dict]) -> None:
        """``rank`` over a group's sentences table; ``record(i)`` reads its i-th gold record (only for a new pick).
        picture.drawable sees each kind's spans as a range of their count (what it tests is whether there are any)."""
        from claimcorpus import picture

        n_tokens = pc.list_value_length(tokens["tokens"])
        if len(n_tokens) != sentences.num_rows:
            raise ValueError("the tokens and sentences tables differ in length")
        # only a sentence with at most the current pick's tokens can rank before it (picture.rank orders by tokens
        # first: checked here, else every sentence is looked at)
        by_tokens = picture.rank({"doc_id": "", "index": 0}, 7)[0] == 7
        rows = range(len(n_tokens)) if self._rank is None or not by_tokens else \
            pc.indices_nonzero(pc.less_equal(n_tokens, self._rank[0])).to_pylist()
        n_tokens = n_tokens.to_pylist()
        counts = {k.field: pc.list_value_length(sentences[k.field]).to_pylist() for k in kinds()}
        doc_ids, indexes = sentences["doc_id"].to_pylist(), sentences["index"].to_pylist()
        best = None
        for i in rows:
            doc_id, index, n = doc_ids[i], indexes[i], n_tokens[i]
            light = {"doc_id": doc_id, "index": index, **{f: range(c[i]) for f, c in counts.items()}}
            if picture.drawable(light) and (self._rank is None or picture.rank(light, n) < self._rank):
                best, self._rank = i, picture.rank(light, n)
        if best is not None:
            self.picture = record(best)

    def rank(self, recs: list[dict], tokens: pa.Table) -> None:
        """Keep the best picture candidate among ``recs``, whose token rows ``tokens`` holds (same order)."""
        from claimcorpus import picture

        for rec, n in zip(recs, pc.list_value_length(tokens["tokens"]).to_pylist(), strict=True):
            if picture.drawable(rec) and (self._rank is None or picture.rank(rec, n) < self._rank):
                self.picture, self._rank = rec, picture.rank(rec, n)


# Configs made from each document's gold records alone (configs.py), in a second process: the tokenizer
# is most of a build's time. The worker reads the gold files itself and returns Arrow tables per document.
SECOND_PROCESS = ("tokens",)
AHEAD_DOCS = 2 * 400  # documents the second process may run ahead of the writer (about two row groups)
CHUNK_DOCS = 32  # documents per task
_WORKER: dict = {}


def _gold_tables(doc_ids: list[str]) -> tuple[dict[str, pa.Table], list[int]]:
    """In the second process: ({config: table}, rows per document) of ``doc_ids`` for the SECOND_PROCESS configs,
    column-wise (columns.py), or by the reference rows where the fast path falls back."""
    src, made = _WORKER["src"], _WORKER["configs"]
    try:
        datas = [src.gold_bytes(d) for d in doc_ids]
        counts = [columns.lines(d) for d in datas]
        if set(c.name for c in made) - {"tokens"}:
            raise columns.Fallback("a config without a column-wise form")
        read = columns.read(datas, columns.token_read_schema(), ignore_extra=True)
        return {c.name: columns.token_table(read, _WORKER["schemas"][c.name]) for c in made}, counts
    except columns.Fallback:
        pass
    tables_, counts = {c.name: [] for c in made}, []
    for doc_id in doc_ids:
        data = {"gold": {doc_id: src.gold(doc_id)}}
        counts.append(len(data["gold"][doc_id]))
        for c in made:
            try:
                rows = c.rows(data, [doc_id])
            except (KeyError, ValueError, TypeError) as exc:
                raise _unencodable(src, doc_id, exc) from None
            tables_[c.name].append(pa.Table.from_pylist(rows, schema=_WORKER["schemas"][c.name]))
    return {c: pa.concat_tables(t) for c, t in tables_.items()}, counts


class GoldTables:
    """The SECOND_PROCESS configs of a split's documents, in order, made ``AHEAD_DOCS`` ahead by one forked
    worker (or here, with ``jobs`` 1); ``take(n)`` gives the next ``n`` documents' tables, concatenated."""

    def __init__(self, src: Source, doc_ids: list[str], names: list[str], schemas: dict, jobs: int) -> None:
        _WORKER.update(src=src, configs=[c for c in configs() if c.name in names], schemas=schemas)
        self.names = names
        self.chunks = iter([doc_ids[i:i + CHUNK_DOCS] for i in range(0, len(doc_ids), CHUNK_DOCS)])
        self.pool = forking.pool(1) if jobs > 1 and names else None
        self.queue: deque = deque()
        if not names:
            self.chunks = iter(())
        self.ready: deque = deque()
        self._fill()

    def _fill(self) -> None:
        while len(self.queue) * CHUNK_DOCS < AHEAD_DOCS:
            chunk = next(self.chunks, None)
            if chunk is None:
                return
            self.queue.append(self.pool.apply_async(_gold_tables, (chunk,)) if self.pool else chunk)

    def take(self, n_docs: int) -> dict[str, pa.Table]:
        if not self.names:
            return {}
        pieces: list[dict[str, pa.Table]] = []
        while n_docs:
            if not self.ready:
                item = self.queue.popleft()
                got, counts = item.get() if self.pool else _gold_tables(item)
                self.ready.append([got, counts])
                self._fill()
            got, counts = self.ready[0]
            k = min(n_docs, len(counts))
            rows = sum(counts[:k])
            pieces.append({c: t.slice(0, rows) for c, t in got.items()})
            n_docs -= k
            if k == len(counts):
                self.ready.popleft()
            else:
                self.ready[0] = [{c: t.slice(rows) for c, t in got.items()}, counts[k:]]
        return {c: pa.concat_tables([p[c] for p in pieces]).combine_chunks() for c in self.names}

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()


def write_configs(src: Source, out: Path, names=None, progress=None, shard_bytes: int = SHARD_BYTES,
                  row_group_sentences: int = ROW_GROUP_SENTENCES, jobs: int | None = None) -> tuple[dict, dict, Stats]:
    """Stream every split's documents into ``out/data/<config>/`` (every config, or those ``names`` lists);
    returns (counts, num_bytes, stats). ``jobs`` 2 (the default on two cores or more) makes the
    SECOND_PROCESS configs in a forked worker while this process makes the others."""
    wanted = [c.name for c in configs() if names is None or c.name in names]
    schemas = {c.name: c.features().arrow_schema for c in configs() if c.name in wanted}
    jobs = jobs or min(2, os.cpu_count() or 1)
    derived = {c.name: c.derive for c in configs() if c.name in wanted and c.derive and c.derive[0] in wanted}
    apart = [c for c in wanted if c in SECOND_PROCESS and c not in derived]
    here = [c for c in wanted if c not in apart and c not in derived]
    counts: dict[str, dict[str, int]] = {c: {} for c in wanted}
    nbytes: dict[str, dict[str, int]] = {c: {} for c in wanted}
    stats = Stats()
    made = GoldTables(src, [d for ids in src.splits.values() for d in ids], apart, {c: schemas[c] for c in apart}, jobs)
    try:
        for split, doc_ids in src.splits.items():
            if not doc_ids:
                continue
            writers = {c: SplitWriter(out / "data" / c, split, schemas[c], shard_bytes) for c in wanted}
            group: list[tuple[str, bytes | None, int]] = []  # (doc_id, its gold bytes, records) of the row group
            held = 0
            for i, doc_id in enumerate(doc_ids, start=1):
                try:
                    data = src.gold_bytes(doc_id)
                    group.append((doc_id, data, columns.lines(data)))
                except columns.Fallback:
                    group.append((doc_id, None, len(src.gold(doc_id))))
                held += group[-1][2]
                if held >= row_group_sentences or i == len(doc_ids):
                    tables_ = made.take(len(group))
                    tables_ |= _group_tables(src, group, here, schemas, stats, tables_.get("tokens"))
                    tables_ |= {c: fn(tables_[of], schemas[c]) for c, (of, fn) in derived.items()}
                    for c in wanted:
                        writers[c].write_table(tables_[c])
                    group, held = [], 0
                    if progress:
                        progress(f"{split}: {i} of {len(doc_ids)} documents")
            for c in wanted:
                counts[c][split], nbytes[c][split] = writers[c].close()
    finally:
        made.close()
    return counts, nbytes, stats


def _group_tables(src: Source, group: list[tuple[str, bytes | None, int]], here: list[str], schemas: dict,
                  stats: Stats, tokens: pa.Table | None) -> dict[str, pa.Table]:
    """The ``here`` configs of a row group's (doc_id, gold bytes or None, records): column-wise where exact."""
    try:
        return _fast_group(src, group, here, schemas, stats, tokens)
    except columns.Fallback:
        return _reference_group(src, [d for d, _, _ in group], here, schemas, stats, tokens)


def group_tables(src: Source, doc_ids: list[str], names) -> dict[str, pa.Table]:
    """The ``names`` configs of a group of documents as write_configs makes one row group of them (configs made
    from the gold layer alone; not SECOND_PROCESS or derived ones), held in memory, not written."""
    schemas = {c.name: c.features().arrow_schema for c in configs() if c.name in names}
    if set(names) - set(schemas) or set(names) & (set(SECOND_PROCESS) | {c.name for c in configs() if c.derive}):
        raise ValueError(f"group_tables makes the configs of the gold layer alone, not {sorted(names)}")
    group: list[tuple[str, bytes | None, int]] = []
    for doc_id in doc_ids:
        try:
            data = src.gold_bytes(doc_id)
            group.append((doc_id, data, columns.lines(data)))
        except columns.Fallback:
            group.append((doc_id, None, len(src.gold(doc_id))))
    return _group_tables(src, group, list(names), schemas, Stats(), None)


def _reference_group(src: Source, doc_ids: list[str], here: list[str], schemas: dict, stats: Stats,
                     tokens: pa.Table | None) -> dict[str, pa.Table]:
    """The ``here`` configs of a row group's documents by the reference rows (configs.py), and their Stats."""
    pending: dict[str, list[dict]] = {c: [] for c in here}
    gold: list[dict] = []
    for doc_id in doc_ids:
        try:
            rows = document_rows(src, doc_id, here)
        except (KeyError, ValueError, TypeError) as exc:
            raise _unencodable(src, doc_id, exc) from None
        gold += rows["gold"]
        for c in here:
            pending[c] += rows[c]
    stats.add(gold)
    if tokens is not None:
        stats.rank(gold, tokens)
    return {c: pa.Table.from_pylist(pending[c], schema=schemas[c]) for c in here}


def _unencodable(src: Source, doc_id: str, exc: Exception) -> ReleaseError:
    """The one-line error for a layer record the reference rows cannot encode (a label outside its set, a missing
    field): the first such record of the document's layer files, with its line. The CLI validates before it
    builds, so this is for build_into called alone (the reference rows raised a bare KeyError or ValueError)."""
    from claimcorpus.textio import iter_jsonl

    for layer in src.layers:
        path = src.repo.layer_file(layer, doc_id)
        if not path.is_file():
            continue
        for lineno, rec in iter_jsonl(path, src.repo.rel(path)):
            try:
                tables.encode_sentence(rec)
                if layer == GOLD:
                    tables.token_row(rec)
            except (KeyError, ValueError, TypeError) as err:
                what = f"no {err} (a missing field or a label outside its set)" if isinstance(err, KeyError) else str(err)
                return ReleaseError(f"{src.repo.rel(path)}:{lineno}", f"record {rec.get('id')!r} cannot be encoded: {what}",
                                    "run `claimcorpus validate`: it names the field and the labels allowed")
    return ReleaseError(src.repo.rel(src.repo.layer_file(GOLD, doc_id)), f"document {doc_id!r} cannot be encoded: {exc}",
                        "run `claimcorpus validate`: it names the field and the labels allowed")


def _fast_group(src: Source, group: list[tuple[str, bytes | None, int]], here: list[str], schemas: dict, stats: Stats,
                tokens: pa.Table | None) -> dict[str, pa.Table]:
    """The ``here`` configs of a row group's documents column-wise (columns.py), and their Stats; Fallback when
    the fast path cannot make them exactly as the reference does (nothing counted then)."""
    from claimcorpus import features

    if any(data is None for _, data, _ in group):
        raise columns.Fallback("a document without a gold file")
    known = {"sentences", "documents", "layers", "tokens", *(k.field for k in kinds())}
    if set(here) - known:
        raise columns.Fallback("a config without a column-wise form")
    doc_ids = [d for d, _, _ in group]
    feats = features.sentence_features()
    raw_schema = columns.raw_schema(feats)
    raw = columns.read([data for _, data, _ in group], raw_schema, records=sum(n for _, _, n in group))
    sentences = columns.encode(raw, feats)
    out: dict[str, pa.Table] = {}
    if "sentences" in here:
        out["sentences"] = sentences
    if "documents" in here:
        docs = {d: Document(src.entries[d], src.text(d)) for d in doc_ids}
        data = {"docs": docs, "gold": {d: range(n) for d, _, n in group}}
        out["documents"] = pa.Table.from_pylist(config("documents").rows(data, doc_ids), schema=schemas["documents"])
    for k in kinds():
        if k.field in here:
            out[k.field] = columns.span_table(k, sentences, raw, schemas[k.field])
    if "layers" in here:
        out["layers"] = _layers_table(src, group, sentences, raw_schema, feats, schemas["layers"])
    stats.add_table(raw)
    if tokens is not None:
        firsts = [0]
        for _, _, n in group:
            firsts.append(firsts[-1] + n)

        def record(i: int) -> dict:
            j = bisect.bisect_right(firsts, i) - 1
            return src.gold(doc_ids[j])[i - firsts[j]]
        stats.rank_table(sentences, tokens, record)
    return {c: columns.tight_table(t) for c, t in out.items()}


def _layers_table(src: Source, group, gold: pa.Table, raw_schema: pa.Schema, feats, schema: pa.Schema) -> pa.Table:
    """The ``layers`` config of a group's documents: per document, each layer's encoded records with its head."""
    per_layer: dict[str, tuple[pa.Table, dict[str, tuple[int, int]]]] = {}
    for layer in src.layers:
        meta = src.metas[layer]
        head = {"layer": layer, "annotator": meta["annotator"], "guidelines_version": meta["guidelines_version"]}
        if layer == GOLD:
            table, spans, at = gold, {}, 0
            for d, _, n in group:
                spans[d], at = (at, n), at + n
        else:
            datas, spans, at = [], {}, 0
            for d, _, _ in group:
                if src.repo.layer_file(layer, d).is_file():
                    datas.append(src.gold_bytes(d, layer))
                    n = columns.lines(datas[-1])
                    spans[d], at = (at, n), at + n
            table = columns.encode(columns.read(datas, raw_schema), feats)
        per_layer[layer] = (columns.with_head(table, head, schema), spans)
    pieces = [per_layer[layer][0].slice(*per_layer[layer][1][d]) for d, _, _ in group for layer in src.layers
              if d in per_layer[layer][1]]
    return pa.concat_tables(pieces).combine_chunks() if pieces else schema.empty_table()


def config_rows(data: dict, doc_ids: list[str], names=None) -> dict[str, list[dict]]:
    """Rows of each release config (or those ``names`` lists) for ``doc_ids`` of ``data`` ({"docs", "gold", "layer_rows"})."""
    return {c.name: c.rows(data, doc_ids) for c in configs() if names is None or c.name in names}


def release_rows(repo: Repo, names=None) -> dict[str, list[dict]]:
    """Every row of the configs over all splits, in memory: for small repositories and tests only."""
    src = Source(repo)
    out: dict[str, list[dict]] = {}
    for doc_id in (d for ids in src.splits.values() for d in ids):
        for name, rows in document_rows(src, doc_id, [c.name for c in configs() if names is None or c.name in names]).items():
            if name != "gold":
                out.setdefault(name, []).extend(rows)
    return out


def write_split_rows(out: Path, per_split: dict[str, dict[str, list[dict]]], names: list[str]) -> tuple[dict, dict]:
    """Write rows already made ({split: {config: rows}}) as the streaming build lays them out; (counts, num_bytes)."""
    schemas = {c.name: c.features().arrow_schema for c in configs() if c.name in names}
    counts: dict[str, dict[str, int]] = {c: {} for c in names}
    nbytes: dict[str, dict[str, int]] = {c: {} for c in names}
    for split, rows in per_split.items():
        for c in names:
            w = SplitWriter(out / "data" / c, split, schemas[c], SHARD_BYTES)
            for i in range(0, len(rows[c]), ROW_GROUP_SENTENCES):
                w.write(rows[c][i:i + ROW_GROUP_SENTENCES])
            counts[c][split], nbytes[c][split] = w.close()
    return counts, nbytes


def build_into(repo: Repo, out: Path, gate: Callable[[Path], list] | None = None, progress=None,
               shard_bytes: int = SHARD_BYTES) -> dict:
    """Write a complete release into ``out`` (an empty folder), then run ``gate`` on it. Returns release metadata.

    ``gate(out)`` gets the written release and returns its findings; any finding raises GateFailed.
    """
    from claimcorpus import card, croissant, picture

    src = Source(repo)
    counts, nbytes, stats = write_configs(src, out, progress=progress, shard_bytes=shard_bytes)
    write_text(out / SPLITS_FILE, json.dumps(src.splits, indent=2) + "\n")
    release = {
        "version": current_version(repo),
        "segmenter": segmenter_info(),
        "tokenizer": tables.tokenizer_info(),
        "counts": counts,
        "num_bytes": nbytes,
        "inputs": {e["path"]: e["sha256_raw"] for e in src.entries.values()},
        "schema_sha256": {p.name: sha256(p.read_bytes()) for p in sorted(repo.schema_dir.glob("*.schema.json"))},
    }
    write_text(out / "release.json", json.dumps(release, indent=2, sort_keys=True) + "\n")
    data = {"gold": LazyGold(src), "splits": src.splits, "picture": stats.picture}
    picture.write([stats.picture] if stats.picture else [], out, previous=repo.corpus)
    card_text = card.render(repo, src.splits, stats, release, data)
    write_text(out / "README.md", card_text)
    write_text(out / "croissant.json", croissant.render(release, card_text))
    write_text(out / "CITATION.cff", card.citation_cff(release["version"]))
    write_checksums(out)
    if gate is not None:
        findings = gate(out)
        if findings:
            raise GateFailed(findings)
    return release


def write_checksums(out: Path) -> None:
    lines = [f"{sha256(p.read_bytes())}  {p.relative_to(out).as_posix()}"
             for p in sorted(out.rglob("*")) if p.is_file() and p.name != "SHA256SUMS"]
    write_text(out / "SHA256SUMS", "\n".join(lines) + "\n")


class GateFailed(Exception):
    def __init__(self, findings: list) -> None:
        self.findings = findings
        super().__init__(f"{len(findings)} Great Expectations findings")


def build(repo: Repo, gate=None, progress=None) -> dict:
    """Build into a staged folder; it replaces corpus/ whole at commit, only when everything succeeded (txn.py)."""
    with Transaction(repo.root, "build") as tx:
        return build_into(repo, tx.write_dir(repo.corpus), gate, progress)


def diff_release(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two release folders (missing on either side included)."""
    files = lambda root: {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}  # noqa: E731
    fa, fb = files(a) if a.is_dir() else set(), files(b)
    differ = sorted(fa ^ fb)
    differ += sorted(f for f in fa & fb if not filecmp.cmp(a / f, b / f, shallow=False))
    return differ


def check(repo: Repo, gate=None) -> list[str]:
    """Rebuild into a temp folder and list files where corpus/ differs from the fresh build."""
    with Transaction(repo.root, "build --check") as tx:
        fresh = tx.write_dir(repo.corpus)
        build_into(repo, fresh, gate)
        differ = diff_release(repo.corpus, fresh)
        tx.rollback()
    return differ
