"""Fast path for large corpora: a validator with the reference's output.

``FastValidator`` gives exactly the findings of ``validate.Validator`` (the reference), faster:

- It runs the reference's own per-file code with ``fast=True`` (jsonschema-rs decides validity;
  python-jsonschema only explains a rejected record).
- Document files are independent, so they are checked one document at a time (segments, then
  every layer) in ``jobs`` worker processes; memory holds one document per worker, not the
  corpus. ``shard=(i, n)`` checks only the documents with ``crc32(doc_id) % n == i``, for
  running one shard per machine (docs/scale.md).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator

from claimcorpus.layout import Repo
from claimcorpus.validation.finding import Finding
from claimcorpus.validation.repository import Validator


def shard_of(doc_id: str, n: int) -> int:
    """The shard a document belongs to: stable across machines and Python versions."""
    return zlib.crc32(doc_id.encode("utf-8")) % n


class FastValidator(Validator):
    """``Validator`` with the same findings in the same order; per document, in parallel.

    The per-file work is the reference's own (``Validator._records``, ``Validator.layer_file``); this class
    only orders the work per document, spreads it over processes and picks a shard.
    """

    def __init__(self, repo: Repo, jobs: int | None = None, shard: tuple[int, int] | None = None) -> None:
        super().__init__(repo, fast=True)
        self.jobs = jobs or os.cpu_count() or 1
        self.shard = shard

    def _mine(self, doc_id: str) -> bool:
        return not self.shard or shard_of(doc_id, self.shard[1]) == self.shard[0]

    def run(self, progress=None) -> list[Finding]:
        self.leftovers()
        self.documents()
        if not self.shard or self.shard[0] == 0:  # one file for the corpus: reported by shard 0
            self.splits()
        layers = self.repo.layers()
        metas = []
        for layer in layers:
            before = len(self.findings)
            self._layer_meta(layer)
            metas.append(self.findings[before:])
            del self.findings[before:]
        seg_files = dict(self._doc_files(self.repo.segments))
        layer_files = [dict(self._doc_files(self.repo.layer_dir(layer))) for layer in layers]
        stems = [s for s in sorted(set(seg_files).union(*layer_files)) if self._mine(s)]
        for doc_id in sorted(self.texts):
            if doc_id not in seg_files and self._mine(doc_id):
                self.add([Finding("E101", self.repo.rel(self.repo.segments_file(doc_id)), None, doc_id,
                                  "sentence boundaries are missing; run `claimcorpus ingest` again")])
        tasks = [(s, seg_files.get(s), [f.get(s) for f in layer_files]) for s in stems]
        layer_out: list[list[Finding]] = [[] for _ in layers]
        for seg_f, per_layer, n in self._map(tasks):
            self.findings += seg_f
            for out, got in zip(layer_out, per_layer):
                out += got
            self.n_records += n
        for meta, out, layer in zip(metas, layer_out, layers):
            self.findings += meta + out
            if progress:
                progress(layer)
        if not self.findings and not self.shard:
            from claimcorpus.adjudication import findings as adjudication_findings

            self.add(adjudication_findings(self.repo))
        return self.findings

    def _map(self, tasks: list) -> Iterator[tuple]:
        if self.jobs <= 1 or len(tasks) < 64:
            yield from map(self._document, tasks)
            return
        from claimcorpus.forking import pool as fork_pool

        global _WORKER
        _WORKER = self
        with fork_pool(self.jobs) as pool:
            yield from pool.imap(_work, tasks, chunksize=max(1, min(64, len(tasks) // (self.jobs * 8))))

    def _layer_meta(self, layer: str) -> None:
        """Validator.layer without its files: the layer.json checks."""
        real = self._doc_files
        self._doc_files = lambda folder: []  # type: ignore[method-assign]
        try:
            Validator.layer(self, layer)
        finally:
            self._doc_files = real  # type: ignore[method-assign]

    def _document(self, task: tuple) -> tuple[list[Finding], list[list[Finding]], int]:
        """Findings of one document's segments file and of its file in each layer, and its record count."""
        doc_id, seg_path, layer_paths = task
        saved, self.findings, self.n_records = (self.findings, self.n_records), [], 0
        try:
            segments = None
            if seg_path is not None:
                _, good, _ = self._records("segment", doc_id, seg_path)
                segments = [(r["index"], r["start"], r["end"], r["text"]) for _, r in good]
            seg_f, per_layer = self.findings, []
            for path in layer_paths:
                self.findings = []
                if path is not None:
                    self.layer_file(doc_id, path, segments)
                per_layer.append(self.findings)
            return seg_f, per_layer, self.n_records
        finally:
            self.findings, self.n_records = saved


_WORKER: FastValidator | None = None


def _work(task):
    return _WORKER._document(task)
